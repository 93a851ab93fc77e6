"""Log deletions of API resources (see events.models.Deletion)."""

from django.db.models.signals import post_delete

from events.models import Agreement, Deletion, Event, Official, Source, Trip

# Model -> (API resource, attribute that identifies a record publicly)
LOGGED = {
    Agreement: ("agreements", "pk"),
    Event: ("events", "pk"),
    Official: ("officials", "slug"),
    Source: ("sources", "pk"),
    Trip: ("trips", "pk"),
}


def log_deletion(sender, instance, **kwargs) -> None:
    resource, key = LOGGED[sender]
    Deletion.objects.create(resource=resource, record_id=str(getattr(instance, key)))


def connect() -> None:
    for model in LOGGED:
        post_delete.connect(log_deletion, sender=model, dispatch_uid=f"log-deletion-{model.__name__}")
