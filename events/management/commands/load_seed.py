from django.core.management.base import BaseCommand, CommandError

from events.seed import SeedError, load_seed


class Command(BaseCommand):
    help = (
        "Load every ISO 3166-1 country and the seed fixtures (fixtures/*.json) in one transaction. "
        "Idempotent: records that already match are left untouched. On any error nothing is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixtures-dir", help="Folder of fixture files (default: fixtures/).")
        parser.add_argument("--seeds-dir", help="Folder of source documents (default: seeds/).")

    def handle(self, *args, fixtures_dir=None, seeds_dir=None, **options):
        try:
            report = load_seed(fixtures_dir, seeds_dir)
        except SeedError as error:
            raise CommandError(f"Seed data not loaded, the database is unchanged. {error}") from None
        if options["verbosity"] >= 1:
            self.stdout.write(report.summary())
            self.stdout.write(self.style.SUCCESS("Seed data loaded."))
