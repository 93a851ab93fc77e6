from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from events.views import health

admin.site.site_header = "Diplomatic event database"
admin.site.site_title = "Diplomatic event database"
admin.site.index_title = "Curation"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]
