from django.db import connection
from django.http import JsonResponse
from django.views.defaults import page_not_found

from apikit.middleware import not_found_response


def health(request):
    """Liveness and database check for load balancers and the compose health check."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None):
    """404 for URLs that match no route: JSON under /api/ (like every other API error), HTML elsewhere."""
    if request.path.startswith("/api/"):
        return not_found_response()
    return page_not_found(request, exception)
