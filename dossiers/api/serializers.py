from django.utils import timezone
from rest_framework import serializers

from ..constants import Status
from ..models import Dossier, DossierEvent

OPEN_STATUSES = {Status.ACCEPTED, Status.PROCESSING, Status.PAYMENT_REQUESTED}


class DossierEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.full_name", default="", read_only=True)

    class Meta:
        model = DossierEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "public_note", "created_at"]


class DossierSerializer(serializers.ModelSerializer):
    procedure_code = serializers.CharField(source="procedure.code", read_only=True)
    procedure_name = serializers.CharField(source="procedure.name", read_only=True)
    agency_code = serializers.CharField(source="agency.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    handler = serializers.CharField(source="handler.username", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure_code",
            "procedure_name",
            "agency_code",
            "status",
            "status_label",
            "stage",
            "version",
            "handler",
            "submitted_at",
            "accepted_at",
            "due_at",
            "finished_at",
            "timeliness",
            "overdue",
            "fee_total",
            "delivery_method",
        ]

    def get_overdue(self, dossier: Dossier) -> bool:
        return bool(dossier.due_at and dossier.status in OPEN_STATUSES and dossier.due_at < timezone.now())


class DossierDetailSerializer(DossierSerializer):
    events = DossierEventSerializer(many=True, read_only=True)

    class Meta(DossierSerializer.Meta):
        fields = [*DossierSerializer.Meta.fields, "supplement_request", "supplement_deadline", "events"]


class ActionSerializer(serializers.Serializer):
    """Inputs of a back-office action; each action reads the ones it needs."""

    expected_version = serializers.IntegerField(required=False, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    missing = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    days = serializers.IntegerField(required=False, min_value=1, max_value=60)
    handler = serializers.CharField(required=False, help_text="Username of the official")
    leader = serializers.CharField(required=False, help_text="Username of the leader")
    amount = serializers.IntegerField(required=False, min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    new_due_at = serializers.DateTimeField(required=False)
