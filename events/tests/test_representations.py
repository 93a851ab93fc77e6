"""Every resource's two representations agree byte for byte: the SQL row that lists are built from
(apikit.sqljson) and the serializer that details and writes answer with. Records built by factories, with
the edge cases: unknown dates, empty lists, decimals, unnamed signatories, breakdowns, disputed values,
timestamps on a whole second and with microseconds."""

import datetime
from decimal import Decimal

import orjson
import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from apikit import sqljson
from apikit.checks import resource_viewsets
from apikit.db import prepared
from events.api.relations import RelationSerializer, relations_json
from events.tests import factories as f

pytestmark = pytest.mark.django_db
ROOT = "http://testserver"


def both_ways(viewset, record) -> tuple[bytes, bytes]:
    """(SQL row, serializer representation) of ``record``, each as canonical JSON bytes."""
    serializer_class = viewset.serializer_class
    model = serializer_class.Meta.model
    sql = sqljson.page_sql(model, sqljson.RowSQL(serializer_class).element("r"))
    row = orjson.loads(prepared(sql, [ROOT, [record.pk]])[0])[0]
    view = viewset()
    view.request, view.format_kwarg, view.kwargs, view.action = APIRequestFactory().get("/"), None, {}, "retrieve"
    fresh = view.get_queryset().get(pk=record.pk)  # with the annotations and prefetches a GET uses
    data = serializer_class(fresh, context={"request": view.request}).data
    return orjson.dumps(row), orjson.dumps(orjson.loads(JSONRenderer().render(data)))


def edge_records() -> dict:
    """One record or more of every resource, covering the values that are easy to get wrong in SQL."""
    lead = f.OfficialFactory(alternative_names=["Alt Name", "Ãccénted"], wikidata_qid="Q123")
    f.PositionFactory(official=lead, start="2021-08-03", end="2024", end_cause="resigned")
    f.PositionFactory(official=lead, country=f.country("VEN"), start="", end="")  # unknown dates
    bare = f.OfficialFactory()  # no positions, no citations
    trip = f.TripFactory(lead=lead, start="2023-06-12/2023-06-16", purpose="Talks")
    trip.members.add(bare)
    trip.invited_by.add(f.country("CUB"), f.country("VEN"))
    stop = f.StopFactory(trip=trip, order=1, city="Caracas", arrival="2023-06-12", departure="2023-06-13")
    f.StopFactory(trip=trip, order=2, country=f.country("CUB"))
    spanless = f.TripFactory(lead=bare)  # no dates, no stops: null span
    total = f.AgreementFactory(
        quantity=3, value_amount=Decimal("1234.50"), value_currency="USD", term_years=20, signed="2023-06"
    )
    total.sectors.add(f.sector("mining"), f.sector("energy"))
    party = f.PartyFactory(agreement=total, signatory=lead)
    f.PartyFactory(agreement=total, country=f.country("CUB"))  # an unnamed signatory
    f.PartyActionFactory(party=party, date="2023-06-13")
    breakdown = f.AgreementFactory(parent=total, signed_at=stop, quantity=2)
    report = f.SourceFactory()
    f.CitationFactory(record=breakdown, source=report, field="quantity", stated_value=2)
    f.CitationFactory(record=breakdown, field="quantity", stated_value=25)  # disputed
    f.CitationFactory(record=party, source=report)
    f.CitationFactory(record=stop, source=report)
    unknown = f.SourceFactory(url="", published=None, language="")  # document address unknown
    f.CitationFactory(record=total, source=unknown, field="signed", stated_value="2023-06")
    event = f.EventFactory(trip=trip, stop=stop, date="2023", quote="«Quoted»", cameo_code="040")
    event.sectors.add(f.sector("health"))
    f.ParticipantFactory(event=event, official=lead, country=f.country("IRN"))
    f.ParticipantFactory(event=event, country=f.country("VEN"), role="visitor")  # a country alone
    empty_event = f.EventFactory()
    deletion = f.DeletionFactory()
    whole = timezone.now().replace(microsecond=0)
    type(total).objects.filter(pk=total.pk).update(updated_at=whole)
    type(trip).objects.filter(pk=trip.pk).update(
        created_at=datetime.datetime(2024, 1, 2, 3, 4, 5, 60, tzinfo=datetime.UTC)
    )
    return {
        "actors": [f.country("IRN"), f.country("ATA"), f.actor("SUN"), f.actor("EU"), f.actor("XKX")],
        "sectors": [f.sector("mining")],
        "officials": [lead, bare],
        "trips": [trip, spanless],
        "agreements": [total, breakdown, f.AgreementFactory()],
        "events": [event, empty_event],
        "sources": [report, unknown],
        "deletions": [deletion],
    }


def test_every_resource_reads_the_same_from_sql_and_from_its_serializer():
    records = edge_records()
    checked = set()
    for viewset in resource_viewsets():
        resource = viewset.serializer_class.Meta.model._meta.verbose_name_plural.replace(" ", "")
        for record in records[resource]:
            if not viewset.queryset.filter(pk=record.pk).exists():
                continue  # /countries/ holds the actors of kind country only
            sql_row, representation = both_ways(viewset, record)
            assert sql_row == representation, f"{resource} {record.pk}"
        checked.add(resource)
    assert checked == set(records)


def test_relations_read_the_same_from_sql_and_from_their_serializer():
    records = edge_records()
    iran = f.country("IRN")
    rows = orjson.loads(relations_json([iran.pk], ROOT))
    assert rows, "the factories link Iran to partners"
    assert records["agreements"]
    request = APIRequestFactory().get("/")
    for row in rows:
        partner = type(iran).objects.get(iso3=row["partner"]["iso3"])
        data = RelationSerializer({**row, "partner": partner}, context={"request": request}).data
        assert orjson.dumps(row) == orjson.dumps(orjson.loads(JSONRenderer().render(data)))
