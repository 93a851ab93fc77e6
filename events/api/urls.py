from django.urls import path
from rest_framework.routers import DefaultRouter

from events.api import views

router = DefaultRouter()
router.register("countries", views.CountryViewSet, basename="country")
router.register("sectors", views.SectorViewSet, basename="sector")
router.register("officials", views.OfficialViewSet, basename="official")
router.register("trips", views.TripViewSet, basename="trip")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("events", views.EventViewSet, basename="event")
router.register("sources", views.SourceViewSet, basename="source")
router.register("deletions", views.DeletionViewSet, basename="deletion")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    *router.urls,
]
