from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.dates import in_calendar
from portal.money import VndSerializerField
from procedures.models import RequiredDocument

from .. import costs, linked
from ..constants import DeliveryMethod
from ..models import Dossier, DossierDocument, DossierEvent, LinkedFiling
from ..selectors import is_overdue
from ..services import delivery_methods, missing_parts


class DossierEventSerializer(serializers.ModelSerializer):
    # Not read-only only so that the schema may call it optional: the applicant's timeline leaves it out (below)
    actor = serializers.CharField(
        source="actor.full_name", required=False, allow_null=True, help_text="Officials only; null for the portal"
    )

    class Meta:
        model = DossierEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "public_note", "created_at"]


class CitizenEventSerializer(DossierEventSerializer):
    """The timeline as the applicant sees it: no internal notes, no officials' names."""

    class Meta(DossierEventSerializer.Meta):
        fields = ["action", "from_status", "to_status", "public_note", "created_at"]


class DocumentSerializer(serializers.ModelSerializer):
    required_document = serializers.PrimaryKeyRelatedField(read_only=True)
    name = serializers.CharField(source="required_document.name", read_only=True)

    class Meta:
        model = DossierDocument
        fields = [
            "id",
            "required_document",
            "name",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "pages",
            "scanned_at_intake",
            "exemption",
            "uploaded_at",
        ]
        extra_kwargs = {
            "pages": {"help_text": "Pages of a paper scanned at the counter"},
            "exemption": {"help_text": "Why a paper received at the counter was not digitised (then there is no file)"},
        }


class CostLineSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="fee, charge, postal or other")
    description = serializers.CharField()
    unit_amount = serializers.IntegerField(help_text="VND")
    quantity = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="VND: unit_amount × quantity")
    exempt = serializers.BooleanField()
    exemption_reason = serializers.CharField()


class CostSerializer(serializers.Serializer):
    """What the dossier costs (``dossiers.costs``): billed once submitted, else a quote."""

    lines = CostLineSerializer(many=True, help_text="The charged lines")
    total = serializers.IntegerField(help_text="VND: the lines' amounts less exemptions")
    paid = serializers.IntegerField(help_text="VND")
    owed = serializers.IntegerField(help_text="VND: still to pay")
    refunded = serializers.IntegerField(help_text="VND: of what was paid, paid back")
    refunding = serializers.IntegerField(help_text="VND: of what was paid, being paid back")
    billed = serializers.BooleanField(help_text="true: what the dossier was billed; false: a quote")


class DossierSerializer(serializers.ModelSerializer):
    procedure_code = serializers.CharField(source="procedure.code", read_only=True)
    procedure_name = serializers.CharField(source="procedure.name", read_only=True)
    agency_code = serializers.CharField(source="agency.code", read_only=True, help_text="The competent agency")
    received_by_code = serializers.CharField(
        source="receiving_centre.code", read_only=True, help_text="The one-stop centre that received the dossier"
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    handler = serializers.CharField(source="handler.username", default=None, allow_null=True, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure_code",
            "procedure_name",
            "agency_code",
            "received_by_code",
            "channel",
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
            "delivery_method",
        ]

    def get_overdue(self, dossier: Dossier) -> bool:
        return is_overdue(dossier)


class IssuedDownloadSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="The issued document's kind (dossiers.receipt, dossiers.notice, payments.receipt) or result"
    )
    name = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    signed = serializers.BooleanField(help_text="Carries the agency's seal or the leader's signature (PAdES)")
    url = serializers.URLField(help_text="Download (the same access rules as the dossier)")


class DossierDetailSerializer(DossierSerializer):
    events = DossierEventSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    cost = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()
    result_signed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the electronic result was signed"
    )

    class Meta(DossierSerializer.Meta):
        fields = [
            *DossierSerializer.Meta.fields,
            "cost",
            "form_data",
            "supplement_request",
            "supplement_deadline",
            "documents",
            "events",
            "result_signed_at",
            "downloads",
        ]

    @extend_schema_field(IssuedDownloadSerializer(many=True))
    def get_downloads(self, dossier: Dossier):
        """What the caller may download: every document issued for the dossier (``portal.issued``: the receipt, the
        notices, payment receipts), and the result once it is theirs."""
        from portal import issued

        from ..views import _result_available

        request = self.context.get("request")

        def absolute(path: str) -> str:
            return request.build_absolute_uri(path) if request else path

        rows = [
            {
                "kind": download.kind,
                "name": download.name,
                "issued_at": download.issued_at,
                "signed": download.signed,
                "url": absolute(download.path),
            }
            for download in issued.downloads_for(dossier)
        ]
        if request is not None and _result_available(dossier, request.user):
            rows.append(
                {
                    "kind": "result",
                    "name": str(_("Result")),
                    "issued_at": dossier.finished_at,
                    "signed": dossier.result_signed_at is not None,
                    "url": absolute(reverse("dossiers:result", kwargs={"public_id": dossier.public_id})),
                }
            )
        return IssuedDownloadSerializer(rows, many=True).data

    @extend_schema_field(CostSerializer)
    def get_cost(self, dossier: Dossier):
        return CostSerializer(costs.cost_of(dossier)).data


class CitizenDossierDetailSerializer(DossierDetailSerializer):
    events = CitizenEventSerializer(many=True, read_only=True)


class ActionSerializer(serializers.Serializer):
    """Inputs of a back-office action; each action reads the ones it needs."""

    expected_version = serializers.IntegerField(required=False, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    missing = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    days = serializers.IntegerField(required=False, min_value=1, max_value=60)
    handler = serializers.CharField(required=False, max_length=150, help_text="Username of the official")
    leader = serializers.CharField(required=False, max_length=150, help_text="Username of the leader")
    amount = VndSerializerField(required=False, min_value=1, max_value=10**12)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    new_due_at = serializers.DateTimeField(required=False, validators=[in_calendar])


class QueueSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Use as ?queue= on /dossiers/")
    label = serializers.CharField()
    count = serializers.IntegerField()


# --- Citizens: drafts, documents, supplements ---------------------------------------------------------------


class DocumentSlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequiredDocument
        fields = ["id", "name", "originals", "copies", "is_required", "eform_replaces"]


class DraftSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    procedure_code = serializers.CharField(source="procedure.code", read_only=True)
    procedure_name = serializers.CharField(source="procedure.name", read_only=True)
    agency_code = serializers.CharField(source="agency.code", read_only=True)
    received_by_code = serializers.CharField(source="receiving_centre.code", read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "id",
            "procedure_code",
            "procedure_name",
            "agency_code",
            "received_by_code",
            "delivery_method",
            "created_at",
            "updated_at",
        ]


class DraftDetailSerializer(DraftSerializer):
    case = serializers.CharField(source="case.name", default="", read_only=True)
    declaration_spec = serializers.JSONField(source="procedure.eform", read_only=True)
    required_documents = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    delivery_methods = serializers.SerializerMethodField()
    fees = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()

    class Meta(DraftSerializer.Meta):
        fields = [
            *DraftSerializer.Meta.fields,
            "case",
            "declaration_spec",
            "form_data",
            "required_documents",
            "documents",
            "delivery_methods",
            "delivery_address",
            "delivery_phone",
            "pay_on_delivery",
            "fees",
            "cost",
            "missing",
        ]

    @extend_schema_field(DocumentSlotSerializer(many=True))
    def get_required_documents(self, dossier: Dossier):
        slots = dossier.case.documents.all() if dossier.case else []
        return DocumentSlotSerializer(slots, many=True).data

    def get_delivery_methods(self, dossier: Dossier) -> list[str]:
        return [str(method) for method in delivery_methods(dossier.procedure)]

    def _quote(self, dossier: Dossier) -> costs.Cost:
        """The quote, computed once per draft for both fields that show it."""
        quotes = self.__dict__.setdefault("_quotes", {})
        if dossier.pk not in quotes:
            quotes[dossier.pk] = costs.quote(dossier)
        return quotes[dossier.pk]

    def get_fees(self, dossier: Dossier) -> int:
        """The quote's total, in VND (the same as ``cost.total``)."""
        return self._quote(dossier).total

    @extend_schema_field(CostSerializer)
    def get_cost(self, dossier: Dossier):
        return CostSerializer(self._quote(dossier)).data

    def get_missing(self, dossier: Dossier) -> list[str]:
        return missing_parts(dossier)


class StartDraftSerializer(serializers.Serializer):
    procedure = serializers.CharField(max_length=32, help_text="National code of a level 3–4 procedure")
    agency = serializers.CharField(max_length=16, help_text="Electronic code of the competent agency")
    received_by = serializers.CharField(
        max_length=16,
        required=False,
        help_text="Electronic code of the one-stop centre that receives the dossier (any centre of the province "
        "for procedures received regardless of boundary); by default the competent agency",
    )
    case = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text="Case id; may be left out when there is only one"
    )


class DeclarationSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text="Answers by field name (see declaration_spec). An address is an object "
        '{"province": "38", "ward": "Hạc Thành", "street": "12 Lê Lợi"}.',
    )


class UploadSerializer(serializers.Serializer):
    required_document = serializers.IntegerField(min_value=1, max_value=2**62)
    file = serializers.FileField(help_text="PDF, JPEG or PNG, checked by content")


class _PostalSerializer(serializers.Serializer):
    """Where results go by post (``forms._PostalDetails``)."""

    address = serializers.DictField(
        required=False,
        child=serializers.CharField(allow_blank=True, max_length=200),
        help_text='By post only: {"province": "38", "ward": "Hạc Thành", "street": "12 Lê Lợi"}',
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="By post only")
    pay_on_delivery = serializers.BooleanField(
        required=False,
        default=False,
        help_text="By post only: pay the fees and the postal fee to the postman on delivery (collect-on-delivery)",
    )


class DeliverySerializer(_PostalSerializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.choices)


class LinkedDeliverySerializer(_PostalSerializer):
    methods = serializers.DictField(
        child=serializers.ChoiceField(choices=DeliveryMethod.choices),
        help_text="How each part's result comes back, by part id (a part left out keeps its way; only the "
        "part's delivery_methods are accepted); one postal address for all the results sent by post",
    )


# --- Linked procedures filed once (dossiers.linked) -----------------------------------------------------------------


class LinkedPartSerializer(DraftDetailSerializer):
    """One procedure of a linked filing: its agency, case, documents, way of receiving the result and cost."""

    code = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.CharField(source="get_status_display", read_only=True)

    class Meta(DraftDetailSerializer.Meta):
        fields = [
            field
            for field in [*DraftDetailSerializer.Meta.fields, "code", "status"]
            if field not in {"declaration_spec", "form_data", "missing"}
        ]


class LinkedFilingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    group = serializers.CharField(source="group.code", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)
    received_by_code = serializers.CharField(source="received_by.code", read_only=True)
    code = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = LinkedFiling
        fields = ["id", "group", "group_name", "received_by_code", "code", "submitted_at", "created_at"]


class LinkedFilingDetailSerializer(LinkedFilingSerializer):
    declaration_spec = serializers.JSONField(source="group.eform", read_only=True)
    parts = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()

    class Meta(LinkedFilingSerializer.Meta):
        fields = [*LinkedFilingSerializer.Meta.fields, "declaration_spec", "form_data", "parts", "missing"]

    @extend_schema_field(LinkedPartSerializer(many=True))
    def get_parts(self, filing: LinkedFiling):
        return LinkedPartSerializer(linked.parts_of(filing), many=True, context=self.context).data

    def get_missing(self, filing: LinkedFiling) -> list[str]:
        return linked.missing_parts(filing) if filing.submitted_at is None else []


class StartLinkedFilingSerializer(serializers.Serializer):
    group = serializers.CharField(max_length=64, help_text="Code of a group of linked procedures")
    received_by = serializers.CharField(
        max_length=16, help_text="Electronic code of the one-stop centre that receives every procedure of the group"
    )
    cases = serializers.DictField(
        required=False,
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        help_text="Case id by procedure code, for each procedure that has several cases",
    )


class SubmitSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="Must be true: the applicant declares the information true and is responsible for it."
    )


class SupplementSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
