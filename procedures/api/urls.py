from rest_framework.routers import DefaultRouter

from .views import AgencyViewSet, FieldViewSet, ProcedureViewSet

router = DefaultRouter()
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("fields", FieldViewSet, basename="field")

app_name = "v1"
urlpatterns = router.urls
