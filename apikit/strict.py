"""JSON types as the schema states them: DRF coerces ("5" to 5, 5 to "5", true to "True"); the API does not, so
that data the schema forbids is rejected rather than guessed at (schemathesis' negative_data_rejection)."""

import uuid

from django.contrib.postgres import fields as postgres_fields
from django.db import models
from rest_framework import serializers


def _reject(field: serializers.Field, data, *types: type) -> None:
    if (isinstance(data, bool) and bool not in types) or not isinstance(data, types):
        raise serializers.ValidationError(f"Expected a {field.json_type}, got {type(data).__name__}.", code="invalid")


class StrictCharField(serializers.CharField):
    json_type = "string"

    def __init__(self, **kwargs):
        # Text is kept as sent (an excerpt must stay verbatim), and maxLength counts what was sent, as the schema
        # says: DRF would strip surrounding whitespace first.
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        _reject(self, data, str)
        return super().to_internal_value(data)


class StrictSlugField(serializers.SlugField):
    json_type = "string"

    def to_internal_value(self, data):
        _reject(self, data, str)
        return super().to_internal_value(data)


class StrictURLField(serializers.URLField):
    json_type = "string"

    def to_internal_value(self, data):
        _reject(self, data, str)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    json_type = "whole number"

    def to_internal_value(self, data):
        _reject(self, data, int)
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    json_type = "decimal number as a string"

    def to_internal_value(self, data):
        _reject(self, data, str)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    json_type = "boolean"

    def to_internal_value(self, data):
        _reject(self, data, bool)
        return data


class StrictUUIDField(serializers.UUIDField):
    json_type = "UUID string"

    def to_internal_value(self, data):
        _reject(self, data, str, uuid.UUID)
        return super().to_internal_value(data)


# A ModelSerializer whose fields take exactly the JSON types the schema states. (A comment, not a docstring:
# drf-spectacular would show a docstring as the description of every serializer built on it.)
class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.URLField: StrictURLField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.DecimalField: StrictDecimalField,
        models.BooleanField: StrictBooleanField,
        models.UUIDField: StrictUUIDField,
        postgres_fields.ArrayField: serializers.ListField,
    }
