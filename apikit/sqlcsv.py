"""A CSV export's cells computed by PostgreSQL: the SQL of each column (apikit.csv) over one row.

``CellSQL(serializer).cells(columns, alias)`` gives one text expression per column with the value that
``apikit.csv.cell`` gives for the same column of the row's representation: a list joined with ``;`` (its nulls
left out), null as empty, booleans as ``true``/``false``, and text that a spreadsheet would run as a formula
(starting with ``= + - @``, a tab or a carriage return) escaped with a leading ``'``. Each value is read from its
column, or from a subquery over the related rows in the order the representation lists them, without building
the representation: the export reads what its columns show and nothing else.

``export_sql`` wraps them into the statement that streams an export: one CSV line per row (quoted as Python's
``csv`` module quotes: a cell holding ``"``, ``,``, CR or LF), in the order of the filtered queryset;
``cells_sql`` into the SELECT of its cells alone, for ``COPY (...) TO STDOUT WITH CSV`` (bench/run.py measures
the export against it).
"""

from __future__ import annotations

import functools

from django.db import connection, models
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from rest_framework import serializers

from apikit.csv import FORMULA_START, Column, columns
from apikit.serializers import fields_of, nested
from apikit.sqljson import RowSQL, Unsupported, column

TEXT_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.DecimalField)
UNFORMULAIC_FIELDS = (models.UUIDField, models.DateTimeField, models.DateField)  # never start like a formula
_FORMULA = ", ".join({"\t": "chr(9)", "\r": "chr(13)"}.get(start, f"'{start}'") for start in FORMULA_START)


def escaped(text: str) -> str:
    """``text`` (a cheap expression: it is read twice) escaped as a spreadsheet formula would need."""
    return f"CASE WHEN left({text}, 1) IN ({_FORMULA}) THEN '''' || {text} ELSE {text} END"


def quoted(cell: str) -> str:
    """A cell as Python's ``csv`` writes it (QUOTE_MINIMAL): quoted when it holds a quote, comma, CR or LF."""
    return f"""CASE WHEN {cell} ~ '[",\\r\\n]' THEN '"' || replace({cell}, '"', '""') || '"' ELSE {cell} END"""


def json_scalar(value: str) -> str:
    """The cell of a JSON scalar (null for null)."""
    text = escaped(f"({value} #>> '{{}}')")
    other = escaped(f"({value})::text")
    return f"CASE json_typeof({value}) WHEN 'null' THEN NULL WHEN 'string' THEN {text} ELSE {other} END"


class CellSQL(RowSQL):
    def cells(self, export_columns: list[Column], alias: str) -> list[str]:
        """Each column's cell for the row ``alias`` of the serializer's model: text, never null."""
        result = []
        for export_column in export_columns:
            try:
                if export_column.unique:
                    sql = self.unique(self.serializer, alias, export_column.path)
                else:
                    sql = self.cell(self.serializer, alias, export_column.path)
            except Unsupported as error:
                raise Unsupported(f'CSV column "{export_column.header}": {error}') from None
            result.append(f"coalesce({sql}, '')")
        return result

    # -- one value, or a list joined with ";" ----------------------------------------------------------------

    def cell(self, serializer, alias: str, keys: list[str]) -> str:
        """The cell of the value at ``keys`` in the representation of the row ``alias``: null where the value is
        null (a list's nulls are left out of it; ``string_agg`` skips them)."""
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        name, rest = keys[0].removesuffix("[]"), keys[1:]
        field = fields_of(serializer)[name]
        overrides = getattr(serializer, "sql_fields", {})
        if name in overrides:
            sql = overrides[name](self, model, alias)
            return self.json_cell(sql[0] if isinstance(sql, tuple) else sql, rest)
        child, many = nested(field)
        if child is not None:
            if model is None:
                raise Unsupported("a nested record of a serializer without a model")
            relation = model._meta.get_field(field.source)
            target = child.Meta.model
            if relation.many_to_one:
                return self.one(child, target, column(alias, relation), rest)
            if not many:
                raise Unsupported(f"a single object through {name}, which holds many")
            rows = self.rows_of(model, relation, target, alias)
            item = self.cell(child, rows.alias, rest)
            order = self.ordering(target, rows.alias, rows.skip)
            aggregate = f"string_agg({item}, ';' ORDER BY {order})" if order else f"string_agg({item}, ';')"
            # an item's cell is escaped, so the list's (its first item's) needs no escaping of its own
            return f"(SELECT coalesce({aggregate}, '') {rows.subquery()})"
        if rest:
            raise Unsupported(f'"{name}" is a value, not an object')
        if isinstance(field, serializers.HyperlinkedIdentityField):  # an absolute URL: never formula-like
            return self.link(field.view_name, field.lookup_url_kwarg, self.key(model, field.lookup_field, alias))
        if isinstance(field, serializers.HyperlinkedRelatedField):
            return self.json_cell(self.field(model, field, alias)[0], [])
        if model is None:
            raise Unsupported(f'"{name}" of a serializer without a model')
        stored = {f.name: f for f in model._meta.concrete_fields if not f.is_relation}
        if field.source not in stored:
            raise Unsupported(f'"{name}" is not a stored value of {model.__name__}')
        model_field = stored[field.source]
        value = self.value(field, model_field, alias)
        if isinstance(model_field, models.BooleanField):
            return f"CASE WHEN {value} THEN 'true' WHEN NOT {value} THEN 'false' END"
        if isinstance(field, serializers.ListField):
            return self.json_cell(value, [])
        if isinstance(model_field, UNFORMULAIC_FIELDS):
            return f"({value})::text"
        if isinstance(model_field, TEXT_FIELDS):
            return escaped(f"({value})::text")
        return self.json_cell(value, [])

    def one(self, serializer, model, key_sql: str, rest: list[str]) -> str:
        """The cell at ``rest`` in the record of ``model`` whose primary key is ``key_sql`` (null if none)."""
        resource = getattr(serializer, "resource", None)
        if resource is not None and rest == [resource.key_name()]:
            key_field = fields_of(serializer)[rest[0]]
            if key_field.source in ("pk", model._meta.pk.name) and not getattr(serializer, "sql_fields", {}):
                return f"({key_sql})::text"  # the reference's key is the foreign key itself (an id)
        inner = self.alias()
        cell = self.cell(serializer, inner, rest)
        return f"(SELECT {cell} FROM {model._meta.db_table} {inner} WHERE {column(inner, model._meta.pk)} = {key_sql})"

    def json_cell(self, sql: str, rest: list[str]) -> str:
        """The cell of an SQL expression of any type (a JSON value, text, a date...), read once."""
        path = "".join(f"->'{key.removesuffix('[]')}'" for key in rest)
        if any(key.endswith("[]") for key in rest):
            raise Unsupported("a list inside a value computed in SQL")
        items = (
            f"(SELECT coalesce(string_agg({json_scalar('e')}, ';' ORDER BY n), '') "
            "FROM json_array_elements(j) WITH ORDINALITY AS a(e, n))"
        )
        return (
            f"(SELECT CASE json_typeof(j) WHEN 'array' THEN {items} ELSE {json_scalar('j')} END "
            f"FROM (SELECT to_json({sql}){path} AS j OFFSET 0) value)"
        )

    # -- a list of lists, flattened, each value once ------------------------------------------------------------

    def unique(self, serializer, alias: str, keys: list[str]) -> str:
        """Every value at ``keys``, lists flattened one level, each once, in the order first seen."""
        joins, orders, cell = self.flatten(serializer, alias, keys, lists=0)
        ordering = ", ".join(orders)
        rows = f"SELECT {cell} AS c, row_number() OVER (ORDER BY {ordering}) AS n FROM (SELECT 1) parent{joins}"
        return (
            f"(SELECT coalesce(string_agg(c, ';' ORDER BY first), '') FROM "
            f"(SELECT c, min(n) AS first FROM ({rows}) flat GROUP BY c) distinct_cells)"
        )

    def flatten(self, serializer, alias: str, keys: list[str], lists: int) -> tuple[str, list[str], str]:
        """Joins to the rows at ``keys``, their ordering terms, and the cell of each."""
        model = serializer.Meta.model
        name, rest = keys[0].removesuffix("[]"), keys[1:]
        field = fields_of(serializer)[name]
        child = nested(field)[0]
        if child is None or name in getattr(serializer, "sql_fields", {}):
            if not lists:
                raise Unsupported("unique values of a path through no list")
            cell = self.cell(serializer, alias, keys)
            return "", [], cell
        relation = model._meta.get_field(field.source)
        target = child.Meta.model
        if relation.many_to_one:
            inner = self.alias()
            join = (
                f" LEFT JOIN {target._meta.db_table} {inner} ON "
                f"{column(inner, target._meta.pk)} = {column(alias, relation)}"
            )
            joins, orders, cell = self.flatten(child, inner, rest, lists)
            return join + joins, orders, cell
        if lists == 2:
            raise Unsupported("more than two lists in one path")
        rows = self.rows_of(model, relation, target, alias)
        joins, orders, cell = self.flatten(child, rows.alias, rest, lists + 1)
        own = self.ordering(target, rows.alias, rows.skip) or column(rows.alias, target._meta.pk)
        return rows.joins() + joins, [own, *orders], cell


@functools.cache
def cells_of(serializer_class) -> tuple[str, ...]:
    """The cells of the export of ``serializer_class`` over the row ``r``, compiled once (it takes 0.1-0.4 s:
    DRF builds every nested serializer's fields)."""
    return tuple(CellSQL(serializer_class).cells(columns(serializer_class), "r"))


def row_numbers(queryset: models.QuerySet) -> tuple[str, list]:
    """SQL of the queryset's primary keys (``id``) numbered in its order (``n``), and its parameters."""
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    terms = [
        term if hasattr(term, "resolve_expression") else (F(term[1:]).desc() if term.startswith("-") else F(term).asc())
        for term in ordering
    ]
    numbered = queryset.order_by().annotate(_n=Window(RowNumber(), order_by=terms)).values_list("pk", "_n")
    sql, params = numbered.query.get_compiler(connection=connection).as_sql()
    return f"SELECT * FROM ({sql}) numbered(id, n)", list(params)


def cells_sql(serializer_class, queryset: models.QuerySet, root: str) -> tuple[str, list]:
    """The SELECT of the export's cells (one column each) for the rows of ``queryset``, in its order; ``root``
    is the API's root (the absolute URL of ``/`` without its slash)."""
    model = serializer_class.Meta.model
    cells = cells_of(serializer_class)
    ids, params = row_numbers(queryset)
    select = ", ".join(f"{cell} AS c{index}" for index, cell in enumerate(cells))
    sql = (
        f"SELECT {select} FROM (SELECT %s::text AS root) api CROSS JOIN ({ids}) page "
        f"JOIN {model._meta.db_table} r ON {column('r', model._meta.pk)} = page.id ORDER BY page.n"
    )
    return sql, [root, *params]


def export_sql(serializer_class, queryset: models.QuerySet, root: str) -> tuple[str, list]:
    """One CSV line (with its CRLF) per row of ``queryset``, in its order."""
    sql, params = cells_sql(serializer_class, queryset, root)
    count = len(columns(serializer_class))
    line = " || ',' || ".join(quoted(f"cells.c{index}") for index in range(count))
    return f"SELECT {line} || chr(13) || chr(10) FROM ({sql} OFFSET 0) cells", params
