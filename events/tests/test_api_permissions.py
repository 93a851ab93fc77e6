"""The permission matrix: every write method of every writable resource, for anonymous users, users without
the model permission, and users with exactly that permission."""

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
V1 = "/api/v1"

BODIES = {
    "sources": ("source", {"title": "Matrix source"}, "id"),
    "officials": ("official", {"slug": "matrix-official", "name": "Matrix Official"}, "slug"),
    "events": ("event", {"kind": "statement", "title": "Matrix statement"}, "id"),
    "trips": ("trip", {"title": "Matrix trip", "lead": "ebrahim-raisi", "origin": "IRN"}, "id"),
    "agreements": (
        "agreement",
        {"title": "Matrix treaty", "kind": "treaty", "parties": [{"country": "IRN"}, {"country": "CUB"}]},
        "id",
    ),
}
PERMISSION = {"post": "add", "put": "change", "patch": "change", "delete": "delete"}
SUCCESS = {"post": 201, "put": 200, "patch": 200, "delete": 204}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def existing(resource: str) -> str:
    """The URL of a fresh record of ``resource``, created by a superuser."""
    admin = User.objects.create_superuser(f"admin-{resource}", password="x-admin-pw")
    _, body, key = BODIES[resource]
    created = client_for(admin).post(f"{V1}/{resource}/", body, format="json")
    assert created.status_code == 201, created.json()
    return f"{V1}/{resource}/{created.json()[key]}/"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("resource", sorted(BODIES))
def test_permission_matrix(resource, method):
    model, body, _ = BODIES[resource]
    url = f"{V1}/{resource}/" if method == "post" else existing(resource)
    if method == "post":
        body = {**body, "slug": "another-official"} if resource == "officials" else body
    send = lambda client: getattr(client, method)(url, body, format="json")  # noqa: E731

    assert send(client_for()).status_code == 401
    nobody = User.objects.create_user("nobody", password="x-nobody-pw")
    assert send(client_for(nobody)).status_code == 403
    # A permission for another action is not enough.
    other = "delete" if PERMISSION[method] != "delete" else "add"
    nobody.user_permissions.add(Permission.objects.get(codename=f"{other}_{model}"))
    assert send(client_for(User.objects.get(pk=nobody.pk))).status_code == 403

    allowed = User.objects.create_user("allowed", password="x-allowed-pw")
    allowed.user_permissions.add(Permission.objects.get(codename=f"{PERMISSION[method]}_{model}"))
    assert send(client_for(allowed)).status_code == SUCCESS[method]
