from django.urls import path
from rest_framework.routers import DefaultRouter

from events.api import actors, agreements, auth, deletions, events, officials, sectors, sources, trips

router = DefaultRouter()
router.register("actors", actors.ActorViewSet, basename="actor")
router.register("countries", actors.CountryViewSet, basename="country")
router.register("sectors", sectors.SectorViewSet, basename="sector")
router.register("officials", officials.OfficialViewSet, basename="official")
router.register("trips", trips.TripViewSet, basename="trip")
router.register("agreements", agreements.AgreementViewSet, basename="agreement")
router.register("events", events.EventViewSet, basename="event")
router.register("sources", sources.SourceViewSet, basename="source")
router.register("deletions", deletions.DeletionViewSet, basename="deletion")

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/token/revoke/", auth.RevokeTokenView.as_view(), name="auth-token-revoke"),
    path("auth/tokens/revoke/", auth.RevokeAllTokensView.as_view(), name="auth-tokens-revoke"),
    *router.urls,
]
