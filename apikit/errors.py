"""Every error is JSON: ``{"type": ..., "errors": [{"code", "detail", "attr"}]}``, never an HTML page or a 500
for bad input. ``attr`` names the parameter or field at fault, with dots for nested fields
(``parties.1.country``).

The format is drf-standardized-errors'; its handler is not used because it names the attribute of a
request-wide error ``non_field_errors`` where this API sends null, and keeps Django's ``__all__`` in nested
paths (docs/architecture.md, Errors)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the data."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it (If-Match does not match its ETag). Read it again."
    default_code = "precondition_failed"


def exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    error_type = "validation_error" if isinstance(exc, exceptions.ValidationError) else "client_error"
    if response.status_code >= 500:
        error_type = "server_error"
    data = response.data
    if not isinstance(exc, exceptions.ValidationError) and isinstance(data, dict) and "detail" in data:
        data = [data["detail"]]  # {"detail": ...}: an error about the request as a whole
    errors = list(_flatten(data))
    if errors and all(error["code"] == "unique" for error in errors):
        response.status_code = status.HTTP_409_CONFLICT  # clashes with a record that already exists
    response.data = {"type": error_type, "errors": errors}
    return response


def _translate(exc):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail=detail)
    if isinstance(exc, ProtectedError | RestrictedError):
        objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        blockers = sorted({f"{obj._meta.verbose_name} {obj}" for obj in objects})
        return Conflict(f"Cannot delete: other records refer to it ({'; '.join(blockers[:10])}).", code="protected")
    if isinstance(exc, DataError):  # e.g. a NUL character, or a number too large for its column
        reason = str(exc).splitlines()[0]
        return exceptions.ValidationError({"non_field_errors": [f"A value cannot be stored: {reason}"]}, code="invalid")
    if isinstance(exc, IntegrityError):
        reason = str(exc).splitlines()[0]
        return Conflict(f"The change breaks a uniqueness or integrity rule: {reason}", code="integrity")
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _flatten(data, attr=None):
    """Turn DRF's nested error structure into a flat list of {code, detail, attr}."""
    if isinstance(data, dict):
        for key, value in data.items():
            key = str(key).removesuffix(".__all__")
            is_general = key in ("non_field_errors", "__all__")
            name = attr if is_general else (f"{attr}.{key}" if attr else key)
            yield from _flatten(value, name)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            if isinstance(item, dict | list):
                if item:
                    yield from _flatten(item, f"{attr}.{index}" if attr else str(index))
            else:
                yield _error(item, attr)
    else:
        yield _error(data, attr)


def _error(detail, attr):
    return {"code": getattr(detail, "code", "invalid"), "detail": str(detail), "attr": attr}
