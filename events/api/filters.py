import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError

# Accepted on every endpoint, besides each resource's own filters.
GLOBAL_PARAMETERS = {"format", "page", "page_size"}
# Parameters whose empty value means "no filter" (a search for nothing).
EMPTY_ALLOWED = {"q"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 for what would otherwise be silently ignored: a query parameter the endpoint
    does not know (a typo such as ``partyy=IRN`` must never return everything), an empty value, and a
    single-valued parameter given more than once."""

    def filter_queryset(self, request, queryset, view):
        accepted = GLOBAL_PARAMETERS | set(getattr(view, "extra_query_parameters", {}).get(view.action, ()))
        filterset_class = self.get_filterset_class(view, queryset) if view.action != "relations" else None
        filters = filterset_class.base_filters if filterset_class is not None else {}
        accepted |= set(filters)
        errors = {}
        for name in request.query_params:
            values = request.query_params.getlist(name)
            multiple = isinstance(
                filters.get(name), django_filters.MultipleChoiceFilter | django_filters.ModelMultipleChoiceFilter
            )
            if name not in accepted:
                message = f"Unknown query parameter. Accepted here: {', '.join(sorted(accepted))}."
                errors[name] = [ErrorDetail(message, code="unknown_parameter")]
            elif len(values) > 1 and not multiple:
                errors[name] = [ErrorDetail("Given more than once; this parameter takes one value.", code="repeated")]
            elif name not in EMPTY_ALLOWED and any(value == "" for value in values):
                errors[name] = [ErrorDetail("Empty value: give a value or leave the parameter out.", code="blank")]
        if errors:
            raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
