"""An agreement's languages (the field added through a resource's single declaration): written and read in
JSON, in lists built by PostgreSQL, in CSV, filtered, and validated against ISO 639-1."""

import csv
import io

import pytest

from events.models import Agreement
from events.tests.api import error_attrs, results

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_languages_are_written_and_read_everywhere(api, curator_api):
    created = curator_api.post(
        f"{V1}/agreements/",
        {
            "title": "Convenio con textos auténticos",
            "kind": "treaty",
            "languages": ["es", "fa"],
            "parties": [{"country": "IRN"}, {"country": "VEN"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["languages"] == ["es", "fa"]
    assert Agreement.objects.get(pk=created.json()["id"]).languages == ["es", "fa"]
    listed = {row["id"]: row for row in results(api.get(f"{V1}/agreements/", {"language": "fa"}))}
    assert list(listed) == [created.json()["id"]]
    assert listed[created.json()["id"]]["languages"] == ["es", "fa"]
    assert not results(api.get(f"{V1}/agreements/", {"language": "en"}))
    export = api.get(f"{V1}/agreements/", {"format": "csv", "language": "es"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [row["languages"] for row in rows] == ["es;fa"]
    seed = results(api.get(f"{V1}/agreements/", {"kind": "partnership"}))[0]
    assert seed["languages"] == []  # unknown for the seed's agreements: the sources do not say


def test_a_language_that_is_not_iso_639_1_is_refused(curator_api):
    response = curator_api.post(
        f"{V1}/agreements/",
        {"title": "Bad", "kind": "treaty", "languages": ["es", "xx"], "parties": [{"country": "IRN"}]},
        format="json",
    )
    assert response.status_code == 400
    assert error_attrs(response) == ["languages.1"]
    assert curator_api.get(f"{V1}/agreements/", {"language": "xx"}).status_code == 400
