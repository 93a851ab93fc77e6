"""Factories for generic resource tests: records built in the test, not names of seed records.

Countries and sectors are reference data (loaded from pycountry and the sector fixture), so factories pick
existing rows for them rather than inventing codes."""

import datetime

import factory
from django.contrib.contenttypes.models import ContentType

from events.choices import AgreementKind, EventKind, ParticipantRole, PartyActionKind, SourceKind
from events.models import (
    Actor,
    Agreement,
    AgreementParty,
    Citation,
    Deletion,
    Event,
    EventParticipant,
    Official,
    PartyAction,
    Position,
    Sector,
    Source,
    Stop,
    Trip,
)


def country(iso3: str) -> Actor:
    return Actor.objects.get(iso3=iso3)


def actor(code: str) -> Actor:
    return Actor.objects.get(code=code)


def sector(slug: str) -> Sector:
    return Sector.objects.get(slug=slug)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Factory report {n}")
    kind = SourceKind.NEWS_REPORT
    publisher = "Factory Wire"
    url = factory.Sequence(lambda n: f"https://example.org/reports/{n}")
    published = datetime.date(2024, 3, 1)
    language = "en"


class CitationFactory(factory.django.DjangoModelFactory):
    """A citation of a source known by reference (no stored text), with a note."""

    class Meta:
        model = Citation

    source = factory.SubFactory(SourceFactory)
    note = "Stated in the report."

    @classmethod
    def _create(cls, model_class, *args, record=None, **kwargs):
        kwargs["content_type"] = ContentType.objects.get_for_model(record)
        kwargs["object_id"] = record.pk
        return super()._create(model_class, *args, **kwargs)


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    name = factory.Sequence(lambda n: f"Factory Official {n}")
    slug = factory.Sequence(lambda n: f"factory-official-{n}")


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    official = factory.SubFactory(OfficialFactory)
    title = "Minister of Foreign Affairs"
    country = factory.LazyFunction(lambda: country("IRN"))
    start = "2021-08"


class TripFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trip

    title = factory.Sequence(lambda n: f"Factory trip {n}")
    lead = factory.SubFactory(OfficialFactory)
    origin = factory.LazyFunction(lambda: country("IRN"))


class StopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stop

    trip = factory.SubFactory(TripFactory)
    order = factory.Sequence(lambda n: n + 1)
    country = factory.LazyFunction(lambda: country("VEN"))


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    title = factory.Sequence(lambda n: f"Factory agreement {n}")
    kind = AgreementKind.MEMORANDUM


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementParty

    agreement = factory.SubFactory(AgreementFactory)
    country = factory.LazyFunction(lambda: country("IRN"))


class PartyActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyAction

    party = factory.SubFactory(PartyFactory)
    action = PartyActionKind.SIGNED


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    kind = EventKind.MEETING
    title = factory.Sequence(lambda n: f"Factory meeting {n}")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventParticipant

    event = factory.SubFactory(EventFactory)
    role = ParticipantRole.HOST


class DeletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deletion

    resource = "agreements"
    record_id = factory.Sequence(lambda n: f"00000000-0000-4000-8000-{n:012d}")
