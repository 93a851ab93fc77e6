"""The curation roles, kept up to date on every migrate (a post_migrate handler: on a fresh database the
permissions do not exist yet when data migrations run).

- curator: add, change, delete and view every domain model of the events app (actors included: curators add
  organisations, names and identifiers; load_seed keeps the ISO rows as ISO gives them); view the history and the
  deletion log. Nothing on users or groups.
- viewer: view every model of the events app, read only.
"""

from django.contrib.auth.models import Group, Permission

CURATOR = "curator"
VIEWER = "viewer"
READ_ONLY_MODELS = {"deletion"}  # the deletion log changes only by code


def ensure_groups(**kwargs) -> None:
    events = Permission.objects.filter(content_type__app_label="events")
    view = events.filter(codename__startswith="view_")
    domain = events.exclude(content_type__model__startswith="historical").exclude(
        content_type__model__in=READ_ONLY_MODELS
    )
    curator, _ = Group.objects.get_or_create(name=CURATOR)
    curator.permissions.set(domain | view)
    viewer, _ = Group.objects.get_or_create(name=VIEWER)
    viewer.permissions.set(view)
