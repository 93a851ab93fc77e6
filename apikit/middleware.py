"""JSON errors the API's views do not make themselves: a URL that matches no route, a database that is gone.

URLs under the API that match no route get JSON, whatever DEBUG says.

Django answers those itself: with DEBUG on, its HTML debug page (``handler404`` is ignored then). This
middleware turns an HTML 404 under ``API_PATH_PREFIX`` (default ``/api/``) into the API's error body. It sits
outside CommonMiddleware, so a URL missing its final slash is still redirected first."""

import logging
import sys

import structlog
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.views import defaults

logger = logging.getLogger(__name__)


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


# The errors of a database that is gone, restarting or refusing connections: the client should retry.
UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable_response(request, extra: dict | None = None) -> HttpResponse:
    """503 with Retry-After (DATABASE_RETRY_AFTER seconds): JSON in the API's error format, or a short HTML page
    for the admin."""
    detail = "The database is unavailable. Try again shortly."
    if request.path.startswith(getattr(settings, "API_PATH_PREFIX", "/api/")) or extra is not None:
        body = {"type": "server_error", "errors": [{"code": "database_unavailable", "detail": detail, "attr": None}]}
        response = JsonResponse({**body, **(extra or {})}, status=503)
    else:
        response = HttpResponse(f"<!doctype html><title>503</title><p>{detail}</p>", status=503)
    response["Retry-After"] = str(getattr(settings, "DATABASE_RETRY_AFTER", 5))
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses its database answers 503 with Retry-After, never a 500 (with DEBUG on too); errors
    raised by other middleware get the same answer from ``server_error`` (handler500). Django closes the broken
    connection at the end of the request and opens a new one for the next, so the app recovers by itself when
    the database is back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            logger.warning("database unavailable: %s", (str(exception).strip().splitlines() or [repr(exception)])[0])
            return database_unavailable_response(request)
        return None


def server_error(request):
    """handler500: 503 when the database is unavailable; otherwise a JSON 500 under the API, HTML elsewhere."""
    exception = sys.exc_info()[1]
    if isinstance(exception, UNAVAILABLE):
        return database_unavailable_response(request)
    if request.path.startswith(getattr(settings, "API_PATH_PREFIX", "/api/")):
        body = {"type": "server_error", "errors": [{"code": "error", "detail": "Server error.", "attr": None}]}
        return JsonResponse(body, status=500)
    return defaults.server_error(request)


class RequestIdMiddleware:
    """X-Request-ID in every response: the id that every log line of the request carries (django-structlog binds
    it, from the client's X-Request-ID or a new UUID). It sits right inside django-structlog's middleware, which
    forgets the id once the response has passed it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            response["X-Request-ID"] = request_id
        return response
