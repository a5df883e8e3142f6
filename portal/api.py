"""The JSON API, version 1: one router for every app's resources, plus tokens, queues and statistics."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from dossiers.api.linked import LinkedFilingViewSet
from dossiers.api.views import DossierViewSet, DraftViewSet, QueuesView
from procedures.api.views import AgencyViewSet, FieldViewSet, ProcedureViewSet
from reports.api.views import StatisticsView
from tracking.api.views import LookupViewSet, RatingViewSet

from .api_auth import MeView, ObtainTokenView, RevokeAllTokensView, RevokeTokenView
from .signing.views import TrustAnchorsView

router = DefaultRouter()
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("fields", FieldViewSet, basename="field")
router.register("dossiers", DossierViewSet, basename="dossier")
router.register("drafts", DraftViewSet, basename="draft")
router.register("linked-filings", LinkedFilingViewSet, basename="linked-filing")
router.register("lookup", LookupViewSet, basename="lookup")
router.register("ratings", RatingViewSet, basename="rating")

app_name = "v1"
urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="token"),
    path("auth/token/revoke/", RevokeTokenView.as_view(), name="token-revoke"),
    path("auth/token/revoke-all/", RevokeAllTokensView.as_view(), name="token-revoke-all"),
    path("auth/me/", MeView.as_view(), name="me"),
    path("queues/", QueuesView.as_view(), name="queues"),
    path("statistics/", StatisticsView.as_view(), name="statistics"),
    path("signing/trust-anchors/", TrustAnchorsView.as_view(), name="signing-trust-anchors"),
    *router.urls,
]
