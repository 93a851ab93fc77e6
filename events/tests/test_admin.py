"""The admin serves the seed data to a logged-in user."""

import pytest
from django.contrib import admin
from django.urls import reverse

from events.models import Deletion

pytestmark = pytest.mark.django_db


def model_admins():
    return [model for model in admin.site._registry if model._meta.app_label == "events"]


@pytest.mark.parametrize("model", model_admins(), ids=lambda m: m.__name__)
def test_every_changelist_and_a_change_page_open(admin_client, model):
    opts = model._meta
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    if model is Deletion:  # the log is empty until something is deleted
        Deletion.objects.create(resource="trips", record_id="00000000-0000-4000-8000-000000000000")
    first = model.objects.first()
    assert first is not None, f"no seed {opts.verbose_name} to show"
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    assert response.status_code == 200


def test_agreement_list_shows_parties_and_quantity(admin_client):
    page = admin_client.get(reverse("admin:events_agreement_changelist")).content.decode()
    assert "Cooperation agreements signed during Raisi&#x27;s Latin American tour" in page
    assert "CUB, IRN, NIC, VEN" in page
    assert "IRN (incomplete)" in page


def test_trip_list_shows_stops_in_order(admin_client):
    page = admin_client.get(reverse("admin:events_trip_changelist")).content.decode()
    assert "VEN → NIC → CUB" in page


def test_search_finds_an_official_by_alternative_name(admin_client):
    page = admin_client.get(reverse("admin:events_official_changelist"), {"q": "Nicolas"}).content.decode()
    assert "Nicolás Maduro" in page


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("admin:events_agreement_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_health_and_readiness_checks(client):
    response = client.get("/healthz")  # liveness: the process answers
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    response = client.get("/readyz")  # readiness: the database answers, migrated (no replicas here)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "pending_migrations": [], "replicas": {}}


def test_root_leads_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


# -- roles, accounts, search, performance ----------------------------------------------------------


def test_curator_and_viewer_groups_exist_after_migrate_with_the_right_permissions():
    from django.contrib.auth.models import Group

    curator = set(Group.objects.get(name="curator").permissions.values_list("codename", flat=True))
    viewer = set(Group.objects.get(name="viewer").permissions.values_list("codename", flat=True))
    for action in ("add", "change", "delete", "view"):
        assert f"{action}_agreement" in curator and f"{action}_citation" in curator
    assert "view_historicalagreement" in curator and "change_historicalagreement" not in curator
    assert "change_actor" in curator and "add_identifier" in curator  # organisations and ids are curated
    assert "change_deletion" not in curator and "view_deletion" in curator
    assert not {c for c in curator if c.endswith(("_user", "_group", "_permission"))}
    assert viewer == {c for c in curator | viewer if c.startswith("view_")}


def test_create_account_command_makes_a_staff_user_in_a_role(monkeypatch):
    from django.contrib.auth.models import User
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("NEW_PASSWORD", "a-long-test-password-2")
    call_command("create_account", "cora", role="curator", password_env="NEW_PASSWORD")
    cora = User.objects.get(username="cora")
    assert cora.is_staff and not cora.is_superuser
    assert cora.check_password("a-long-test-password-2")
    assert cora.has_perm("events.change_agreement") and not cora.has_perm("auth.change_user")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_account", "cora", role="viewer", password_env="NEW_PASSWORD")
    monkeypatch.setenv("WEAK", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_account", "weak", password_env="WEAK")
    assert not User.objects.filter(username="weak").exists()


def test_admin_search_ignores_accents_and_case(admin_client):
    page = admin_client.get(reverse("admin:events_trip_changelist"), {"q": "nicolas maduro"}).content.decode()
    assert "Nicolás Maduro&#x27;s visit to Tehran" in page
    page = admin_client.get(reverse("admin:events_official_changelist"), {"q": "ABDOLLAHIAN"}).content.decode()
    assert "Hossein Amir-Abdollahian" in page


def test_autocomplete_finds_countries_and_officials_without_accents(admin_client):
    url = reverse("admin:autocomplete")
    found = admin_client.get(
        url, {"app_label": "events", "model_name": "trip", "field_name": "lead", "term": "nicolas"}
    ).json()
    assert [r["text"] for r in found["results"]] == ["Nicolás Maduro"]
    found = admin_client.get(
        url, {"app_label": "events", "model_name": "stop", "field_name": "country", "term": "cote d'ivoire"}
    ).json()
    assert [r["text"] for r in found["results"]] == ["Côte d'Ivoire (CIV)"]


def test_autocomplete_finds_any_kind_of_actor_by_code_or_any_name(admin_client):
    def find(field: str, term: str) -> list[str]:
        params = {"app_label": "events", "model_name": "position", "field_name": field, "term": term}
        return [r["text"] for r in admin_client.get(reverse("admin:autocomplete"), params).json()["results"]]

    assert find("posted_to", "NATO") == ["NATO (NATO)"]
    assert find("posted_to", "u.s.s.r.") == ["Soviet Union (SUN)"]  # a name of its time
    assert find("posted_to", "East Germany") == ["German Democratic Republic (DDR)"]
    assert "European Union (EU)" in find("country", "european union")


def add_rows(model: str, count: int) -> None:
    """``count`` more rows of ``model`` for the changelist, each with the parts its columns show."""
    from events.models import Actor, Agreement, Citation, Event, Official, Sector, Source, Trip

    iran, cuba = Actor.objects.get(iso3="IRN"), Actor.objects.get(iso3="CUB")
    raisi = Official.objects.get(slug="ebrahim-raisi")
    efe = Source.objects.get(publisher="EFE")
    trip = Trip.objects.create(title="Bulk trip", lead=raisi, origin=iran)
    first = Official.objects.count() + Trip.objects.count()  # unique suffixes across calls
    for number in range(first, first + count):
        if model == "agreement":
            agreement = Agreement.objects.create(title=f"Bulk {number}", kind="treaty", parent=None)
            agreement.parties.create(country=iran)
            agreement.parties.create(country=cuba)
            agreement.sectors.add(Sector.objects.first())
        elif model == "trip":
            bulk = Trip.objects.create(title=f"Bulk {number}", lead=raisi, origin=iran)
            bulk.stops.create(order=1, country=cuba)
        elif model == "official":
            official = Official.objects.create(name=f"Bulk {number}", slug=f"bulk-{number}", alternative_names=["B"])
            official.positions.create(title="Envoy", country=iran, start="2020")
        elif model == "event":
            event = Event.objects.create(kind="meeting", title=f"Bulk {number}", trip=trip)
            event.participants.create(official=raisi, role="visitor")
        elif model == "source":
            Source.objects.create(title=f"Bulk {number}", publisher="Bulk")
        elif model == "citation":
            Citation.objects.create(record=trip, source=efe, note=f"Bulk {number}")
        elif model == "stop":
            trip.stops.create(order=number - first + 1, country=cuba)


@pytest.mark.parametrize("model", ["agreement", "trip", "official", "event", "source", "citation", "stop"])
def test_changelist_queries_do_not_grow_with_rows(admin_client, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse(f"admin:events_{model}_changelist")).status_code == 200
        return len(queries)

    add_rows(model, 2)
    before = count()
    add_rows(model, 40)
    assert count() == before


def test_admin_static_files_are_served_by_the_app_with_debug_off(tmp_path, settings):
    """As under gunicorn in production: collected, hashed files served by WhiteNoise, no CDN, DEBUG off."""
    import re

    from django.core.management import call_command
    from django.test import Client

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.DEBUG = False
    client = Client()
    page = client.get("/admin/login/").content.decode()
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', page).group(1)
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert "text/css" in response["Content-Type"]


def test_export_selected_as_csv(admin_client):
    import csv
    import io

    from events.models import Agreement

    selected = Agreement.objects.filter(parent__isnull=False).order_by("title")
    response = admin_client.post(
        reverse("admin:events_agreement_changelist"),
        {"action": "export_csv", "_selected_action": [str(pk) for pk in selected.values_list("pk", flat=True)]},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(row["title"] for row in rows) == sorted(selected.values_list("title", flat=True))
    assert {row["party_list"] for row in rows} == {"IRN, VEN", "IRN, NIC", "CUB, IRN"}
