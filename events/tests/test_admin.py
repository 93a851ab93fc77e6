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


def test_health_check_answers_with_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_root_leads_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
