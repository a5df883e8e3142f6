from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from portal.page_cache import public_page
from portal.params import number

from ..constants import CURRENT_LEVELS, ServiceLevel
from ..models import Agency, Field, Procedure
from ..selectors import CatalogueFilters, catalogue_version, procedure_detail, search_procedures
from .serializers import AgencySerializer, FieldSerializer, ProcedureDetailSerializer, ProcedureListSerializer

API_PARAMS = ("q", "agency", "field", "level", "service_level", "page", "page_size", "format")


def _int_param(request, name: str, allowed) -> int | None:
    value = number(request.query_params.get(name))
    return value if value in allowed else None


@extend_schema_view(
    list=extend_schema(
        summary="Search the catalogue",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Words to find, with or without diacritics"),
            OpenApiParameter("agency", OpenApiTypes.STR, description="Agency electronic code"),
            OpenApiParameter("field", OpenApiTypes.INT, description="Field id"),
            OpenApiParameter(
                "level",
                OpenApiTypes.INT,
                enum=[level.value for level in CURRENT_LEVELS],
                description="Administrative level: 1 province, 3 commune",
            ),
            OpenApiParameter("service_level", OpenApiTypes.INT, enum=ServiceLevel.values),
        ],
    ),
    retrieve=extend_schema(summary="A procedure with documents, fees, steps and legal basis"),
)
class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.]+"
    queryset = Procedure.objects.none()

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # The catalogue is the same for every anonymous client: its JSON is kept like the public pages.
        return public_page(catalogue_version, content_types=("application/json",), params=API_PARAMS)(
            super().as_view(actions, **initkwargs)
        )

    def get_serializer_class(self):
        return ProcedureDetailSerializer if self.action == "retrieve" else ProcedureListSerializer

    def get_queryset(self):
        params = self.request.query_params
        field_id = number(params.get("field"))
        return search_procedures(
            CatalogueFilters(
                q=params.get("q", "")[:200],
                agency=Agency.objects.filter(code=params.get("agency", "")).first() if params.get("agency") else None,
                field=Field.objects.filter(pk=field_id).first() if field_id else None,
                administrative_level=_int_param(self.request, "level", [level.value for level in CURRENT_LEVELS]),
                service_level=_int_param(self.request, "service_level", ServiceLevel.values),
            )
        )

    def get_object(self):
        try:
            return procedure_detail(self.kwargs["code"])
        except Procedure.DoesNotExist:
            raise Http404 from None


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Z.]+"
    serializer_class = AgencySerializer
    queryset = Agency.objects.filter(is_active=True).select_related("parent")


class FieldViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FieldSerializer
    queryset = Field.objects.all()
