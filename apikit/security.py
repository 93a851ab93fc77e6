"""Answers to password guessing (django-axes): 429 with Retry-After, in the API's error format under the API."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a login from a locked-out username and address."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    detail = (
        f"Too many failed logins for this username from this address. Try again in {max(1, seconds // 60)} minutes."
    )
    if request.path.startswith(getattr(settings, "API_PATH_PREFIX", "/api/")):
        body = {"type": "client_error", "errors": [{"code": "locked_out", "detail": detail, "attr": None}]}
        response = JsonResponse(body, status=429)
    else:
        response = HttpResponse(f"<!doctype html><title>Locked out</title><p>{detail}</p>", status=429)
    response["Retry-After"] = str(seconds)
    return response
