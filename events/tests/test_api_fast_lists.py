"""The lists that PostgreSQL builds (events/jsonsql.py) show each record exactly as its serializer does."""

import datetime

import pytest
from django.utils import timezone

from events.models import Agreement, Official, Trip
from events.tests.api import results

V1 = "/api/v1"
RESOURCES = {"officials": ("slug", Official), "trips": ("id", Trip), "agreements": ("id", Agreement)}


def assert_list_matches_details(api, resource: str) -> int:
    key, _ = RESOURCES[resource]
    rows = results(api.get(f"{V1}/{resource}/", {"page_size": 500}))
    for row in rows:
        detail = api.get(f"{V1}/{resource}/{row[key]}/")
        assert detail.status_code == 200
        assert row == detail.json()
        assert list(row) == list(detail.json())  # the same keys in the same order
    return len(rows)


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_every_seed_record_reads_the_same_in_the_list_and_its_page(db, api, resource):
    assert assert_list_matches_details(api, resource) == RESOURCES[resource][1].objects.count() > 0


def test_edge_values_read_the_same(api, curator_api):
    """Timestamps on a whole second, a value in a currency, a breakdown, an unnamed signatory, no dates."""
    total = curator_api.post(
        f"{V1}/agreements/",
        {
            "title": 'Tout ensemble \u00e9t\u00e9 "quoted" \\ back',
            "kind": "memorandum_of_understanding",
            "signed": "2023-06",
            "value_amount": "1234.5",
            "value_currency": "USD",
            "quantity": 3,
            "term_years": 20,
            "parties": [{"country": "IRN"}, {"country": "VEN", "signatory": "nicolas-maduro"}],
            "sectors": ["mining", "energy"],
        },
        format="json",
    ).json()
    breakdown = curator_api.post(
        f"{V1}/agreements/",
        {"title": "Part", "kind": "other", "parent": total["id"], "parties": [{"country": "IRN"}, {"country": "CUB"}]},
        format="json",
    )
    assert breakdown.status_code == 201, breakdown.content
    whole_second = timezone.now().replace(microsecond=0)
    Agreement.objects.filter(pk=total["id"]).update(updated_at=whole_second)
    Trip.objects.update(created_at=datetime.datetime(2024, 1, 2, 3, 4, 5, 60, tzinfo=datetime.UTC))
    for resource in RESOURCES:
        assert_list_matches_details(api, resource)
