import pytest

from events.seed import load_seed


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the countries and the seed fixtures loaded, as `make run` leaves it."""
    with django_db_blocker.unblock():
        load_seed()
