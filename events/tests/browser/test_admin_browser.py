"""A curator and a viewer at work in a real browser."""

import json
import urllib.request

import pytest
from django.contrib.auth.models import User

from events.models import Agreement, Stop, Trip
from events.tests.browser.conftest import ARTIFACTS, choose, log_in

pytestmark = pytest.mark.django_db(transaction=True)

EXCERPT = "Tehran signed 35 cooperation agreements with Latin American countries"


def submit_expecting_errors(page) -> None:
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")


def add_agreement_form(page, site, title: str, countries: tuple[str, ...]) -> None:
    page.goto(f"{site.url}/admin/events/agreement/add/")
    page.fill("#id_title", title)
    page.select_option("#id_kind", "memorandum_of_understanding")
    page.fill("#id_signed", "2023-06")
    choose(page, "#id_sectors", "Mining")
    for index, country in enumerate(countries):
        page.click("#parties-group .add-row a")
        choose(page, f"#id_parties-{index}-country", country)
    page.click("#events-citation-content_type-object_id-group .add-row a")
    choose(page, "select[name='events-citation-content_type-object_id-0-source']", "Iran signed 35 accords")
    page.fill("textarea[name='events-citation-content_type-object_id-0-excerpt']", EXCERPT)


def test_curator_creates_an_agreement_with_autocomplete_inlines_and_a_citation(page, site):
    log_in(page, site, "carla")
    page.goto(f"{site.url}/admin/events/agreement/")
    page.screenshot(path=str(ARTIFACTS / "agreement-changelist.png"), full_page=True)
    add_agreement_form(page, site, "Memorandum on mining", ("Iran", "Nicaragua"))
    page.screenshot(path=str(ARTIFACTS / "agreement-change-form.png"), full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    agreement = Agreement.objects.get(title="Memorandum on mining")
    assert sorted(agreement.parties.values_list("country__code", flat=True)) == ["IRN", "NIC"]
    assert list(agreement.sectors.values_list("slug", flat=True)) == ["mining"]
    assert (agreement.signed, agreement.signed_precision) == ("2023-06", "month")
    citation = agreement.citations.get()
    assert citation.excerpt == EXCERPT and citation.source.text[citation.start : citation.end] == EXCERPT
    body = json.load(urllib.request.urlopen(f"{site.url}/api/v1/agreements/{agreement.pk}/"))
    assert [p["country"]["iso3"] for p in body["parties"]] == ["IRN", "NIC"]
    assert agreement.history.get().history_user.username == "carla"


def test_the_same_country_twice_is_refused_on_the_page(page, site):
    log_in(page, site, "carla")
    add_agreement_form(page, site, "Twice the same party", ("Iran", "Iran"))
    submit_expecting_errors(page)
    page.screenshot(path=str(ARTIFACTS / "agreement-error.png"), full_page=True)
    errors = page.locator(".errorlist").all_inner_texts()
    assert any("only once" in text or "duplicate" in text.lower() for text in errors), errors
    assert not Agreement.objects.filter(title="Twice the same party").exists()


def test_one_party_without_marking_the_list_incomplete_is_refused(page, site):
    log_in(page, site, "carla")
    add_agreement_form(page, site, "A lonely party", ("Iran",))
    submit_expecting_errors(page)
    assert "mark the party list incomplete" in page.locator(".errorlist").first.inner_text()
    assert not Agreement.objects.filter(title="A lonely party").exists()
    page.uncheck("#id_parties_complete")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Agreement.objects.get(title="A lonely party").parties_complete is False


def test_an_excerpt_not_in_its_source_is_refused_on_the_page(page, site):
    log_in(page, site, "carla")
    add_agreement_form(page, site, "Misquoted", ("Iran", "Cuba"))
    page.fill("textarea[name='events-citation-content_type-object_id-0-excerpt']", "Tehran signed 36 agreements")
    submit_expecting_errors(page)
    assert "does not occur verbatim" in page.locator(".errorlist").first.inner_text()
    assert not Agreement.objects.filter(title="Misquoted").exists()


def test_a_stop_that_departs_before_it_arrives_is_refused_on_the_page(page, site):
    trip = Trip.objects.get(lead__slug="nicolas-maduro")
    log_in(page, site, "carla")
    page.goto(f"{site.url}/admin/events/trip/{trip.pk}/change/")
    page.fill("#id_stops-0-arrival", "2022-06-20")
    page.fill("#id_stops-0-departure", "2022-06-10")
    submit_expecting_errors(page)
    assert "cannot depart before it arrives" in page.locator(".errorlist").first.inner_text()
    assert Stop.objects.get(trip=trip).arrival == "2022-06"


def test_an_invalid_date_is_refused_with_a_clear_message(page, site):
    trip = Trip.objects.get(lead__slug="nicolas-maduro")
    log_in(page, site, "carla")
    page.goto(f"{site.url}/admin/events/trip/{trip.pk}/change/")
    page.fill("#id_stops-0-arrival", "June 2022")
    submit_expecting_errors(page)
    assert "is not an EDTF level 1 date" in page.locator(".errorlist").first.inner_text()


def test_history_shows_the_curator_and_a_revert_restores_the_old_value(page, site):
    trip = Trip.objects.get(lead__slug="nicolas-maduro")
    log_in(page, site, "carla")
    page.goto(f"{site.url}/admin/events/trip/{trip.pk}/change/")
    page.fill("#id_title", "Maduro in Tehran")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Trip.objects.get(pk=trip.pk).title == "Maduro in Tehran"

    page.goto(f"{site.url}/admin/events/trip/{trip.pk}/history/")
    history = page.locator("#change-history").inner_text()
    assert "carla" in history.lower()
    # The seed load is the oldest entry: open it and revert to it.
    page.locator("#change-history tbody tr").last.locator("a").first.click()
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Trip.objects.get(pk=trip.pk).title == "Nicolás Maduro's visit to Tehran"


def test_a_viewer_can_open_records_and_cannot_save(page, site):
    agreement = Agreement.objects.get(term_years=20)
    log_in(page, site, "victor")
    page.goto(f"{site.url}/admin/events/agreement/")
    assert "20-year Iran–Venezuela partnership agreement" in page.content()
    page.goto(f"{site.url}/admin/events/agreement/{agreement.pk}/change/")
    assert page.locator("input[name=_save]").count() == 0
    assert "20-year Iran–Venezuela partnership agreement" in page.content()
    assert page.goto(f"{site.url}/admin/events/agreement/add/").status == 403
    assert User.objects.get(username="victor").has_perm("events.view_agreement")
