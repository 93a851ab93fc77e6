from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from events.views import health, not_found, ready

admin.site.site_header = "Diplomatic event database"
admin.site.site_title = "Diplomatic event database"
admin.site.index_title = "Curation"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("readyz", ready, name="ready"),
    path("api/v1/", include("events.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="apikit/redoc.html"),
        name="redoc",
    ),
]

if settings.METRICS_ENABLED:
    from apikit.metrics import metrics

    urlpatterns.append(path("metrics", metrics, name="prometheus-metrics"))

handler404 = not_found
handler500 = "apikit.middleware.server_error"
