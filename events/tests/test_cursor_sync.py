"""Cursor pages (apikit.pagination) and sync watermarks (apikit.sync): every ordering a list accepts walks the
same rows as page numbers do, forwards and back; and a sync that pages with cursors and resumes from its
watermark loses nothing while another connection writes, where pages and timestamps do (tested to fail)."""

import datetime
import threading
import uuid

import psycopg
import pytest
from django.db import connection

from bench import synthetic
from events.api.urls import router
from events.models import Agreement
from events.tests import factories as f

V1 = "/api/v1"


@pytest.fixture(autouse=True)
def no_throttling(monkeypatch):
    from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

    for throttle in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"anon": None, "user": None})


def walk(api, path: str, key: str = "url") -> tuple[list, list[dict]]:
    """Every row of a cursor walk (from ``cursor=first``), and each page's envelope without its rows."""
    separator = "&" if "?" in path else "?"
    url, rows, pages = f"{path}{separator}cursor=first", [], []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += [row[key] for row in body.pop("results")]
        pages.append(body)
        url = body["next"]
    return rows, pages


def listed(api, path: str, key: str = "url") -> list:
    separator = "&" if "?" in path else "?"
    url, rows = f"{path}{separator}page_size=500", []
    while url:
        body = api.get(url).json()
        rows += [row[key] for row in body["results"]]
        url = body["next"]
    return rows


def orderings(prefix: str) -> list[str]:
    viewset = next(viewset for p, viewset, _ in router.registry if p == prefix)
    filterset = getattr(viewset, "filterset_class", None)
    ordering = filterset.base_filters.get("ordering") if filterset else None
    names = [name for name, _ in ordering.extra["choices"]] if ordering else []
    return ["", *(f"ordering={name}" for name in names)]


@pytest.mark.django_db
def test_cursor_walks_match_page_walks_in_every_ordering_of_every_list(api):
    synthetic.load("XS", progress_bar=lambda **kwargs: _Quiet())
    for prefix, viewset, _ in router.registry:
        if viewset.pagination_class is None:
            continue  # a short list, never paged (countries, sectors)
        key = "url" if "url" in viewset.serializer_class.Meta.fields else viewset.serializer_class.key_name()
        filters = {"agreements": "party=IRN&", "events": "country=IRN&", "actors": "kind=country&"}.get(prefix, "")
        for ordering in orderings(prefix):
            query = "&".join(part for part in (filters.rstrip("&"), ordering) if part)
            expected = listed(api, f"{V1}/{prefix}/?{query}" if query else f"{V1}/{prefix}/", key)
            path = f"{V1}/{prefix}/?{query}&page_size=7" if query else f"{V1}/{prefix}/?page_size=7"
            rows, pages = walk(api, path, key)
            assert rows == expected, path
            assert len(expected) > 7 or prefix in ("deletions",), path
            assert {page["count"] for page in pages} == {len(expected)}
            assert len({page["watermark"] for page in pages}) == 1, "one watermark per walk"
            # back from the last page to the first: the same rows in reverse
            back, url = [], pages[-1]["previous"]
            while url:
                body = api.get(url).json()
                back = [row[key] for row in body["results"]] + back
                url = body["previous"]
            assert back + rows[len(back) :] == rows, path


@pytest.mark.django_db
def test_bad_cursors_are_400s_that_name_the_parameter(api):
    f.AgreementFactory.create_batch(3)
    first = api.get(f"{V1}/agreements/?cursor=first&page_size=1").json()
    token = first["next"].split("cursor=")[1].split("&")[0]
    for query in ("cursor=nonsense", "cursor=first&page=2", f"cursor={token}&ordering=title", "cursor=eyJ4IjoxfQ"):
        response = api.get(f"{V1}/agreements/?{query}")
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["attr"] == "cursor", query
    assert api.get(f"{V1}/agreements/?cursor={token}&page_size=1").status_code == 200


# -- sync under concurrent writes ---------------------------------------------------------------------------

FILTER = "date_after=2001-01-01&date_before=2002-12-31"


class CursorSync:
    """A client that walks with cursors and resumes from the walk's watermark."""

    def walk(self, api):
        rows, pages = [], []
        url = f"{V1}/agreements/?{FILTER}&page_size=4&cursor=first"
        while url:
            body = api.get(url).json()
            rows += body["results"]
            pages.append(body)
            url = body["next"]
            yield rows
        self.token = pages[0]["watermark"]

    def changes(self, api) -> set[str]:
        rows, _ = walk(api, f"{V1}/agreements/?changed_since={self.token}&page_size=4", key="id")
        return set(rows)


class PageTimestampSync:
    """A client that walks page by page and resumes from the latest change time it saw."""

    def walk(self, api):
        rows, page = [], 1
        while True:
            body = api.get(f"{V1}/agreements/?{FILTER}&page_size=4&page={page}").json()
            rows += body["results"]
            yield rows
            if not body["next"]:
                break
            page += 1
        self.token = max(row["updated_at"] for row in rows)

    def changes(self, api) -> set[str]:
        return set(listed(api, f"{V1}/agreements/?updated_since={self.token}", key="id"))


def writer() -> psycopg.Connection:
    """A connection of its own to the test database (not the test's, not Django's)."""
    params = connection.get_connection_params()  # the test database, by TCP or by socket (embedded)
    return psycopg.connect(**{key: value for key, value in params.items() if key not in ("cursor_factory", "context")})


def insert(db: psycopg.Connection, like: Agreement, title: str, signed: str) -> str:
    """A new agreement, a copy of ``like`` with its own id, title and date, written as the ORM would."""
    new_id = str(uuid.uuid4())
    day = datetime.date.fromisoformat(signed)
    changed = {"id": new_id, "title": title, "signed": signed, "signed_earliest": day, "signed_latest": day}
    columns = [f.column for f in Agreement._meta.concrete_fields if not f.generated]
    values = ", ".join(
        "%s" if column in changed else "clock_timestamp()" if column in ("created_at", "updated_at") else f'"{column}"'
        for column in columns
    )
    names = ", ".join(f'"{column}"' for column in columns)
    db.execute(
        f"INSERT INTO events_agreement ({names}) SELECT {values} FROM events_agreement WHERE id = %s",
        [changed[column] for column in columns if column in changed] + [like.pk],
    )
    return new_id


def run_sync(api, client) -> None:
    initial = [
        f.AgreementFactory(title=f"Initial {month:02d}", signed=f"2001-{month:02d}-10") for month in range(1, 13)
    ]
    committed: dict[str, str] = {}

    def other_writer():
        """Commits two agreements, one before the reader's position and one after it; its writes wait for the
        held transaction's (a table's data version is bumped in the writing transaction), so it commits last
        though it stamped its rows last too: the held rows have the earlier times and commit first."""
        with writer() as db:
            db.autocommit = True
            committed["early"] = insert(db, initial[0], "Committed: first", "2001-01-01")
            committed["last"] = insert(db, initial[0], "Committed: last", "2002-12-31")

    held = writer()
    walked = client.walk(api)
    try:
        next(walked)  # page 1: January to April
        # a transaction that stays open across the next page: a new agreement in June, a change to May's
        late = insert(held, initial[0], "Held: June", "2001-06-15")
        held.execute(
            "UPDATE events_agreement SET status = 'in_force', updated_at = clock_timestamp() WHERE id = %s",
            [initial[4].pk],
        )
        thread = threading.Thread(target=other_writer)
        thread.start()
        next(walked)  # page 2, with the transaction still open
        held.commit()
        thread.join(timeout=30)
        seen = list(walked)[-1]
    finally:
        held.close()
    ids = [row["id"] for row in seen]
    for record in initial:
        assert ids.count(str(record.pk)) == 1, f"{record.title} seen {ids.count(str(record.pk))} times"
    missed = {late, committed["early"], committed["last"], str(initial[4].pk)} - client.changes(api)
    assert not missed, f"changes made during the read and missed by the next sync: {missed}"


@pytest.mark.django_db(transaction=True)
def test_a_cursor_sync_with_watermarks_loses_nothing_under_concurrent_writes(api):
    run_sync(api, CursorSync())


@pytest.mark.django_db(transaction=True)
def test_the_same_sync_with_pages_and_timestamps_fails(api):
    with pytest.raises(AssertionError, match=r"seen 2 times|missed"):
        run_sync(api, PageTimestampSync())


class _Quiet:
    def update(self, *args):
        pass

    def close(self):
        pass
