from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found

from apikit import replicas
from apikit.middleware import database_unavailable_response, not_found_response

_migrated = False  # once every migration is applied, this process need not look again


@never_cache
def health(request):
    """Liveness: the process answers. It reads no database: a lost database is a reason to wait (readiness),
    not to restart the app."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    """Readiness: the primary answers and has every migration applied (503 with Retry-After otherwise); the
    replicas' state is reported, and a replica's trouble does not make the app unready (the primary serves)."""
    body = {"status": "ok", "database": "ok", "pending_migrations": [], "replicas": {}}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["pending_migrations"] = pending_migrations()
    except DatabaseError:
        return database_unavailable_response(request, extra={"database": "unavailable"})
    for alias in replicas.replica_aliases():
        state = replicas.status(alias)
        if state is None:
            body["replicas"][alias] = {"status": "unavailable"}
            continue
        usable = state["in_recovery"] and state["lag_seconds"] <= settings.DATABASE_REPLICA_MAX_LAG
        body["replicas"][alias] = {
            "status": "ok" if usable else ("behind" if state["in_recovery"] else "not_in_recovery"),
            "lag_seconds": round(state["lag_seconds"], 3),
        }
    if body["pending_migrations"]:
        body["status"] = "migrations_pending"
        response = JsonResponse(body, status=503)
        response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER)
        return response
    return JsonResponse(body)


def pending_migrations() -> list[str]:
    global _migrated
    if _migrated:
        return []
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    _migrated = not pending
    return pending


def not_found(request, exception=None):
    """404 for URLs that match no route: JSON under /api/ (like every other API error), HTML elsewhere."""
    if request.path.startswith("/api/"):
        return not_found_response()
    return page_not_found(request, exception)
