from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.page_cache import public_page

from ..forms import StatisticsFilterForm
from ..selectors import statistics, statistics_page_seconds, statistics_page_version
from .serializers import StatisticsSerializer


class StatisticsView(APIView):
    """Public statistics: procedures by service level, dossiers received (by channel, receiving centre and competent
    agency), digitisation at intake and electronic results, timeliness, satisfaction."""

    permission_classes = [permissions.AllowAny]

    @classmethod
    def as_view(cls, **initkwargs):
        # The same figures for every anonymous client: the JSON is kept like the statistics page.
        return public_page(
            statistics_page_version,
            content_types=("application/json",),
            seconds=statistics_page_seconds,
            params=("date_from", "date_to", "agency", "format"),
        )(super().as_view(**initkwargs))

    @extend_schema(
        summary="Public statistics",
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (default: 12 months ago)"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day, inclusive (default: today)"),
            OpenApiParameter(
                "agency",
                OpenApiTypes.STR,
                description="Agency electronic code: intake figures of its desk, processing figures of its dossiers",
            ),
        ],
        responses={200: StatisticsSerializer},
    )
    def get(self, request):
        form = StatisticsFilterForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({key: list(value) for key, value in form.errors.items()})
        return Response(StatisticsSerializer(statistics(form.filters())).data)
