"""JSON for URLs under the API that match no route, whatever DEBUG says.

Django answers those itself: with DEBUG on, its HTML debug page (``handler404`` is ignored then). This
middleware turns an HTML 404 under ``API_PATH_PREFIX`` (default ``/api/``) into the API's error body. It sits
outside CommonMiddleware, so a URL missing its final slash is still redirected first."""

from django.conf import settings
from django.http import JsonResponse


class JSONNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = getattr(settings, "API_PATH_PREFIX", "/api/")

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith(self.prefix)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return not_found_response()
        return response


def not_found_response() -> JsonResponse:
    body = {"type": "client_error", "errors": [{"code": "not_found", "detail": "No such URL.", "attr": None}]}
    return JsonResponse(body, status=404)
