"""ETags: of a representation (details), or of a URL over a data version (lists, without building them)."""

import hashlib
import json

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet

# Part of every list ETag: change it when a release changes what a list shows for the same data.
REPRESENTATION_VERSION = "1"
PAGE_PARAMETERS = ("page", "page_size", "cursor", "format")


def etag(data) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()
    return f'"{digest[:32]}"'


def list_etag(request, data_version: int) -> str:
    """A list's ETag without building the list: the same URL over the same data gives the same body."""
    key = f"{REPRESENTATION_VERSION}|{data_version}|{request.build_absolute_uri()}|{request.accepted_media_type}"
    return f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


def etag_matches(header: str | None, tag: str, *, wildcard: bool = True) -> bool:
    """Whether an If-Match / If-None-Match header names ``tag`` (weak or strong: compression weakens ETags),
    or is ``*`` (unless ``wildcard`` is off)."""
    if not header:
        return False
    candidates = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return (wildcard and "*" in candidates) or tag in candidates


def cached_count(queryset: QuerySet, request, data_version: int) -> int:
    """``queryset.count()``, counted once per filter and data version (any write gives a new version): the
    query string without the page parameters determines the filtered queryset."""
    filters = sorted((k, v) for k, v in request.query_params.lists() if k not in PAGE_PARAMETERS)
    key = f"count:{request.path}:{data_version}:{hashlib.sha256(repr(filters).encode()).hexdigest()}"
    return cache.get_or_set(key, queryset.count, timeout=None)
