"""Filters and ordering of the dossier lists (django-filter): what officials and citizens narrow lists by."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..admin_views import due_soon_bound, queues
from ..constants import Channel, Status
from ..models import Dossier


def queue_choices() -> list[tuple[str, str]]:
    """The dashboard's queues (``dossiers.admin_views.queues``): one definition for the back office and the API."""
    now = timezone.now()
    return [(queue.key, queue.label) for queue in queues(None, now, now)]


class DossierFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, help_text="One or more status codes")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    procedure = django_filters.CharFilter(field_name="procedure__code", help_text="National procedure code")
    agency = django_filters.CharFilter(field_name="agency__code", help_text="Agency electronic code")
    code = django_filters.CharFilter(field_name="code", lookup_expr="startswith", help_text="Beginning of the code")
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    queue = django_filters.ChoiceFilter(
        choices=queue_choices,
        method="filter_queue",
        help_text="A queue of the back-office dashboard (see /queues/)",
    )
    ordering = django_filters.OrderingFilter(
        fields=(("submitted_at", "submitted_at"), ("due_at", "due_at"), ("code", "code"), ("status", "status")),
        label=_("Order by"),
    )

    class Meta:
        model = Dossier
        fields = []

    def filter_queue(self, queryset, name: str, value: str):
        now = timezone.now()
        bound = due_soon_bound(now) if value == "due_soon" else now
        queue = next(q for q in queues(self.request.user, now, bound) if q.key == value)
        return queryset.filter(queue.condition)
