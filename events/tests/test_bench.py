"""The benchmark kit: synthetic data that leaves the seed alone, and an anchor that answers as the API does."""

import io
import itertools
import json
import sys
from pathlib import Path

import pytest
from django.db import connection

from bench import synthetic
from events.models import Agreement, AgreementParty, Citation, Official
from events.tests.api import results

V1 = "/api/v1"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def test_seed_bench_adds_synthetic_records_and_clears_them_leaving_the_seed_alone(db):
    agreements, officials = Agreement.objects.count(), Official.objects.count()
    parties, citations = AgreementParty.objects.count(), Citation.objects.count()
    seed_rows = sorted(Agreement.objects.values_list("pk", "updated_at"))

    loaded = synthetic.load("XS", progress_bar=lambda **kwargs: _Quiet())
    assert loaded["agreement"] == 1000 and loaded["official"] == 50
    assert Agreement.objects.count() == agreements + 1000
    assert synthetic.present()["agreement"] == 1000
    assert all(a.title and a.parties.count() >= 2 for a in Agreement.objects.filter(pk__in=_bench("agreement", 5)))
    again = synthetic.load("XS", progress_bar=lambda **kwargs: _Quiet())  # replaces, the same rows
    assert again == loaded and Agreement.objects.count() == agreements + 1000

    synthetic.clear(progress=lambda message: None)
    assert (Agreement.objects.count(), Official.objects.count()) == (agreements, officials)
    assert (AgreementParty.objects.count(), Citation.objects.count()) == (parties, citations)
    assert sorted(Agreement.objects.values_list("pk", "updated_at")) == seed_rows


def test_synthetic_data_is_deterministic(db):
    first = synthetic.Generator("XS")
    second = synthetic.Generator("XS")
    assert list(first.officials()) == list(second.officials())
    assert list(itertools.islice(first.agreements(), 200)) == list(itertools.islice(second.agreements(), 200))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agreements/?party=IRN&date_after=2023-01-01&date_before=2023-12-31",
        "/api/v1/agreements/?page=2&page_size=3",
        "/api/v1/trips/?traveler=ebrahim-raisi",
        "/api/v1/officials/?q=maduro",
        "/api/v1/officials/",
        "/api/v1/countries/IRN/relations/",
        "/api/v1/countries/VEN/relations/?date_before=2023-06-12",
    ],
)
def test_the_anchor_answers_as_the_api_does(db, api, monkeypatch, path):
    from bench import anchor

    settings = connection.settings_dict
    url = f"postgresql://{settings['USER']}:{settings['PASSWORD']}@/{settings['NAME']}"
    url += f"?host={settings['HOST']}&port={settings['PORT'] or 5432}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(anchor, "_connection", None)
    monkeypatch.setattr(anchor, "_countries", {})
    monkeypatch.setattr(anchor, "cache", anchor.Cache())
    expected = api.get(path)
    assert expected.status_code == 200
    status, body = call_wsgi(anchor.app, path)
    assert status.startswith("200")
    assert json.loads(body) == expected.json()
    if "relations" not in path:
        assert results(expected)  # a page with rows, not two empty lists


def call_wsgi(app, path: str) -> tuple[str, bytes]:
    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    started = {}

    def start_response(status, headers):
        started["status"] = status

    body = b"".join(app(environ, start_response))
    return started["status"], body


def _bench(kind: str, count: int) -> list:
    return [synthetic.bench_id(kind, n) for n in range(count)]


class _Quiet:
    def update(self, *args):
        pass

    def close(self):
        pass
