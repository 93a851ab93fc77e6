"""Case- and accent-insensitive full-text search in PostgreSQL, without contrib extensions.

Searchable models have a stored, generated ``search`` column: ``to_tsvector('simple', fold(text))``,
where the SQL function ``events_search_fold`` (created by migration 0002) lowercases and strips
accents with the built-in ``normalize(text, NFD)`` and a regular expression over the combining
marks. A query is folded the same way in Python, then parsed with ``websearch_to_tsquery``, so
"Nicolas Maduro" finds "Nicolás Maduro" and "raisi" finds "Raisi".
"""

import unicodedata

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import models

# The SQL functions events_search_fold(text) and events_search_array(text[]) are created by migration
# 0002_search; both are immutable, so they can feed a stored generated column.


def fold(text: str) -> str:
    """What ``events_search_fold`` does, in Python: lowercase, accents stripped."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f").lower()


def search_field(*columns: str, arrays: tuple[str, ...] = ()) -> models.GeneratedField:
    """A stored tsvector of the given text columns (and text-array columns), folded."""
    parts = [f"coalesce({column}, '')" for column in columns] + [f"events_search_array({a})" for a in arrays]
    document = " || ' ' || ".join(parts)
    return models.GeneratedField(
        expression=models.expressions.RawSQL(f"to_tsvector('simple'::regconfig, events_search_fold({document}))", []),
        output_field=SearchVectorField(),
        db_persist=True,
        help_text="Full-text search document (generated).",
    )


def search_index(model_name: str) -> GinIndex:
    return GinIndex(fields=["search"], name=f"{model_name}_search_idx")


def search_query(text: str) -> SearchQuery:
    """A websearch query ("quoted phrases", or, -not) over folded text."""
    return SearchQuery(fold(text), search_type="websearch", config="simple")
