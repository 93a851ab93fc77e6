"""import_dataset on an upstream checkout (--path) of the real visits data, changed the way upstream changes:
--strict, records gone upstream (--retract), and curators' edits kept against a re-import."""

import io
import re
import tarfile

import pytest
from django.core.management import CommandError, call_command

from events.importers.base import DATASETS_DIR, Writer
from events.models import Citation, Deletion, Identifier, Source, Trip
from events.tests.api import results

pytestmark = pytest.mark.django_db
FILE = "data/2010.xml"  # visits 2076 to 2545, 2010-2019


@pytest.fixture
def checkout(tmp_path):
    """The vendored visits archive unpacked as an upstream checkout (no .git: the vendored commit is assumed)."""
    with tarfile.open(DATASETS_DIR / "historyatstate-visits.tar.xz") as tar:
        tar.extractall(tmp_path, filter="data")
    (top,) = tmp_path.iterdir()
    return top


def change(checkout, visit: str, tag: str, new: str | None) -> None:
    """Set ``tag``'s whole element in the visit (None: remove the visit)."""
    path = checkout / FILE
    text = path.read_text()
    element = re.search(rf"    <visit>\s*<id>{visit}</id>.*?</visit>\n", text, re.DOTALL)
    if new is None:
        replaced = ""
    else:
        replaced, n = re.subn(rf"<{tag}\b.*?</{tag}>", new, element.group(0), count=1, flags=re.DOTALL)
        assert n == 1
    path.write_text(text[: element.start()] + replaced + text[element.end() :])


def run(checkout, *options) -> str:
    out = io.StringIO()
    call_command("import_dataset", "visits", "--path", str(checkout), *options, stdout=out)
    return out.getvalue()


def trip(visit: str) -> Trip:
    return Trip.objects.get(pk=Identifier.objects.get(scheme="visits", value=visit).object_id)


def test_strict_stops_at_the_first_problem_and_writes_nothing(checkout):
    change(checkout, "2078", "from", '<from id="atlantis">Atlantis</from>')
    with pytest.raises(CommandError) as error:
        run(checkout, "--strict")
    assert 'visits 2078: unknown country id "atlantis"' in str(error.value)
    assert "Nothing was written" in str(error.value)
    assert not Identifier.objects.filter(scheme="visits").exists()
    # Without --strict the record is skipped and listed, the rest imported.
    out = run(checkout)
    assert 'skipped 1: unknown country id "atlantis" (visits 2078)' in out
    assert Identifier.objects.filter(scheme="visits").count() == 3263


def test_a_dry_run_writes_nothing(checkout):
    out = run(checkout, "--dry-run")
    assert "Dry run: nothing was written." in out and "trips: 3264 created" in out
    assert not Trip.objects.filter(identifiers__scheme="visits").exists()


def test_a_record_gone_upstream_is_listed_and_retracted_only_with_the_flag(checkout, api):
    run(checkout)
    gone = trip("2076")  # King Juan Carlos I, 2010-02-17
    change(checkout, "2076", "visit", None)
    out = run(checkout)
    assert f"gone upstream: kept (--retract deletes) (trips {gone.pk} (visits:2076))" in out
    assert Trip.objects.filter(pk=gone.pk).exists()
    out = run(checkout, "--retract")
    assert "1 retracted" in out.split("  trips: ")[1].splitlines()[0]
    assert not Trip.objects.filter(pk=gone.pk).exists()
    assert not Citation.objects.filter(object_id=gone.pk).exists()
    assert Deletion.objects.filter(resource="trips", record_id=str(gone.pk)).exists()
    deletions = results(api.get("/api/v1/deletions/", {"resource": "trips"}))
    assert str(gone.pk) in [d["record_id"] for d in deletions]


def test_a_curators_edit_is_kept_and_upstreams_value_cited_beside_it(checkout, curator_api, api):
    run(checkout)
    edited, untouched = trip("2077"), trip("2078")
    curated = "Working visit; met President Obama."
    response = curator_api.patch(f"/api/v1/trips/{edited.pk}/", {"purpose": curated}, format="json")
    assert response.status_code == 200, response.content
    # Upstream rewrites both descriptions: the edited field stays the curator's, the other follows upstream.
    change(checkout, "2077", "description", "<description>Official working visit.</description>")
    change(checkout, "2078", "description", "<description>Official working visit.</description>")
    out = run(checkout)
    assert f"trips {edited.pk}, purpose" in out and "a curator's edit kept" in out
    edited.refresh_from_db()
    untouched.refresh_from_db()
    assert (edited.purpose, untouched.purpose) == (curated, "Official working visit.")
    stated = {c.stated_value: c.source.kind for c in edited.citations.filter(field="purpose")}
    assert stated == {"Official working visit.": "dataset", curated: "other"}
    assert "purpose" in api.get(f"/api/v1/trips/{edited.pk}/").json()["disputed_fields"]
    # The next import changes nothing: the conflict is already cited.
    assert "visits: 0 changed" in run(checkout)


def test_a_path_for_all_or_a_missing_path_is_refused(tmp_path):
    with pytest.raises(CommandError, match="give the dataset, not all"):
        call_command("import_dataset", "all", "--path", str(tmp_path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_dataset", "visits", "--path", str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="holds no pocom records"):
        call_command("import_dataset", "pocom", "--path", str(tmp_path), stdout=io.StringIO())


def test_an_interrupted_import_leaves_the_database_as_it_was(checkout, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C after the trips, stops and citations were written

    monkeypatch.setattr(Writer, "identifiers", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run(checkout)
    assert not Trip.objects.filter(citations__source__title__startswith="HistoryAtState/visits").exists()
    assert not Source.objects.filter(title__startswith="HistoryAtState/visits").exists()


def test_all_four_datasets_cite_verbatim_and_keep_list_query_counts(api):
    """With all four datasets loaded: every imported citation quotes its stored file verbatim, and the list
    endpoints cost the same few queries whatever the page size."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("import_dataset", "all", stdout=io.StringIO())
    assert Trip.objects.count() == 3 + 1377 + 3264  # the seed, travels, visits
    texts = dict(Source.objects.filter(kind="dataset").values_list("pk", "text"))
    cited = Citation.objects.filter(source__in=texts).values_list("source", "start", "end", "excerpt")
    assert len(cited) > 140_000
    assert [c for c in cited if texts[c[0]][c[1] : c[2]] != c[3]] == []

    def count(resource: str, page_size: int) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/v1/{resource}/", {"page_size": page_size})
            assert response.status_code == 200
        return len(queries)

    for resource in ("actors", "officials", "trips", "agreements", "events", "sources", "deletions"):
        assert count(resource, 1) == count(resource, 100) <= 4, resource
