import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from events.roles import CURATOR, VIEWER


class Command(BaseCommand):
    help = "Create an admin account in a role: curator (edits the data) or viewer (reads it)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=[CURATOR, VIEWER], default=CURATOR)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="Read the password from this environment variable instead of asking for it.",
        )

    def handle(self, *args, username, role, email, password_env, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f'A user "{username}" already exists.')
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"The environment variable {password_env} is empty or unset.")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        user = User(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        self.stdout.write(self.style.SUCCESS(f'Created "{username}" as a {role}. Log in at /admin/.'))
