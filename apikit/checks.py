"""A system check that holds each resource's representations to each other (``manage.py check``, runserver).

For every viewset of the URLconf built on apikit.viewsets, it compares the key names, their order and their
nesting of

- the serializer (what a detail shows),
- the SQL row builder (what a list shows: apikit.sqljson, including the hand-written ``sql_fields``),
- the response component of the OpenAPI schema (what generated clients are built from),

and checks that every CSV column names a path through the serializer. Any difference is an error, so the
project does not start with one. No database is needed.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver

from apikit import csv, sqljson
from apikit.serializers import fields_of, nested

Shape = dict[str, Any]


def serializer_shape(serializer) -> Shape:
    shape: Shape = {}
    for name, field in fields_of(serializer).items():
        child, many = nested(field)
        if child is None:
            shape[name] = None
        else:
            shape[name] = [serializer_shape(child)] if many else serializer_shape(child)
    return shape


def schema_shape(component: dict, components: dict) -> Shape:
    def resolve(schema: dict):
        if "$ref" in schema:
            target = components[schema["$ref"].rsplit("/", 1)[-1]]
            return schema_shape(target, components) if target.get("type") == "object" else None  # enums: values
        if schema.get("allOf") and len(schema["allOf"]) == 1:
            return resolve(schema["allOf"][0])
        if schema.get("type") == "array":
            item = resolve(schema.get("items", {}))
            return [item] if item is not None else None
        return None

    return {name: resolve(schema) for name, schema in component.get("properties", {}).items()}


def differences(expected: Shape, actual: Shape, path: str = "") -> list[str]:
    """Where two shapes differ: keys missing, extra or out of order, and nesting."""
    found = []
    if list(expected) != list(actual):
        found.append(f"{path or 'top level'}: keys {list(actual)} instead of {list(expected)}")
    for key in expected.keys() & actual.keys():
        a, b = expected[key], actual[key]
        where = f"{path}.{key}" if path else key
        if isinstance(a, list) and isinstance(b, list):
            found += differences(a[0], b[0], where + "[]")
        elif isinstance(a, dict) and isinstance(b, dict):
            found += differences(a, b, where)
        elif type(a) is not type(b):
            kind = {type(None): "a value", dict: "an object", list: "a list of objects"}
            found.append(f"{where}: {kind[type(b)]} instead of {kind[type(a)]}")
    return found


def resource_viewsets(patterns=None) -> list[type]:
    """The viewsets of the URLconf that build their rows with apikit (each once, in URL order)."""
    from apikit.viewsets import ResourceViewSet

    found: list[type] = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            found += [cls for cls in resource_viewsets(pattern.url_patterns) if cls not in found]
        elif isinstance(pattern, URLPattern):
            cls = getattr(pattern.callback, "cls", None)
            if cls is not None and issubclass(cls, ResourceViewSet) and cls not in found:
                found.append(cls)
    return found


def response_components() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def check_resource(serializer_class, components: dict) -> list[str]:
    """What differs between the representations of one serializer (an empty list when they agree)."""
    name = serializer_class.__name__
    problems = []
    declared = serializer_shape(serializer_class)
    builder = sqljson.RowSQL(serializer_class)
    try:
        builder.element("r")
    except sqljson.Unsupported as error:
        problems.append(f"{name}: the SQL row builder cannot express {error}")
    else:
        problems += [f"{name}: SQL row: {d}" for d in differences(declared, builder.shape)]
    component = components.get(name.removesuffix("Serializer"))
    if component is None:
        problems.append(f"{name}: no response component {name.removesuffix('Serializer')} in the schema")
    else:
        problems += [f"{name}: schema: {d}" for d in differences(declared, schema_shape(component, components))]
    try:
        csv.declared_columns(serializer_class)
    except csv.ColumnError as error:
        problems.append(f"{name}: CSV column {error}")
    return problems


def check_all(serializer_classes: list, components: dict | None = None) -> list[checks.CheckMessage]:
    components = response_components() if components is None else components
    errors = [checks.Error(problem, id="apikit.E002") for problem in sqljson.settings_problems()]
    for serializer_class in serializer_classes:
        errors += [
            checks.Error(
                problem,
                hint="Declare the field once, in the serializer; see docs/architecture.md.",
                obj=serializer_class,
                id="apikit.E001",
            )
            for problem in check_resource(serializer_class, components)
        ]
    return errors


@checks.register("apikit")
def representations_agree(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    viewsets = resource_viewsets()
    return check_all(
        [viewset.serializer_class for viewset in viewsets]
        + [extra for viewset in viewsets for extra in getattr(viewset, "extra_serializers", ())]
    )
