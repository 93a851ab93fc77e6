from django.core.paginator import InvalidPage
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}`` with an exact count. Clients follow ``next`` and ``previous`` as
    opaque links. ``page_size`` is 1 to 500 (default 50); anything else is a 400, a page past the end a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Expected a whole number from 1 to {self.max_page_size}, got {raw!r}."]}
            )
        return size

    def paginate_queryset(self, queryset, request, view=None, count: int | None = None):
        """DRF's, with the total passed in when it is known (a cached count) instead of counted again."""
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        if count is not None:
            paginator.count = count  # a cached_property: the instance attribute stands in for it
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=page_number, message=str(exc))) from exc
        return list(self.page)

    def envelope(self, results) -> dict:
        """The page as the response shows it (what get_paginated_response wraps)."""
        return {
            "count": self.page.paginator.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": results,
        }

    def check_parameters(self, request) -> None:
        """Validate ``page`` and ``page_size`` where they are not used (a CSV export is not paginated)."""
        self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            raise ValidationError({self.page_query_param: [f"Expected a page number from 1, got {raw!r}."]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
                parameter["description"] = f"Results per page, 1 to {self.max_page_size} (default {self.page_size})."
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "Page number; a page past the end is a 404. Prefer following `next`."
        return parameters
