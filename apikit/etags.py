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


def cached_count(queryset: QuerySet, request, data_versions) -> int:
    """``queryset.count()``, counted once per query and version of the tables the query reads: a write to any
    other table leaves the total cached. The key is the statement itself (filters resolved in Python, such as
    an actor's predecessors, are part of it)."""
    sql, params = queryset.query.sql_with_params()
    version = data_versions.for_request(request, data_versions.tables_in(sql))
    digest = hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
    return cache.get_or_set(f"count:{version}:{digest}", queryset.count, timeout=None)
