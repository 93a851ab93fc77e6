"""A log of deleted records, so that clients syncing with ``updated_since`` also learn of deletions."""

from django.db import models


class Deletion(models.Model):
    """One record deleted from one API resource."""

    resource = models.CharField(max_length=50, help_text="API resource, e.g. agreements.")
    record_id = models.CharField(max_length=100, help_text="The deleted record's public identifier (UUID or slug).")
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When it was deleted.")

    class Meta:
        ordering = ["deleted_at", "id"]

    def __str__(self):
        return f"{self.resource}/{self.record_id} deleted {self.deleted_at:%Y-%m-%d %H:%M}"
