"""The same checks for every resource, declared once (NetBox's APIViewTestCase): a resource's test class names
its serializer, how to make a record (factories, not seed names) and, if writable, the data to create and update
one; it inherits the read, CSV, ETag, brief-form, schema and write checks."""

import csv
import io
from collections.abc import Callable

import pytest
import yaml
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apikit import csv as csv_columns
from apikit.checks import schema_shape, serializer_shape
from events.api.actors import ActorSerializer
from events.api.agreements import AgreementSerializer
from events.api.deletions import DeletionSerializer
from events.api.events import EventSerializer
from events.api.officials import OfficialSerializer
from events.api.sectors import SectorSerializer
from events.api.sources import SourceSerializer
from events.api.trips import StopSerializer, TripSerializer
from events.models import Deletion
from events.tests import factories as f

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def contract() -> dict:
    with (settings.BASE_DIR / "openapi.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["components"]["schemas"]


class ResourceChecks:
    resource: str
    serializer: type
    make: Callable  # () -> a record, built by factories
    detail = True
    create_data: dict | None = None  # set for writable resources
    update_data: dict | None = None
    change = {"updated_at": "2031-01-01T00:00:00Z"}  # a change to the record that its representation shows
    grow: Callable | None = None  # (record) -> adds nested rows of every kind the representation shows

    def key(self, record) -> str:
        return str(
            getattr(record, self.serializer.Meta.model._meta.pk.name if self.key_name == "id" else self.key_name)
        )

    @property
    def key_name(self) -> str:
        return self.serializer.key_name()

    def listed(self, api, record) -> dict:
        rows = []
        url = f"{V1}/{self.resource}/?page_size=500"
        while url:
            body = api.get(url).json()
            rows += body["results"]
            url = body["next"]
        found = [row for row in rows if str(row[self.key_name]) == self.key(record)]
        assert len(found) == 1, f"{self.resource}: {self.key(record)} listed {len(found)} times"
        return found[0]

    # -- reads -----------------------------------------------------------------------------------------

    def test_list_and_detail_show_the_record_the_same(self, api):
        record = self.make()
        row = self.listed(api, record)
        if self.detail:
            detail = api.get(row["url"])
            assert detail.status_code == 200
            assert detail.json() == row and list(detail.json()) == list(row)

    def test_the_response_has_the_contracts_shape(self, api):
        components = contract()
        name = self.serializer.__name__.removesuffix("Serializer")
        assert serializer_shape(self.serializer) == schema_shape(components[name], components)
        row = self.listed(api, self.make())
        assert list(row) == list(components[name]["properties"])

    def test_the_brief_form_is_the_ref_component(self):
        if not hasattr(self.serializer.Meta, "brief_fields"):
            pytest.skip(f"{self.resource} is not referred to by other records")
        brief = self.serializer.brief()
        assert brief.__name__ == f"{self.serializer.Meta.model.__name__}Ref"
        assert list(brief().fields) == list(contract()[brief.__name__]["properties"])

    def test_detail_etag_answers_304_until_the_record_changes(self, api):
        if not self.detail:
            pytest.skip(f"{self.resource} has no details")
        record = self.make()
        url = self.listed(api, record)["url"]
        tag = api.get(url)["ETag"]
        assert api.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
        type(record).objects.filter(pk=record.pk).update(**self.change)
        again = api.get(url, HTTP_IF_NONE_MATCH=tag)
        assert again.status_code == 200 and again["ETag"] != tag

    def test_list_etag_answers_304_until_any_write(self, api):
        url = f"{V1}/{self.resource}/"
        tag = api.get(url)["ETag"]
        assert api.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
        self.make()
        assert api.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200

    def test_detail_queries_do_not_grow_with_nested_rows(self, api, django_assert_num_queries):
        """The prefetches derived from the serializer cover everything it nests: no query per nested row."""
        if self.grow is None or not self.detail:
            pytest.skip(f"{self.resource} nests nothing")
        record = self.make()
        url = self.listed(api, record)["url"]
        api.get(url)  # caches warm (content types)
        with CaptureQueriesContext(connection) as before:
            api.get(url)
        self.grow(record)
        self.grow(record)
        with django_assert_num_queries(len(before)):
            body = api.get(url).json()
        assert body != {}

    def test_csv_has_the_declared_columns_and_the_record(self, api):
        record = self.make()
        response = api.get(f"{V1}/{self.resource}/", {"format": "csv"})
        assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0] == [column.header for column in csv_columns.columns(self.serializer)]
        if self.key_name in rows[0]:
            keys = [row[rows[0].index(self.key_name)] for row in rows[1:]]
            assert keys.count(self.key(record)) == 1

    # -- writes ----------------------------------------------------------------------------------------

    def test_anonymous_writes_are_refused(self, api):
        if self.create_data is None:
            assert api.post(f"{V1}/{self.resource}/", {}, format="json").status_code in (401, 405)
            return
        assert api.post(f"{V1}/{self.resource}/", self.create_data, format="json").status_code == 401

    def test_create_update_with_if_match_and_delete(self, curator_api):
        if self.create_data is None:
            pytest.skip(f"{self.resource} is read-only")
        created = curator_api.post(f"{V1}/{self.resource}/", self.create_data, format="json")
        assert created.status_code == 201, created.json()
        body = created.json()
        assert created["Location"] == body["url"] and created["ETag"]
        assert curator_api.get(body["url"]).json() == body
        stale = created["ETag"]
        updated = curator_api.patch(body["url"], self.update_data, format="json", HTTP_IF_MATCH=stale)
        assert updated.status_code == 200, updated.json()
        assert {key: updated.json()[key] for key in self.update_data} == self.update_data
        assert curator_api.patch(body["url"], self.update_data, format="json", HTTP_IF_MATCH=stale).status_code == 412
        assert curator_api.delete(body["url"], HTTP_IF_MATCH=updated["ETag"]).status_code == 204
        assert curator_api.get(body["url"]).status_code == 404
        assert Deletion.objects.filter(resource=self.resource, record_id=str(body[self.key_name])).exists()


class TestCountries(ResourceChecks):
    resource, serializer = "countries", ActorSerializer
    make = staticmethod(lambda: f.country("NIC"))

    def test_detail_etag_answers_304_until_the_record_changes(self, api):
        pytest.skip("reference data: countries are not changed through the API")

    def test_list_etag_answers_304_until_any_write(self, api):
        pytest.skip("reference data: countries are not changed through the API")


class TestSectors(ResourceChecks):
    resource, serializer = "sectors", SectorSerializer
    make = staticmethod(lambda: f.sector("energy"))
    change = {"description": "Power generation and fuels."}

    def test_list_etag_answers_304_until_any_write(self, api):
        pytest.skip("reference data: sectors are not changed through the API")


class TestOfficials(ResourceChecks):
    resource, serializer = "officials", OfficialSerializer
    make = staticmethod(lambda: f.PositionFactory().official)
    create_data = {
        "slug": "new-envoy",
        "name": "New Envoy",
        "positions": [{"title": "Ambassador", "country": "CUB", "start": "2020"}],
    }
    update_data = {"name": "New Envoy Renamed", "alternative_names": ["N. Envoy"]}

    @staticmethod
    def grow(official):
        position = f.PositionFactory(official=official, country=f.country("CUB"))
        f.CitationFactory(record=position)
        f.CitationFactory(record=official)


class TestTrips(ResourceChecks):
    resource, serializer = "trips", TripSerializer
    make = staticmethod(lambda: f.StopFactory(city="Managua", country=f.country("NIC")).trip)
    create_data = {
        "title": "A visit to Havana",
        "lead": "ebrahim-raisi",
        "origin": "IRN",
        "start": "2023-06",
        "stops": [{"country": "CUB", "city": "Havana"}],
    }
    update_data = {"title": "A visit to Havana and back", "purpose": "Talks"}

    @staticmethod
    def grow(trip):
        stop = f.StopFactory(trip=trip, order=trip.stops.count() + 1, country=f.country("CUB"))
        f.CitationFactory(record=stop)
        f.CitationFactory(record=trip)
        trip.members.add(f.OfficialFactory())
        trip.invited_by.add(f.country(["CUB", "VEN", "BOL"][trip.invited_by.count()]))


class TestAgreements(ResourceChecks):
    resource, serializer = "agreements", AgreementSerializer
    make = staticmethod(lambda: f.PartyActionFactory(date="2023-06-13").party.agreement)
    create_data = {
        "title": "A memorandum",
        "kind": "memorandum_of_understanding",
        "signed": "2023-06-13",
        "parties": [{"country": "IRN", "actions": [{"action": "signed", "date": "2023-06-13"}]}, {"country": "CUB"}],
        "sectors": ["health"],
    }
    update_data = {"title": "A memorandum on health", "quantity": 2, "value_amount": "10.50", "value_currency": "EUR"}

    @staticmethod
    def grow(agreement):
        code = ["CUB", "VEN", "BOL"][agreement.parties.count() - 1]
        party = f.PartyFactory(agreement=agreement, country=f.country(code), signatory=f.OfficialFactory())
        f.PartyActionFactory(party=party, action="ratified")
        f.CitationFactory(record=party)
        f.CitationFactory(record=agreement)
        agreement.sectors.add(f.sector(["mining", "energy", "health"][agreement.sectors.count()]))
        if agreement.quantity < 10:
            type(agreement).objects.filter(pk=agreement.pk).update(quantity=10)
        f.AgreementFactory(parent=agreement)


class TestEvents(ResourceChecks):
    resource, serializer = "events", EventSerializer
    make = staticmethod(lambda: f.ParticipantFactory(country=f.country("CUB")).event)
    create_data = {
        "kind": "meeting",
        "title": "Talks in Havana",
        "date": "2023-06-15",
        "participants": [{"country": "CUB", "role": "host"}],
    }
    update_data = {"title": "Talks in Havana on trade", "cameo_code": "040"}

    @staticmethod
    def grow(event):
        f.ParticipantFactory(event=event, official=f.OfficialFactory(), role="visitor")
        f.CitationFactory(record=event)
        event.sectors.add(f.sector(["mining", "energy", "health"][event.sectors.count()]))


class TestSources(ResourceChecks):
    resource, serializer = "sources", SourceSerializer
    make = staticmethod(lambda: f.SourceFactory())
    create_data = {"title": "A wire report", "kind": "news_report", "document_url": "https://example.org/a"}
    update_data = {"title": "A wire report, corrected", "document_url": None}

    @staticmethod
    def grow(source):
        f.CitationFactory(record=f.AgreementFactory(), source=source)


class TestDeletions(ResourceChecks):
    resource, serializer, detail = "deletions", DeletionSerializer, False
    make = staticmethod(lambda: f.DeletionFactory())

    def key(self, record) -> str:
        return record.record_id

    @property
    def key_name(self) -> str:
        return "record_id"


def test_every_resource_has_its_checks():
    from apikit.checks import resource_viewsets

    declared = {cls.serializer for cls in ResourceChecks.__subclasses__()}
    assert {viewset.serializer_class for viewset in resource_viewsets()} == declared
    assert StopSerializer.brief().__name__ == "StopRef"
