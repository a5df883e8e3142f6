"""Filters and ordering of the dossier lists (django-filter): what officials and citizens narrow lists by."""

from datetime import UTC

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from ..constants import Channel, Status
from ..models import Dossier
from ..selectors import due_soon_bound, queue_labels, queues


def queue_choices() -> list[tuple[str, str]]:
    """The dashboard's queues (``dossiers.selectors.queues``): one definition for the back office and the API; an
    official's "Received here for other agencies" among them (it answered 400)."""
    return queue_labels()


class InstantField(IsoDateTimeField):
    """An ISO 8601 date-time as an instant in UTC: any offset Python reads (up to ±23:59) is a well-defined moment,
    though PostgreSQL stores offsets only up to ±15:59; a moment outside the calendar is a validation error."""

    def to_python(self, value):
        try:
            moment = super().to_python(value)
            return moment.astimezone(UTC) if moment is not None else None
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class DossierFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, help_text="One or more status codes")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    procedure = django_filters.CharFilter(field_name="procedure__code", help_text="National procedure code")
    agency = django_filters.CharFilter(field_name="agency__code", help_text="Agency electronic code")
    code = django_filters.CharFilter(field_name="code", lookup_expr="startswith", help_text="Beginning of the code")
    submitted_after = InstantFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = InstantFilter(field_name="submitted_at", lookup_expr="lt")
    due_before = InstantFilter(field_name="due_at", lookup_expr="lt")
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
        queue = next((q for q in queues(self.request.user, now, bound) if q.key == value), None)
        return queryset.none() if queue is None else queryset.filter(queue.condition)  # not one of the user's
