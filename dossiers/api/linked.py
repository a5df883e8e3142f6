"""Linked procedures filed once through the API (``dossiers.linked``): the same steps as the web's pages.

Start a filing of a group at a receiving centre (one draft per procedure), fill in the group's one declaration,
upload each part's scans (a paper one part gives is copied to the others that require its kind), choose how each
result comes back, and submit: the filing and every part get their codes. Every change goes through
``dossiers.linked``, so the rules, locks and history are the web's; their errors become JSON in
``portal.api_errors``. Submitting asks for ``confirm: true`` and is throttled per user, as a single draft's is.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from portal.accounts.identity import prefill_for
from portal.json_input import MultiPartParser
from procedures.eforms import EForm
from procedures.models import Agency, ProcedureGroup, RequiredDocument

from .. import linked, services
from ..forms import LinkedDeliveryForm
from ..models import DossierDocument, LinkedFiling
from .serializers import (
    DeclarationSerializer,
    DocumentSerializer,
    LinkedDeliverySerializer,
    LinkedFilingDetailSerializer,
    LinkedFilingSerializer,
    StartLinkedFilingSerializer,
    SubmitSerializer,
    UploadSerializer,
)
from .views import CitizenFilingViewSet, _answers_as_form_data, _upload_error


def _form_errors(form) -> exceptions.ValidationError:
    return exceptions.ValidationError({key: list(value) for key, value in form.errors.items()})


@extend_schema_view(
    list=extend_schema(summary="My linked filings (several procedures filed once)"),
    retrieve=extend_schema(summary="A linked filing: its declaration, every part, what is still missing"),
    create=extend_schema(
        summary="Start a linked filing of a group at a receiving centre (one draft per procedure)",
        request=StartLinkedFilingSerializer,
        responses={201: LinkedFilingDetailSerializer},
    ),
)
class LinkedFilingViewSet(CitizenFilingViewSet):
    """The citizen's linked filings: start, declare once, upload, choose how results come back, submit."""

    queryset = LinkedFiling.objects.none()  # for the schema; get_queryset() decides

    def get_queryset(self):
        if not self.request.user.is_authenticated:
            return LinkedFiling.objects.none()
        qs = LinkedFiling.objects.filter(applicant=self.request.user).select_related("group", "received_by")
        if self.action not in {"list", "retrieve", "submit"}:  # changes only while a draft
            qs = qs.filter(submitted_at__isnull=True)
        return qs.order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return LinkedFilingSerializer if self.action == "list" else LinkedFilingDetailSerializer

    def _detail(self, filing: LinkedFiling, code: int = status.HTTP_200_OK) -> Response:
        filing = LinkedFiling.objects.select_related("group", "received_by").get(pk=filing.pk)
        return Response(LinkedFilingDetailSerializer(filing, context=self.get_serializer_context()).data, status=code)

    def create(self, request):
        payload = StartLinkedFilingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        group = ProcedureGroup.objects.filter(code=data["group"], is_published=True).first()
        centre = Agency.objects.filter(code=data["received_by"], is_active=True).first()
        errors = {}
        if group is None:
            errors["group"] = [_("There are no linked procedures with this code.")]
        if centre is None:
            errors["received_by"] = [_("There is no agency with this code.")]
        if errors:
            raise exceptions.ValidationError(errors)
        cases = {}
        for member in group.members.select_related("procedure"):
            chosen = data.get("cases", {}).get(member.procedure.code)
            if chosen is not None:
                case = member.procedure.cases.filter(pk=chosen).first()
                if case is None:
                    raise exceptions.ValidationError({"cases": [_("Choose the case that applies to you.")]})
                cases[member.pk] = case
        filing = linked.start_filing(group=group, applicant=request.user, received_by=centre, cases=cases)
        return self._detail(filing, status.HTTP_201_CREATED)

    @extend_schema(summary="Delete the draft filing with every part and their files", responses={204: None})
    def destroy(self, request, id=None):
        linked.discard_filing(filing=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Fill in the group's one declaration",
        request=DeclarationSerializer,
        responses={200: LinkedFilingDetailSerializer},
    )
    @action(detail=True, methods=["put"])
    def declaration(self, request, id=None):
        filing = self.get_object()
        payload = DeclarationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        answers = _answers_as_form_data(payload.validated_data["answers"], filing.group.eform)
        form = EForm(answers, spec=filing.group.eform, identity=prefill_for(filing.applicant))
        if not form.is_valid():
            raise _form_errors(form)
        linked.save_declaration(filing=filing, data=form.to_json())
        return self._detail(filing)

    @extend_schema(
        summary="Upload the scan of one required document of one part (multipart; replaces an earlier one; copied "
        "to the other parts that require a paper of its kind)",
        request={"multipart/form-data": UploadSerializer},
        responses={201: DocumentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, id=None):
        filing = self.get_object()
        payload = UploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        parts = {part.case_id: part for part in filing.parts.all()}
        wanted = payload.validated_data["required_document"]
        slot = RequiredDocument.objects.filter(pk=wanted, case_id__in=parts).first()
        if slot is None:
            message = _("This document is not part of the chosen case.")
            raise exceptions.ValidationError({"required_document": [message]})
        try:
            document = linked.attach_document(
                filing=filing, part=parts[slot.case_id], required_document=slot, upload=payload.validated_data["file"]
            )
        except DjangoValidationError as error:
            raise _upload_error(error) from None
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove an uploaded scan (and its copies in the other parts)", request=None, responses={204: None}
    )
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<document>[0-9]{1,18})")
    def remove_document(self, request, id=None, document=None):
        filing = self.get_object()
        linked.remove_document(
            filing=filing, document=get_object_or_404(DossierDocument, pk=document, dossier__filing=filing)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Choose how each result comes back",
        request=LinkedDeliverySerializer,
        responses={200: LinkedFilingDetailSerializer},
    )
    @action(detail=True, methods=["put"])
    def delivery(self, request, id=None):
        filing = self.get_object()
        payload = LinkedDeliverySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        parts = linked.parts_of(filing)
        form_data = {"phone": data.get("phone", "")}
        form_data |= _answers_as_form_data({"address": data.get("address") or {}})
        methods = {str(key).lower(): value for key, value in data["methods"].items()}  # by part id
        for part in parts:  # a part left out keeps its way
            form_data[LinkedDeliveryForm.method_field(part)] = methods.get(str(part.public_id), part.delivery_method)
        if data.get("pay_on_delivery"):
            form_data["pay_on_delivery"] = "on"
        offers = [(part, services.delivery_methods(part.procedure)) for part in parts]
        form = LinkedDeliveryForm(form_data, offers=offers)
        if not form.is_valid():
            named = {LinkedDeliveryForm.method_field(part): f"methods.{part.public_id}" for part in parts}
            raise exceptions.ValidationError({named.get(key, key): list(value) for key, value in form.errors.items()})
        linked.choose_delivery(filing=filing, choices=form.choices())
        return self._detail(filing)

    @extend_schema(
        summary="Submit the filing: it and every part get their codes (submitting twice gives the same filing)",
        request=SubmitSerializer,
        responses={201: LinkedFilingDetailSerializer, 200: LinkedFilingDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, id=None):
        filing = self.get_object()
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data["confirm"]:
            raise exceptions.ValidationError({"confirm": [_("Tick the box to confirm your declaration.")]})
        filing, submitted = linked.submit_filing(filing=filing, by=request.user)
        return self._detail(filing, status.HTTP_201_CREATED if submitted else status.HTTP_200_OK)
