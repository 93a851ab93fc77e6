import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bench import synthetic


class Command(BaseCommand):
    help = (
        "Load deterministic synthetic data for benchmarks on top of the real countries and sectors "
        "(bench/synthetic.py): scale XS (1%% of S, for smoke runs), S (100k agreements), M (10x S) or L (100x S). "
        "Replaces earlier synthetic data in one transaction; seed records are never touched. --clear removes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(synthetic.SCALES), help="How much to load.")
        parser.add_argument("--clear", action="store_true", help="Remove the synthetic data and load nothing.")

    def handle(self, *args, scale=None, clear=False, **options):
        if clear == bool(scale):
            raise CommandError("Give --scale XS|S|M|L, or --clear.")
        started = time.monotonic()
        if clear:
            synthetic.clear(progress=self.stdout.write)
            self.stdout.write(self.style.SUCCESS("Synthetic data removed."))
            return
        quiet = options["verbosity"] < 1
        loaded = synthetic.load(scale, progress_bar=lambda **kw: tqdm(disable=quiet, **kw))
        if not quiet:
            self.stdout.write("analyzing tables")
        synthetic.analyze()
        elapsed = time.monotonic() - started
        if not quiet:
            for table, rows in loaded.items():
                self.stdout.write(f"  {table:<18} {rows:>10,}")
            self.stdout.write(self.style.SUCCESS(f"Scale {scale} loaded in {elapsed:.0f} s."))
