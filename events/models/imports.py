"""What each dataset import last did: so that an unchanged archive is not imported again on every start."""

from django.db import models


class DatasetImport(models.Model):
    dataset = models.CharField(max_length=40, unique=True, help_text="travels, manytreaties...")
    archive_sha256 = models.CharField(max_length=64, help_text="Checksum of the archives it read.")
    importer_version = models.PositiveIntegerField(help_text="The importer's version (a new rule re-imports).")
    finished_at = models.DateTimeField(auto_now=True)
    summary = models.TextField(blank=True, help_text="The import's summary, as the command printed it.")

    class Meta:
        ordering = ["dataset"]

    def __str__(self):
        return f"{self.dataset} ({self.finished_at:%Y-%m-%d %H:%M})"
