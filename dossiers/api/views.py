"""The dossiers API: citizens file and follow their own dossiers, officials work their agency's.

Every change goes through the same service functions as the web pages and the back office
(``dossiers.services`` while filing, ``dossiers.processing`` afterwards), so the rules, locks and history rows are
the same; their errors become JSON answers in ``portal.api_errors``. Lists are paginated, filtered and ordered
(``filters.DossierFilter``) in a constant number of queries.

Submitting: the web form asks citizens for a captcha, which tells a person from a script. An API client is a
program by nature, so instead it must be authenticated as the applicant (a session, or a token obtained with the
password: sign-in attempts are throttled and locked out like the web's), must send ``confirm: true`` (the same
declaration the web form's tick box makes), and is throttled per user (``api_submit`` rate).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal import access
from portal.accounts.identity import prefill_for
from portal.accounts.models import User
from portal.json_input import MultiPartParser
from portal.page_cache import official_data
from procedures.eforms import EForm
from procedures.models import Agency, Procedure, ProcedureCase, RequiredDocument

from .. import processing, services
from ..constants import Status
from ..forms import DeliveryForm
from ..models import Dossier, DossierDocument, DossierEvent
from ..selectors import cached_queue_counts, due_soon_bound, queues, queues_version
from ..workflow import ACTIONS, InvalidTransition
from .filters import DossierFilter
from .serializers import (
    ActionSerializer,
    CitizenDossierDetailSerializer,
    DeclarationSerializer,
    DeliverySerializer,
    DocumentSerializer,
    DossierDetailSerializer,
    DossierSerializer,
    DraftDetailSerializer,
    DraftSerializer,
    QueueSerializer,
    StartDraftSerializer,
    SubmitSerializer,
    SupplementSerializer,
    UploadSerializer,
)

# Which inputs each action takes from the request (the rest of its arguments come from the dossier and user).
ACTION_INPUTS = {
    "accept": [],
    "refuse": ["reason"],
    "request_supplement": ["missing", "days"],
    "assign": ["handler"],
    "forward": ["handler", "note"],
    "submit_for_approval": ["leader", "note"],
    "request_payment": ["amount", "note"],
    "payment_received": ["note"],
    "approve": ["note"],
    "recall": ["reason"],
    "return_result": ["note"],
    "stop": ["reason"],
    "withdraw": ["reason"],
    "apologise": ["new_due_at", "reason"],
}
# Inputs without which the action cannot be taken at all (400 with the field named, before anything changes).
ACTION_REQUIRED = {
    "assign": ["handler"],
    "forward": ["handler"],
    "submit_for_approval": ["leader"],
    "apologise": ["new_due_at"],
}


class IsOfficial(permissions.BasePermission):
    message = _("Only officials of an agency can do this.")

    def has_permission(self, request, view) -> bool:
        return access.is_official_or_superuser(request.user)


def submitted_dossiers(user: User):
    """A citizen's own submitted dossiers; an official's agency's (as the back office's dossier list)."""
    return access.submitted(Dossier.objects.all(), user)


def with_details(queryset):
    """What a dossier's detail shows, in a fixed number of queries."""
    return (
        queryset.select_related("procedure", "agency", "received_by", "handler")
        .prefetch_related(
            Prefetch("events", queryset=DossierEvent.objects.select_related("actor")),
            Prefetch("documents", queryset=DossierDocument.objects.select_related("required_document")),
        )
        .order_by("-submitted_at", "-pk")
    )


def _upload_error(error: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError({"file": error.messages})


def _attach(dossier: Dossier, data: dict) -> DossierDocument:
    slot = RequiredDocument.objects.filter(pk=data["required_document"], case_id=dossier.case_id).first()
    if slot is None:
        raise exceptions.ValidationError({"required_document": [_("This document is not part of the chosen case.")]})
    try:
        return services.attach_document(dossier=dossier, required_document=slot, upload=data["file"])
    except DjangoValidationError as error:
        raise _upload_error(error) from None


@extend_schema_view(
    list=extend_schema(summary="Dossiers: a citizen's own, an official's agency's (filtered, ordered, paginated)"),
    retrieve=extend_schema(
        summary="A dossier with its documents and timeline",
        responses={200: DossierDetailSerializer},
    ),
)
class DossierViewSet(viewsets.ReadOnlyModelViewSet):
    """Submitted dossiers the caller may see: a citizen their own, an official their agency's."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = Dossier.objects.none()  # for the schema; get_queryset() decides
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.\-]+"
    filter_backends = [DjangoFilterBackend]
    filterset_class = DossierFilter

    def get_queryset(self):
        qs = submitted_dossiers(self.request.user)
        if self.action != "list":
            return with_details(qs)
        return qs.select_related("procedure", "agency", "received_by", "handler").order_by("-submitted_at", "-pk")

    def list(self, request, *args, **kwargs):
        # An official's list is kept for them while their agency's queues are unchanged, like the back office's queue.
        data = official_data(
            request,
            queues_version,
            "api-dossiers",
            lambda: super(DossierViewSet, self).list(request, *args, **kwargs).data,
        )
        return Response(data)

    def get_serializer_class(self):
        if self.action == "list":
            return DossierSerializer
        official = getattr(self.request.user, "is_official", False)
        return DossierDetailSerializer if official else CitizenDossierDetailSerializer

    def _detail(self, dossier: Dossier) -> Response:
        dossier = self.get_queryset().get(pk=dossier.pk)
        return Response(self.get_serializer_class()(dossier, context=self.get_serializer_context()).data)

    def _own(self) -> Dossier:
        dossier = self.get_object()
        if dossier.applicant_id != self.request.user.pk:
            raise exceptions.PermissionDenied(_("Only the applicant can do this."))
        return dossier

    @extend_schema(
        summary="Take a back-office action (officials); 409 when not allowed now or someone acted first",
        request=ActionSerializer,
        responses={200: DossierDetailSerializer},
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[*ACTION_INPUTS])],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    def act(self, request, code=None, name=None):
        if name not in ACTION_INPUTS:
            raise Http404
        dossier = self.get_object()
        # Who may act comes first: a caller who may not act learns nothing about the arguments.
        act = ACTIONS[name]
        access.ensure_may_act(request.user, dossier, roles=act.roles, error=InvalidTransition, action_label=act.label)
        payload = ActionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        missing = [key for key in ACTION_REQUIRED.get(name, ()) if key not in data]
        if missing:
            raise exceptions.ValidationError({key: [_("This field is required.")] for key in missing})
        kwargs = {key: data[key] for key in ACTION_INPUTS[name] if key in data}
        for key in ("handler", "leader"):
            if key in kwargs:
                kwargs[key] = User.objects.filter(username=kwargs[key]).first()
        for key in ("reason", "missing"):
            if key in ACTION_INPUTS[name]:
                kwargs.setdefault(key, "")
        if name == "request_payment":
            kwargs.setdefault("amount", 0)
        getattr(processing, name)(
            dossier=dossier, by=request.user, expected_version=data.get("expected_version"), **kwargs
        )
        return self._detail(dossier)

    @extend_schema(
        summary="Upload a scan while a supplement is requested (the applicant; multipart, checked by content)",
        request={"multipart/form-data": UploadSerializer},
        responses={201: DocumentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser], url_path="documents")
    def supplement_documents(self, request, code=None):
        dossier = self._own()
        if dossier.status != Status.SUPPLEMENT_REQUESTED:
            raise services.DossierError(_("This dossier has been submitted and can no longer be changed."))
        payload = UploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        document = _attach(dossier, payload.validated_data)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send the supplement the agency asked for (the applicant)",
        request=SupplementSerializer,
        responses={200: CitizenDossierDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def supplement(self, request, code=None):
        dossier = self._own()
        payload = SupplementSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        processing.supplement(dossier=dossier, by=request.user, note=payload.validated_data.get("note", ""))
        return self._detail(dossier)


class QueuesView(APIView):
    """The back-office dashboard's queues with their counts, for the official's agency (one query)."""

    permission_classes = [IsOfficial]

    @extend_schema(summary="Work queues of the official's agency", responses={200: QueueSerializer(many=True)})
    def get(self, request):
        now = timezone.now()
        bound = due_soon_bound(now)
        counts = cached_queue_counts(submitted_dossiers(request.user), request.user, now, bound, scope="api")
        rows = [{"key": q.key, "label": q.label, "count": counts[q.key]} for q in queues(request.user, now, bound)]
        return Response(QueueSerializer(rows, many=True).data)


def _answers_as_form_data(answers: dict, spec: list[dict] | None = None) -> dict:
    """JSON answers in the shape the e-form's widgets post (an address object becomes its three inputs). An address
    given as text is refused by name (``spec``: the declaration's fields): it read as "This field is required"."""
    addresses = {item.get("name") for item in spec or () if item.get("type") == "address"}
    wrong = {
        name: [_('Give the address as an object: {"province": code, "ward": code, "street": text}.')]
        for name, value in answers.items()
        if name in addresses and value not in (None, "") and not isinstance(value, dict)
    }
    if wrong:
        raise exceptions.ValidationError(wrong)
    data = {}
    for name, value in answers.items():
        if isinstance(value, dict):
            for part in ("province", "ward", "street"):
                item = value.get(part, value.get(f"{part}_code", ""))
                data[f"{name}_{part}"] = "" if item is None else str(item)
        elif isinstance(value, bool | int | float):
            data[name] = str(value)
        elif isinstance(value, str):
            data[name] = value
    return data


class CitizenFilingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What a citizen files through the API, by its public id: a draft (``DraftViewSet``) or linked procedures
    (``dossiers.api.linked``). An id that is no id is a 404; submitting is throttled per user."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[0-9a-fA-F\-]{32,36}"

    def get_object(self):
        try:
            return super().get_object()
        except (DjangoValidationError, ValueError):
            raise Http404 from None

    def get_throttles(self):
        if self.action == "submit":
            self.throttle_scope = "api_submit"
            return [ScopedRateThrottle()]
        return super().get_throttles()


@extend_schema_view(
    list=extend_schema(summary="My drafts"),
    retrieve=extend_schema(summary="A draft: declaration, documents, delivery, what is still missing"),
    create=extend_schema(
        summary="Start a draft for a level 3–4 procedure",
        request=StartDraftSerializer,
        responses={201: DraftDetailSerializer},
    ),
)
class DraftViewSet(CitizenFilingViewSet):
    """The citizen's drafts: start, declare, upload scans, choose delivery, submit (as the web's filing flow)."""

    queryset = Dossier.objects.none()  # for the schema; get_queryset() decides

    def get_queryset(self):
        if not self.request.user.is_authenticated:
            return Dossier.objects.none()
        # Parts of linked procedures are filled in together on the filing's pages (``dossiers.linked``), not here.
        qs = Dossier.objects.filter(applicant=self.request.user, filing__isnull=True)
        if self.action != "submit":  # submitting again answers with the dossier already submitted
            qs = qs.filter(status=Status.DRAFT)
        qs = qs.select_related("procedure", "agency", "received_by", "case").order_by("-created_at", "-pk")
        return self._for_detail(qs) if self.action == "retrieve" else qs

    @staticmethod
    def _for_detail(qs):
        """What the draft's detail shows, fetched once: only for the answer (an action that changes the draft
        reads it without, then answers through ``_detail``)."""
        return qs.prefetch_related(
            "case__documents",
            Prefetch("documents", queryset=DossierDocument.objects.select_related("required_document")),
        )

    def get_serializer_class(self):
        return DraftSerializer if self.action == "list" else DraftDetailSerializer

    def _detail(self, dossier: Dossier, code: int = status.HTTP_200_OK) -> Response:
        dossier = self._for_detail(self.get_queryset()).get(pk=dossier.pk)
        return Response(DraftDetailSerializer(dossier, context=self.get_serializer_context()).data, status=code)

    def create(self, request):
        payload = StartDraftSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        procedure = Procedure.objects.published().filter(code=data["procedure"]).first()
        agency = Agency.objects.filter(code=data["agency"], is_active=True).first()
        received_by = None
        errors = {}
        if procedure is None:
            errors["procedure"] = [_("There is no published procedure with this code.")]
        if agency is None:
            errors["agency"] = [_("There is no agency with this code.")]
        if data.get("received_by"):
            received_by = Agency.objects.filter(code=data["received_by"], is_active=True).first()
            if received_by is None:
                errors["received_by"] = [_("There is no agency with this code.")]
        if errors:
            raise exceptions.ValidationError(errors)
        case = None
        if "case" in data:
            case = ProcedureCase.objects.filter(pk=data["case"], procedure=procedure).first()
            if case is None:
                raise exceptions.ValidationError({"case": [_("Choose the case that applies to you.")]})
        dossier = services.start_draft(
            procedure=procedure, applicant=request.user, agency=agency, case=case, received_by=received_by
        )
        return self._detail(dossier, status.HTTP_201_CREATED)

    @extend_schema(summary="Delete the draft with its files (nothing has been sent)", responses={204: None})
    def destroy(self, request, id=None):
        services.discard_draft(dossier=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Fill in the declaration", request=DeclarationSerializer, responses={200: DraftDetailSerializer}
    )
    @action(detail=True, methods=["put"])
    def declaration(self, request, id=None):
        dossier = self.get_object()
        payload = DeclarationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        form = EForm(
            _answers_as_form_data(payload.validated_data["answers"], dossier.procedure.eform),
            spec=dossier.procedure.eform,
            identity=prefill_for(dossier.applicant),  # verified identity fields keep the provider's values
        )
        if not form.is_valid():
            raise exceptions.ValidationError({key: list(value) for key, value in form.errors.items()})
        services.save_declaration(dossier=dossier, data=form.to_json())
        return self._detail(dossier)

    @extend_schema(
        summary="Upload the scan of one required document (multipart; replaces an earlier one)",
        request={"multipart/form-data": UploadSerializer},
        responses={201: DocumentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, id=None):
        dossier = self.get_object()
        payload = UploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        document = _attach(dossier, payload.validated_data)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove an uploaded scan", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<document>[0-9]{1,18})")
    def remove_document(self, request, id=None, document=None):
        dossier = self.get_object()
        services.remove_document(document=get_object_or_404(DossierDocument, pk=document, dossier=dossier))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Choose how to receive the result", request=DeliverySerializer, responses={200: DraftDetailSerializer}
    )
    @action(detail=True, methods=["put"])
    def delivery(self, request, id=None):
        dossier = self.get_object()
        payload = DeliverySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        form_data = {"method": data["method"], "phone": data.get("phone", "")}
        form_data |= _answers_as_form_data({"address": data.get("address") or {}})
        if data.get("pay_on_delivery"):
            form_data["pay_on_delivery"] = "on"
        form = DeliveryForm(form_data, methods=services.delivery_methods(dossier.procedure))
        if not form.is_valid():
            raise exceptions.ValidationError({key: list(value) for key, value in form.errors.items()})
        services.choose_delivery(dossier=dossier, **form.choice())
        return self._detail(dossier)

    @extend_schema(
        summary="Submit the draft: it gets its dossier code (submitting twice gives the same dossier)",
        request=SubmitSerializer,
        responses={201: CitizenDossierDetailSerializer, 200: CitizenDossierDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, id=None):
        dossier = self.get_object()
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data["confirm"]:
            raise exceptions.ValidationError({"confirm": [_("Tick the box to confirm your declaration.")]})
        dossier, submitted = services.submit_dossier(dossier=dossier, by=request.user)
        dossier = with_details(Dossier.objects.filter(pk=dossier.pk)).get()
        return Response(
            CitizenDossierDetailSerializer(dossier).data,
            status=status.HTTP_201_CREATED if submitted else status.HTTP_200_OK,
        )
