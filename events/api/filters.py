from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# Accepted on every endpoint, besides each resource's own filters.
GLOBAL_PARAMETERS = {"format", "page", "page_size"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 for any query parameter the endpoint does not know (a typo such as
    ``partyy=IRN`` must never silently return everything)."""

    def filter_queryset(self, request, queryset, view):
        accepted = GLOBAL_PARAMETERS | set(getattr(view, "extra_query_parameters", {}).get(view.action, ()))
        filterset_class = self.get_filterset_class(view, queryset) if view.action != "relations" else None
        if filterset_class is not None:
            accepted |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - accepted)
        if unknown:
            raise ValidationError(
                {name: [f"Unknown query parameter. Accepted here: {', '.join(sorted(accepted))}."] for name in unknown},
                code="unknown_parameter",
            )
        return super().filter_queryset(request, queryset, view)
