"""Hardening: password guessing locked out per username and address (django-axes), API tokens hashed, expiring
and revoked by their owner (django-rest-knox), and `check --deploy` clean with the production settings that
.env.example documents."""

import re
import subprocess
import sys
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

V1 = "/api/v1"
ATTACKER, CURATOR_DESK = "203.0.113.9", "198.51.100.4"


def token_request(password, address):
    return APIClient(REMOTE_ADDR=address).post(
        f"{V1}/auth/token/", {"username": "curator", "password": password}, format="json"
    )


def test_password_guessing_on_the_token_endpoint_is_locked_out_per_username_and_address(curator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert token_request("guess", ATTACKER).status_code == 400
    locked = token_request("guess", ATTACKER)
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert locked.json()["errors"][0]["code"] == "locked_out"
    # the right password from the locked-out address is refused too
    assert token_request("x-curator-pw", ATTACKER).status_code == 429
    # the user, from elsewhere, is not locked out by someone else's guessing
    assert token_request("x-curator-pw", CURATOR_DESK).status_code == 200


def test_password_guessing_on_the_admin_login_is_locked_out(curator, client):
    curator.is_staff = True
    curator.save()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "curator", "password": "guess"}, REMOTE_ADDR=ATTACKER)
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/admin/login/", {"username": "curator", "password": "guess"}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # the same account logs in from another address
    response = client.post(
        "/admin/login/", {"username": "curator", "password": "x-curator-pw"}, REMOTE_ADDR=CURATOR_DESK
    )
    assert response.status_code == 302


def authenticated(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_tokens_expire_and_are_revoked_by_their_owner(curator):
    first = token_request("x-curator-pw", CURATOR_DESK).json()["token"]
    second = token_request("x-curator-pw", CURATOR_DESK).json()["token"]
    write = {"title": "Via token"}
    assert authenticated(first).post(f"{V1}/sources/", write, format="json").status_code == 201

    assert authenticated(first).post(f"{V1}/auth/token/revoke/").status_code == 204
    refused = authenticated(first).post(f"{V1}/sources/", write, format="json")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "authentication_failed"
    assert authenticated(second).post(f"{V1}/sources/", write, format="json").status_code == 201

    AuthToken.objects.filter(user=curator).update(expiry=timezone.now() - timedelta(seconds=1))
    assert authenticated(second).post(f"{V1}/sources/", write, format="json").status_code == 401

    third = token_request("x-curator-pw", CURATOR_DESK).json()["token"]
    fourth = token_request("x-curator-pw", CURATOR_DESK).json()["token"]
    assert authenticated(third).post(f"{V1}/auth/tokens/revoke/").status_code == 204
    assert authenticated(fourth).post(f"{V1}/sources/", write, format="json").status_code == 401
    assert not AuthToken.objects.filter(user=curator).exists()
    assert APIClient().post(f"{V1}/auth/token/revoke/").status_code == 401


def test_create_token_command_issues_a_working_token(curator):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_token", "curator", "--days", "2", stdout=out, stderr=StringIO())
    token = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    assert authenticated(token).post(f"{V1}/sources/", {"title": "Issued"}, format="json").status_code == 201
    (stored,) = AuthToken.objects.filter(user=curator)
    assert timedelta(days=1, hours=23) < stored.expiry - timezone.now() <= timedelta(days=2)


def production_environment() -> dict[str, str]:
    """The production block of .env.example (its commented assignments), with a secret key filled in."""
    text = (settings.BASE_DIR / ".env.example").read_text()
    block = text.split("# --- production", 1)[1]
    values = dict(re.findall(r"^#\s*([A-Z_]+)=(.*)$", block, re.M))
    assert values, "no production settings in .env.example"
    values["DJANGO_SECRET_KEY"] = "a-production-secret-" + "k3y" * 20
    return values


def test_check_deploy_passes_with_the_documented_production_settings():
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(production_environment())
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or settings.DATABASE_URL
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # and the development defaults are what it warns about (the test can fail)
    env = {k: v for k, v in env.items() if not k.startswith("DJANGO_SECURE")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "security.W004" in result.stderr + result.stdout


def test_tokens_issued_before_hashing_keep_working_after_the_migration(curator):
    """Migration 0016 stores a digest of each plain-text DRF token and drops their table."""
    import importlib

    from django.apps import apps
    from django.db import connection

    old_key = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, user_id int)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [old_key, curator.pk])
    migration = importlib.import_module("events.migrations.0016_hashed_tokens")
    with connection.schema_editor() as editor:
        migration.hash_existing_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert authenticated(old_key).post(f"{V1}/sources/", {"title": "Old token"}, format="json").status_code == 201
    assert old_key not in str(list(AuthToken.objects.values_list("digest", "token_key")))
