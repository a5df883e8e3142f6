"""The portal's URLs plus the floor: a bare Django view to compare each measured page with."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.template import engines
from django.urls import include, path

from dossiers.models import Dossier

TEMPLATE = engines["django"].from_string(
    "<!doctype html><html lang=vi><title>floor</title><p>{{ count }} {% for row in rows %}{{ row }} {% endfor %}"
)


def floor(request, queries: int):
    """As little as Django can do while running ``queries`` indexed queries: primary-key look-ups of dossiers."""
    table = Dossier._meta.db_table
    rows = []
    with connection.cursor() as cursor:
        for number in range(queries):
            cursor.execute(f"SELECT id, status FROM {table} WHERE id = %s", [number + 1])  # noqa: S608 - our table
            rows.extend(cursor.fetchall())
    return HttpResponse(TEMPLATE.render({"count": queries, "rows": rows}))


def floor_json(request):
    """Floor (a): a JSON answer with no database at all, through the whole middleware stack."""
    return JsonResponse({"status": "ok", "items": [1, 2, 3]})


handler400 = "portal.views.bad_request"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

urlpatterns = [
    path("_floor/json/", floor_json),
    path("_floor/<int:queries>/", floor),
    path("", include("portal.urls")),
]
