"""Resource serializers: one per model, declaring its full form, its brief form and its public key.

``ResourceSerializer.Meta`` holds, beside DRF's ``model`` and ``fields``:

- ``key``: the public key a reference to a record is written with (``"pk"``, ``"slug"``, ``"iso3"``...);
- ``brief_fields``: the short form embedded in other records (NetBox's ``brief_fields``), a schema component
  named ``<Model>Ref``; ``brief_extra`` gives fields that only the brief form has, or shows differently;
- ``csv_fields`` or ``csv_exclude``: the CSV columns (apikit.csv).

The SQL of fields that are not a stored column is the class attribute ``sql_fields`` (apikit.sqljson).

A related record is written by its key and read back in its brief form with ``RefField(SomeSerializer)``.
What a representation needs from the database (``select_related``/``prefetch_related``) is derived from the
fields by ``prefetch_plan``.
"""

from __future__ import annotations

import copy
import functools

from django.db import models
from django.db.models import Prefetch
from django.urls import get_resolver
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField

from apikit.strict import StrictCharField, StrictModelSerializer, StrictURLField

_registry: dict[str, type[ResourceSerializer]] = {}


class BlankAsNullMixin:
    """Stored as "" when unknown, shown (and accepted) as null."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(*args, **kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class NullableTextField(BlankAsNullMixin, StrictCharField):
    """Text stored as "" when unknown, shown as null."""


class NullableChoiceField(BlankAsNullMixin, serializers.ChoiceField):
    """A choice stored as "" when unknown, shown as null."""


class NullableURLField(BlankAsNullMixin, StrictURLField):
    """A URL that may be unknown: null, never an empty string."""


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class ReadOnlyNullableURLField(NullableURLField):
    """A URL that may be unknown, in a read-only (brief) form."""


# The brief form of a resource (a read-only reference). A comment, not a docstring: drf-spectacular would show
# a docstring as the description of every brief component.
class BriefSerializer(serializers.ModelSerializer):
    pass


class ResourceSerializer(StrictModelSerializer):
    class Meta:
        key = "pk"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _registry[cls.__name__] = cls

    @classmethod
    def key_name(cls) -> str:
        """The name of the key in the representation (``id`` for the primary key)."""
        key = getattr(cls.Meta, "key", "pk")
        return cls.Meta.model._meta.pk.name if key == "pk" else key

    @classmethod
    def normalise_key(cls, value: str) -> str:
        return value

    @classmethod
    def brief(cls) -> type[BriefSerializer]:
        """The brief form: a serializer named ``<Model>Ref`` with ``Meta.brief_fields``. Declared links and
        blank-as-null fields carry over (references become read-only brief forms), others are built from the model
        as DRF builds them."""
        if "_brief" not in cls.__dict__:
            extra = getattr(cls.Meta, "brief_extra", {})
            declared = {}
            for name in cls.Meta.brief_fields:
                if name in extra:
                    declared[name] = copy.deepcopy(extra[name])
                elif isinstance(cls._declared_fields.get(name), RefField):
                    declared[name] = cls._declared_fields[name].serializer.brief()(read_only=True)
                elif isinstance(
                    cls._declared_fields.get(name), serializers.HyperlinkedIdentityField | BlankAsNullMixin
                ):
                    declared[name] = copy.deepcopy(cls._declared_fields[name])
            meta = type("Meta", (), {"model": cls.Meta.model, "fields": list(cls.Meta.brief_fields)})
            name = f"{cls.Meta.model.__name__}Ref"
            cls._brief = type(name, (BriefSerializer,), {**declared, "Meta": meta, "__module__": cls.__module__})
            cls._brief.resource = cls
        return cls._brief


def resource(name_or_class: str | type[ResourceSerializer]) -> type[ResourceSerializer]:
    """A serializer by class name: the resources register as their modules load, which the URLconf does."""
    if not isinstance(name_or_class, str):
        return name_or_class
    if name_or_class not in _registry:
        get_resolver().url_patterns  # noqa: B018 (loads every resource module)
    return _registry[name_or_class]


class RefField(serializers.RelatedField):
    """A related record: written as its public key (``Meta.key`` of its serializer), read back in its brief form.
    ``RefField("AgreementSerializer")`` names a serializer not yet defined (a record referring to its own kind)."""

    default_error_messages = {
        "does_not_exist": 'No {name} with {lookup} "{value}".',
        "invalid": "Expected a {lookup} (a string).",
    }

    def __init__(self, serializer: str | type[ResourceSerializer], **kwargs):
        self._serializer = serializer
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        # A read-only list is described as a whole: its items are plain references (as a nested serializer's are).
        dropped = ("read_only", "help_text") if kwargs.get("read_only") else ()
        child_kwargs = {key: value for key, value in kwargs.items() if key not in dropped}
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return ManyRelatedField(child_relation=cls(*args, **child_kwargs), **list_kwargs)

    @property
    def serializer(self) -> type[ResourceSerializer]:
        return resource(self._serializer)

    @property
    def lookup(self) -> str:
        return getattr(self.serializer.Meta, "key", "pk")

    @property
    def lookup_label(self) -> str:
        return "id" if self.lookup == "pk" else self.lookup

    def get_queryset(self):
        return self.serializer.Meta.model._default_manager.all()

    def run_validation(self, data=serializers.empty):
        # DRF turns "" into null for relations; the schema allows null but not "", so "" is refused.
        if data == "":
            self.fail("invalid", lookup=self.lookup_label)
        return super().run_validation(data)

    def to_internal_value(self, data):
        model = self.serializer.Meta.model
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid", lookup=self.lookup_label)
        try:
            return self.get_queryset().get(**{self.lookup: self.serializer.normalise_key(data)})
        except (model.DoesNotExist, ValueError, TypeError, serializers.DjangoValidationError):
            self.fail("does_not_exist", name=model._meta.verbose_name, lookup=self.lookup_label, value=data)

    def to_representation(self, value):
        return self.serializer.brief()(value, context=self.context).data

    def use_pk_only_optimization(self):
        return False


class RefFieldExtension(OpenApiSerializerFieldExtension):
    """In the schema, a reference is its key (a string) in requests and the brief component in responses."""

    target_class = RefField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            schema = build_basic_type(OpenApiTypes.UUID if self.target.lookup == "pk" else OpenApiTypes.STR)
            schema["description"] = f"The {self.target.serializer.Meta.model._meta.verbose_name}'s " + (
                self.target.lookup_label
            )
            return schema
        return auto_schema.resolve_serializer(self.target.serializer.brief(), direction).ref


# -- what a representation reads: fields that stand for related rows -------------------------------------


def nested(field: serializers.Field) -> tuple[type[serializers.Serializer] | serializers.Serializer | None, bool]:
    """The serializer that represents a field's related row(s) and whether there are many, or (None, False)."""
    if isinstance(field, ManyRelatedField) and isinstance(field.child_relation, RefField):
        return field.child_relation.serializer.brief(), True
    if isinstance(field, RefField):
        return field.serializer.brief(), False
    if isinstance(field, serializers.ListSerializer):
        return field.child, True
    if isinstance(field, serializers.Serializer):
        return field, False
    return None, False


def fields_of(serializer) -> dict[str, serializers.Field]:
    instance = serializer if isinstance(serializer, serializers.BaseSerializer) else serializer()
    return dict(instance.fields)


@functools.cache
def prefetch_plan(serializer) -> tuple[list[str], list[tuple[str, type[models.Model], tuple]]]:
    """What ``serializer`` shows of related rows: ``select_related`` paths, and for each relation that holds
    many rows, its path, model and own plan (NetBox derives its prefetches from the serializer the same way).
    Each many-valued relation then costs one query, with the single rows it shows joined in."""
    model = _model_of(serializer)
    select: list[str] = []
    many_rows: list[tuple[str, type[models.Model], tuple]] = []
    for field in fields_of(serializer).values():
        child, many = nested(field)
        if child is None or model is None or field.source == "*":
            continue
        relation = model._meta.get_field(field.source)
        child_select, child_many = prefetch_plan(child if isinstance(child, type) else type(child))
        if many:
            many_rows.append((field.source, _model_of(child), (child_select, child_many)))
        elif relation.many_to_one or relation.one_to_one:
            select += [field.source, *(f"{field.source}__{path}" for path in child_select)]
            many_rows += [(f"{field.source}__{path}", rows, plan) for path, rows, plan in child_many]
    return select, many_rows


def with_prefetches(queryset: models.QuerySet, serializer_class) -> models.QuerySet:
    """``queryset`` with the joins and prefetches ``serializer_class`` needs (its plan is made once)."""
    select, many_rows = prefetch_plan(serializer_class)
    return queryset.select_related(*select).prefetch_related(*_prefetches(many_rows))


def _prefetches(many_rows) -> list[Prefetch]:
    return [
        Prefetch(path, queryset=rows._default_manager.select_related(*select).prefetch_related(*_prefetches(nested)))
        for path, rows, (select, nested) in many_rows
    ]


def _model_of(serializer) -> type[models.Model] | None:
    meta = getattr(serializer, "Meta", None)
    return getattr(meta, "model", None)
