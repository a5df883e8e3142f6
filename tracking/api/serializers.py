"""Shapes of the look-up and rating API (documented in the OpenAPI schema)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dossiers import costs
from dossiers.codes import CODE_EXAMPLE

from ..models import SCORE_MAX, SCORE_MIN, OnTime, Rating
from ..services import COMMENT_MAX_LENGTH


class LookupRequestSerializer(serializers.Serializer):
    """A look-up: the dossier code, optionally the applicant's ID number, and a captcha unless a partner key is sent."""

    code = serializers.CharField(max_length=40, help_text=f"Dossier code, e.g. {CODE_EXAMPLE}")
    id_number = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="Applicant's citizen ID number: full details"
    )
    captcha_key = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="From GET /api/v1/lookup/captcha/"
    )
    captcha_value = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="The characters in the captcha picture"
    )


class CaptchaSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Send back as captcha_key")
    image_url = serializers.URLField()
    audio_url = serializers.URLField(allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    label = serializers.CharField()
    message = serializers.CharField(help_text="The agency's message to the citizen, if any")


class ShipmentSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)
    direction = serializers.CharField()


class LookupResultSerializer(serializers.Serializer):
    """A dossier as the public look-up shows it. Personal fields are null unless ``full`` is true."""

    code = serializers.CharField(source="dossier.code")
    full = serializers.BooleanField(help_text="True for the signed-in applicant or with the applicant's ID number")
    procedure_code = serializers.CharField(source="dossier.procedure.code")
    procedure_name = serializers.CharField(source="dossier.procedure.name")
    agency_code = serializers.CharField(source="dossier.agency.code")
    agency_name = serializers.CharField(source="dossier.agency.name")
    applicant_name = serializers.CharField(help_text="Masked (Nguyễn V*** A**) unless full")
    status = serializers.IntegerField(source="dossier.status", help_text="National status code, 1 to 10")
    status_label = serializers.CharField()
    status_explanation = serializers.CharField()
    submitted_at = serializers.DateTimeField(source="dossier.submitted_at")
    accepted_at = serializers.DateTimeField(source="dossier.accepted_at", allow_null=True)
    due_at = serializers.DateTimeField(source="dossier.due_at", allow_null=True)
    finished_at = serializers.DateTimeField(source="dossier.finished_at", allow_null=True)
    returned_at = serializers.DateTimeField(source="dossier.returned_at", allow_null=True)
    overdue = serializers.BooleanField()
    timeliness = serializers.CharField(source="dossier.timeliness", help_text="ahead, on_time, late or empty")
    delivery_method = serializers.CharField(source="dossier.delivery_method")
    delivery_address = serializers.SerializerMethodField()
    delivery_phone = serializers.SerializerMethodField()
    fee_total = serializers.SerializerMethodField(help_text="VND, what the dossier costs; null unless full")
    documents = serializers.ListField(
        child=serializers.CharField(), help_text="Names of the documents; empty unless full"
    )
    next_step = serializers.CharField(source="next_step.text", allow_null=True, default=None)
    timeline = TimelineEntrySerializer(many=True)
    shipments = ShipmentSerializer(many=True)
    can_rate = serializers.BooleanField()
    rated = serializers.SerializerMethodField()

    def get_delivery_address(self, result) -> str | None:
        return result.dossier.delivery_address if result.full else None

    def get_delivery_phone(self, result) -> str | None:
        return result.dossier.delivery_phone if result.full else None

    def get_fee_total(self, result) -> int | None:
        return costs.cost_of(result.dossier).total if result.full else None

    def get_rated(self, result) -> bool:
        return result.rating is not None


def _score():
    return serializers.IntegerField(min_value=SCORE_MIN, max_value=SCORE_MAX)


class RatingSerializer(serializers.ModelSerializer):
    """The applicant's rating of a returned dossier: scores from 1 (very poor) to 5 (very good)."""

    code = serializers.CharField(source="dossier.code", max_length=40, help_text="Dossier code")
    score = _score()
    on_time = serializers.ChoiceField(
        choices=OnTime.choices, help_text="Was the result on time: 5 earlier than the date, 4 on the date, 1 late"
    )
    attitude = _score()
    clarity = _score()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH, default="")

    class Meta:
        model = Rating
        fields = ["code", "score", "on_time", "attitude", "clarity", "comment", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"comment": {"help_text": _("Anything else the applicant wants to tell the agency")}}
