"""The JSON API, version 1: one router for every app's resources."""

from rest_framework.routers import DefaultRouter

from dossiers.api.views import DossierViewSet
from procedures.api.views import AgencyViewSet, FieldViewSet, ProcedureViewSet

router = DefaultRouter()
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("fields", FieldViewSet, basename="field")
router.register("dossiers", DossierViewSet, basename="dossier")

app_name = "v1"
urlpatterns = router.urls
