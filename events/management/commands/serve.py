import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import autoreload


class Command(BaseCommand):
    help = (
        "What `make run` runs: migrate, load the seed data, import the vendored datasets (skipped while unchanged), "
        "print where to go, then serve with runserver."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--noreload", action="store_true", help="Serve without the autoreloader.")

    def handle(self, *args, port, host, noreload, **options):
        # The autoreloader runs this command again in a child process: set up only once, in the outer one.
        if os.environ.get(autoreload.DJANGO_AUTORELOAD_ENV) != "true":
            call_command("migrate", interactive=False, verbosity=0)
            call_command("load_seed", verbosity=0)
            # The vendored datasets (datasets/): imported on a fresh database, skipped while unchanged.
            call_command("import_dataset", "all")
            self.print_welcome(host, port)
        call_command("runserver", f"{host}:{port}", use_reloader=not noreload)

    def print_welcome(self, host: str, port: str) -> None:
        base = f"http://{host}:{port}"
        database = settings.DATABASES["default"]
        where = "embedded PostgreSQL in .pgdata/" if not os.environ.get("DATABASE_URL") else database["HOST"]
        lines = [
            "",
            "Diplomatic event database",
            f"  Admin (curation):  {base}/admin/",
            f"  API:               {base}/api/v1/",
            f"  API docs:          {base}/api/docs/  (schema: {base}/api/schema/)",
            f"  Database:          {database['NAME']} on {where}",
        ]
        if not get_user_model().objects.filter(is_superuser=True).exists():
            lines += [
                "",
                "  No admin account yet. In a second terminal, create one (you choose the password):",
                "    .venv/bin/python manage.py createsuperuser",
                "  or, for a curator: .venv/bin/python manage.py create_account NAME --role curator",
            ]
        else:
            lines += ["", "  Log in with your admin account (`.venv/bin/python manage.py createsuperuser` adds one)."]
        self.stdout.write("\n".join([*lines, ""]))
