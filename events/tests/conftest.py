import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from events.seed import load_seed


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the countries and the seed fixtures loaded, as `make run` leaves it."""
    with django_db_blocker.unblock():
        load_seed()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def curator(db) -> User:
    """A user with every permission on the domain models (the future "curator" group)."""
    user = User.objects.create_user("curator", password="x-curator-pw")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="events"))
    return user


@pytest.fixture
def reader(db) -> User:
    """An authenticated user with no permission."""
    return User.objects.create_user("reader", password="x-reader-pw")


@pytest.fixture
def curator_api(curator) -> APIClient:
    client = APIClient()
    client.force_authenticate(curator)
    return client


@pytest.fixture
def live_api(live_server, transactional_db, monkeypatch):
    """The live server on a throwaway database with the seed data, throttling off (contract and client tests)."""
    from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

    from events.seed import load_seed

    load_seed()
    for throttle in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"anon": None, "user": None})
    return live_server


@pytest.fixture
def api_token(db) -> str:
    """A token of a user with every permission."""
    from knox.models import AuthToken

    user = User.objects.create_superuser("contract", password="x-contract-pw")
    return AuthToken.objects.create(user)[1]


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Each test starts with an empty anonymous throttle history (the suite as a whole makes more than the
    per-minute rate of requests from one address); tests of throttling make their own requests within one test."""
    from django.core.cache import cache

    cache.delete_many(["throttle_anon_127.0.0.1", "throttle_anon_None"])
