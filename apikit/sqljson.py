"""A serializer's representation built by PostgreSQL: the SQL expression of one row's JSON object.

``RowSQL(serializer).element(alias)`` walks the serializer's fields, in order, and gives a
``json_build_object`` with the same keys, nesting, orderings, nulls and formats as the serializer would give
for the row ``alias`` of its model's table:

- a stored field is its column (``""`` as null for the blank-as-null fields, decimals as text, timestamps as
  DRF writes them, arrays as JSON arrays);
- a brief reference (``RefField``), a nested serializer or a list of them is a subquery over the related
  table, through a foreign key, a reverse foreign key, a many-to-many table or a generic relation, ordered by
  the related model's ``Meta.ordering`` (as Django's prefetches are);
- a hyperlink is the API's URL of the record, from ``reverse`` and the root the statement is given
  (``(SELECT %s::text AS root) api``: the absolute URL of ``/`` without its slash);
- a field that is not stored (an annotation, a derived list) takes its SQL from the serializer's
  ``sql_fields``: ``{name: callable(builder, model, alias) -> SQL}`` (a class attribute, so it is inherited);
  a callable that builds an object or a list returns ``(SQL, shape)``.

Alongside the SQL, ``shape`` records the keys and their nesting, for the system check (apikit.checks).
Anything the walk cannot express raises ``Unsupported``, naming the field.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import connection, models
from django.urls import reverse
from rest_framework import serializers
from rest_framework.fields import ISO_8601
from rest_framework.settings import api_settings

from apikit.serializers import BlankAsNullMixin, fields_of, nested

Shape = dict[str, Any]  # key -> None (a value), a Shape (an object) or [Shape] (a list of objects)


@dataclass(frozen=True)
class Rows:
    """Related rows of one parent row: the target table's ``alias``, the tables to read (each with the condition
    that links it: to the parent for the first, to the one before for the others) and the target's fields that
    link back to the parent (left out of its ordering)."""

    alias: str
    tables: list[tuple[str, str]]
    skip: set[str]

    def subquery(self) -> str:
        """``FROM ... WHERE ...``, for a subquery per parent row."""
        (first, link), *others = self.tables
        joins = "".join(f" JOIN {table} ON {condition}" for table, condition in others)
        return f"FROM {first}{joins} WHERE {link}"

    def joins(self, kind: str = "JOIN") -> str:
        """The tables joined to the parent row's query."""
        return "".join(f" {kind} {table} ON {condition}" for table, condition in self.tables)


class Unsupported(Exception):
    """A field the SQL builder cannot express: declare its SQL in the serializer's ``sql_fields``."""


def obj(pairs: list[tuple[str, str]]) -> str:
    """``json_build_object`` of (key, SQL expression) pairs, in order."""
    return "json_build_object(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"


def timestamp(column: str) -> str:
    """As DRF's DateTimeField writes an aware datetime in UTC (ISO 8601, microseconds only when not zero, ``Z``).
    apikit.checks makes sure the settings it relies on (UTC, DRF's default format) hold."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    whole = f"mod(date_part('microseconds', {column})::bigint, 1000000) = 0"
    micro = f"CASE WHEN {whole} THEN '' ELSE to_char({utc}, '.US') END"
    return f"""(to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS') || {micro} || 'Z')"""


def column(alias: str, model_field: models.Field) -> str:
    return f'{alias}."{model_field.column}"'


class RowSQL:
    def __init__(self, serializer):
        self.serializer = serializer
        self._aliases = itertools.count(1)
        self.shape: Shape = {}

    def alias(self) -> str:
        return f"j{next(self._aliases)}"

    def element(self, alias: str) -> str:
        sql, self.shape = self.build(self.serializer, alias)
        return sql

    def build(self, serializer, alias: str) -> tuple[str, Shape]:
        meta = getattr(serializer, "Meta", None)
        model = getattr(meta, "model", None)
        overrides = getattr(serializer, "sql_fields", {})
        pairs, shape = [], {}
        for name, field in fields_of(serializer).items():
            if name in overrides:
                sql = overrides[name](self, model, alias)
                sql, sub = sql if isinstance(sql, tuple) else (sql, None)
            else:
                try:
                    sql, sub = self.field(model, field, alias)
                except Unsupported as error:
                    label = serializer.__name__ if isinstance(serializer, type) else type(serializer).__name__
                    raise Unsupported(f"{label}.{name}: {error}") from None
            pairs.append((name, sql))
            shape[name] = sub
        return obj(pairs), shape

    def field(self, model, field: serializers.Field, alias: str) -> tuple[str, Any]:
        child, many = nested(field)
        if child is not None:
            if model is None:
                raise Unsupported("a nested record of a serializer without a model")
            return self.related(model, field.source, child, alias, many=many)
        if isinstance(field, serializers.HyperlinkedIdentityField):
            return self.link(field.view_name, field.lookup_url_kwarg, self.key(model, field.lookup_field, alias)), None
        if isinstance(field, serializers.HyperlinkedRelatedField):
            relation = model._meta.get_field(field.source)
            if field.lookup_field != "pk" or not relation.many_to_one:
                raise Unsupported("a hyperlink other than to a foreign key's primary key")
            return self.link(field.view_name, field.lookup_url_kwarg, f"{column(alias, relation)}::text"), None
        if model is None:
            return f'{alias}."{field.source}"', None
        stored = {f.name: f for f in model._meta.concrete_fields if not f.is_relation}
        if field.source not in stored:
            raise Unsupported(f'"{field.field_name}" is not a stored value of {model.__name__}')
        return self.value(field, stored[field.source], alias), None

    def value(self, field: serializers.Field, model_field: models.Field, alias: str) -> str:
        sql = column(alias, model_field)
        if isinstance(field, BlankAsNullMixin):
            return f"nullif({sql}, '')"
        if isinstance(field, serializers.DecimalField):
            return f"{sql}::text"
        if isinstance(field, serializers.DateTimeField):
            return timestamp(sql)
        if isinstance(field, serializers.ListField):
            return f"to_json({sql})"
        return sql

    def key(self, model, lookup_field: str, alias: str) -> str:
        target = model._meta.pk if lookup_field == "pk" else model._meta.get_field(lookup_field)
        return f"{column(alias, target)}::text"

    def link(self, view_name: str, url_kwarg: str, key_sql: str) -> str:
        marker = "00000000-0000-0000-0000-00000000beef"  # matches any lookup pattern (slugs, UUIDs, codes)
        before, _, after = reverse(view_name, kwargs={url_kwarg: marker}).partition(marker)
        return f"(api.root || '{before}' || {key_sql} || '{after}')"

    def one_by_key(self, serializer, key_sql: str) -> tuple[str, Shape]:
        """The object of ``serializer`` for the row of its model whose primary key is ``key_sql``, or null."""
        model, inner = serializer.Meta.model, self.alias()
        element, shape = self.build(serializer, inner)
        pk = column(inner, model._meta.pk)
        return f"(SELECT {element} FROM {model._meta.db_table} {inner} WHERE {pk} = {key_sql})", shape

    def related(self, model, source: str, serializer, alias: str, *, many: bool) -> tuple[str, Any]:
        relation = model._meta.get_field(source)
        if relation.many_to_one:
            return self.one_by_key(serializer, column(alias, relation))
        if not many:
            raise Unsupported(f"a single object through {source}, which holds many")
        rows = self.rows_of(model, relation, serializer.Meta.model, alias)
        element, shape = self.build(serializer, rows.alias)
        order = self.ordering(serializer.Meta.model, rows.alias, rows.skip)
        aggregate = f"json_agg({element} ORDER BY {order})" if order else f"json_agg({element})"
        return f"(SELECT coalesce({aggregate}, '[]'::json) {rows.subquery()})", [shape]

    def rows_of(self, model, relation, target, alias: str) -> Rows:
        """The rows of ``target`` that ``relation`` (many of them) links to the row ``alias`` of ``model``."""
        inner = self.alias()
        table = f"{target._meta.db_table} {inner}"
        if isinstance(relation, GenericRelation):
            type_field = target._meta.get_field(relation.content_type_field_name)
            id_field = target._meta.get_field(relation.object_id_field_name)
            link = (
                f"{column(inner, type_field)} = {content_type_sql(model)} "
                f"AND {column(inner, id_field)} = {column(alias, model._meta.pk)}"
            )
            return Rows(inner, [(table, link)], {type_field.name, id_field.name})
        if relation.many_to_many and not relation.auto_created:
            through = f"{relation.remote_field.through._meta.db_table} {(link := self.alias())}"
            return Rows(
                inner,
                [
                    (through, f'{link}."{relation.m2m_column_name()}" = {column(alias, model._meta.pk)}'),
                    (table, f'{column(inner, target._meta.pk)} = {link}."{relation.m2m_reverse_name()}"'),
                ],
                set(),
            )
        if relation.one_to_many:
            foreign_key = relation.field
            link = f"{column(inner, foreign_key)} = {column(alias, foreign_key.target_field)}"
            return Rows(inner, [(table, link)], {foreign_key.name})
        raise Unsupported(f"the relation {relation.name}")

    def ordering(self, model, alias: str, skip: set[str]) -> str:
        """``Meta.ordering`` of ``model`` as SQL over ``alias``, leaving out the link to the parent row."""
        terms = []
        for term in model._meta.ordering:
            descending = term.startswith("-")
            path = term.lstrip("-").split("__")
            if path[0] in skip:
                continue
            terms.append(self.path(model, alias, path) + (" DESC" if descending else ""))
        return ", ".join(terms)

    def path(self, model, alias: str, path: list[str]) -> str:
        field = model._meta.pk if path[0] == "pk" else model._meta.get_field(path[0])
        if len(path) == 1:
            return column(alias, field)
        target = field.related_model
        inner = self.alias()
        value = self.path(target, inner, path[1:])
        return (
            f"(SELECT {value} FROM {target._meta.db_table} {inner} "
            f"WHERE {column(inner, field.target_field)} = {column(alias, field)})"
        )


def content_type_sql(model: type[models.Model]) -> str:
    """The id of ``model``'s content type (contrib.contenttypes), as SQL."""
    meta = model._meta
    return f"(SELECT id FROM django_content_type WHERE app_label = '{meta.app_label}' AND model = '{meta.model_name}')"


def page_sql(model: type[models.Model], element: str) -> str:
    """One statement for one page: the JSON text of an array of ``element`` (over the row ``r`` of the model's
    table) for an array of primary keys, in their order. Positional parameters: the API's root, the ids."""
    pk = column("r", model._meta.pk)
    return (
        f"SELECT coalesce(json_agg({element} ORDER BY page.n), '[]'::json)::text "
        "FROM (SELECT %s::text AS root) api "
        f"CROSS JOIN LATERAL unnest(%s::{model._meta.pk.rel_db_type(connection)}[]) WITH ORDINALITY AS page(id, n) "
        f"JOIN {model._meta.db_table} r ON {pk} = page.id"
    )


def settings_problems() -> list[str]:
    """The settings the SQL formats rely on: UTC timestamps written in DRF's ISO 8601 form, decimals as text."""
    problems = []
    if settings.TIME_ZONE != "UTC" or not settings.USE_TZ:
        problems.append("TIME_ZONE must be UTC with USE_TZ on (timestamps are written in UTC)")
    if api_settings.DATETIME_FORMAT != ISO_8601:
        problems.append("REST_FRAMEWORK DATETIME_FORMAT must be ISO 8601")
    if not api_settings.COERCE_DECIMAL_TO_STRING:
        problems.append("REST_FRAMEWORK COERCE_DECIMAL_TO_STRING must be on (decimals are written as text)")
    return problems
