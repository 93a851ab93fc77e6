from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Diplomatic events"

    def ready(self):
        from django.db.models.signals import post_migrate

        from events import roles, signals, versions

        signals.connect()
        post_migrate.connect(roles.ensure_groups, sender=self, dispatch_uid="events-ensure-groups")
        post_migrate.connect(versions.ensure_triggers, sender=self, dispatch_uid="events-version-triggers")
