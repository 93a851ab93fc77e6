"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server on real PostgreSQL.

They are skipped, with a message, where /usr/bin/chromium is missing (`.ci/run` installs it).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User

from events.roles import CURATOR, VIEWER
from events.seed import load_seed

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
PASSWORD = "a-long-test-password-1"


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def site(live_server, transactional_db):
    """The live server with the seed data and a curator and a viewer account."""
    load_seed()
    for name, role in (("carla", CURATOR), ("victor", VIEWER)):
        user = User.objects.create_user(name, password=PASSWORD, is_staff=True, first_name=name.title())
        user.groups.add(Group.objects.get(name=role))
    ARTIFACTS.mkdir(exist_ok=True)
    return live_server


def log_in(page, site, username: str) -> None:
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")


def choose(page, select: str, text: str) -> None:
    """Pick ``text`` in the admin's autocomplete (select2) widget of the <select> matched by ``select``."""
    page.locator(select).locator("xpath=following-sibling::span[contains(@class, 'select2')][1]").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-container--open .select2-results__option", has_text=text).first.click()
