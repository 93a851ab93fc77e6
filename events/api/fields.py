"""Related objects written by their public key and read back as a small nested object."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Agreement, Country, Official, Sector, Source, Stop, Trip


class CountryRef(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="country-detail", lookup_field="iso3")

    class Meta:
        model = Country
        fields = ["iso3", "name", "url"]


class OfficialRef(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="official-detail", lookup_field="slug")

    class Meta:
        model = Official
        fields = ["slug", "name", "url"]


class SectorRef(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="sector-detail", lookup_field="slug")

    class Meta:
        model = Sector
        fields = ["slug", "name", "url"]


class SourceRef(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="source-detail")
    document_url = serializers.SerializerMethodField(help_text="Where the document can be read, when known.")

    class Meta:
        model = Source
        fields = ["id", "title", "publisher", "document_url", "url"]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_document_url(self, source) -> str | None:
        return source.url or None


class TripRef(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="trip-detail")

    class Meta:
        model = Trip
        fields = ["id", "title", "url"]


class AgreementRef(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="agreement-detail")

    class Meta:
        model = Agreement
        fields = ["id", "title", "quantity", "url"]


class StopRef(serializers.ModelSerializer):
    trip = serializers.HyperlinkedRelatedField(view_name="trip-detail", read_only=True)
    country = CountryRef(read_only=True)

    class Meta:
        model = Stop
        fields = ["id", "order", "country", "city", "trip"]


class RefField(serializers.RelatedField):
    """Written as the related record's public key (``key``), read back with ``ref`` (a small serializer)."""

    key = "pk"
    ref: type[serializers.Serializer]
    default_error_messages = {
        "does_not_exist": 'No {name} with {lookup} "{value}".',
        "invalid": "Expected a {lookup} (a string).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", self.ref.Meta.model.objects.all())
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return value

    def run_validation(self, data=serializers.empty):
        # DRF turns "" into null for relations; the schema allows null but not "", so "" is refused.
        if data == "":
            lookup = "id" if self.key == "pk" else self.key
            self.fail("invalid", lookup=lookup)
        return super().run_validation(data)

    def to_internal_value(self, data):
        name = self.ref.Meta.model._meta.verbose_name
        lookup = "id" if self.key == "pk" else self.key
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid", lookup=lookup)
        try:
            return self.get_queryset().get(**{self.key: self.normalise(data)})
        except (self.ref.Meta.model.DoesNotExist, ValueError, TypeError, serializers.DjangoValidationError):
            self.fail("does_not_exist", name=name, lookup=lookup, value=data)

    def to_representation(self, value):
        return self.ref(value, context=self.context).data

    def use_pk_only_optimization(self):
        return False


class CountryField(RefField):
    key = "iso3"
    ref = CountryRef

    def normalise(self, value: str) -> str:
        return value.upper()


class OfficialField(RefField):
    key = "slug"
    ref = OfficialRef


class SectorField(RefField):
    key = "slug"
    ref = SectorRef


class AgreementField(RefField):
    ref = AgreementRef


class TripField(RefField):
    ref = TripRef


class StopField(RefField):
    ref = StopRef


class RefFieldExtension(OpenApiSerializerFieldExtension):
    """In the schema, a reference is its key (a string) in requests and the small object in responses."""

    target_class = RefField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            schema = build_basic_type(OpenApiTypes.UUID if self.target.key == "pk" else OpenApiTypes.STR)
            schema["description"] = f"The {self.target.ref.Meta.model._meta.verbose_name}'s " + (
                "id" if self.target.key == "pk" else self.target.key
            )
            return schema
        return auto_schema.resolve_serializer(self.target.ref, direction).ref
