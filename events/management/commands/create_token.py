from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken
from knox.settings import knox_settings


class Command(BaseCommand):
    help = (
        "Issue an API token for a user (in place of DRF's drf_create_token): printed once, stored only as a "
        "digest, valid API_TOKEN_TTL_DAYS unless --days says otherwise. The user revokes it through the API."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=float, help="Days until it expires (default: API_TOKEN_TTL_DAYS).")

    def handle(self, *args, username, days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f'No user "{username}".') from None
        ttl = knox_settings.TOKEN_TTL if days is None else timedelta(days=days)
        instance, token = AuthToken.objects.create(user, ttl)
        self.stderr.write(f"Token for {username}, valid until {instance.expiry:%Y-%m-%d %H:%M} UTC:")
        self.stdout.write(token)
