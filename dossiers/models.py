"""Dossiers (hồ sơ): what a citizen files for a procedure, the scans attached to it and its timeline."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.model_fields import JSONField
from procedures.kinds import PaperKind

from .constants import (
    TERMINAL_STATUSES,
    Channel,
    DeliveryMethod,
    DigitisationExemption,
    DocumentKind,
    NoticeKind,
    Stage,
    Status,
    Timeliness,
)
from .events import DossierAction


def document_path(instance: "DossierDocument", filename: str) -> str:
    # The citizen's file name is never used on disk: a random name, the extension from the sniffed type.
    extension = {DocumentKind.PDF: "pdf", DocumentKind.JPEG: "jpg", DocumentKind.PNG: "png"}[instance.content_type]
    return f"dossiers/{instance.dossier.public_id}/{uuid.uuid4().hex}.{extension}"


def issued_path(instance, filename: str) -> str:
    """Files the agency issues or attaches, next to the dossier's (for a dossier, a notice or an event)."""
    dossier = instance if isinstance(instance, Dossier) else instance.dossier
    return f"dossiers/{dossier.public_id}/issued/{uuid.uuid4().hex}.pdf"


class DossierCodeCounter(models.Model):
    """The last sequence number given out per receiving agency per day (``<agency>-<YYMMDD>-<NNNN>``)."""

    agency = models.ForeignKey("procedures.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossier_code_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class LinkedFiling(models.Model):
    """Linked procedures filed once (``procedures.ProcedureGroup``): one code for the citizen, one dossier per part
    (``Dossier.filing``), each with its own competent agency, status, due date and result. See ``linked.py``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("filing code"), max_length=32, unique=True, null=True, blank=True, editable=False)
    group = models.ForeignKey(
        "procedures.ProcedureGroup", verbose_name=_("linked procedures"), on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="filings"
    )
    received_by = models.ForeignKey(
        "procedures.Agency", verbose_name=_("receiving centre"), on_delete=models.PROTECT, related_name="+"
    )
    form_data = JSONField(_("declaration"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("linked filing")
        verbose_name_plural = _("linked filings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code or f"{_('Draft')} {self.public_id}"


class DossierQuerySet(models.QuerySet):
    def submitted(self):
        return self.exclude(status=Status.DRAFT)


class Dossier(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("dossier code"), max_length=32, unique=True, null=True, blank=True, editable=False)
    procedure = models.ForeignKey(
        "procedures.Procedure", verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers"
    )
    case = models.ForeignKey(
        "procedures.ProcedureCase",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    # The competent agency processes the dossier (its queue); the receiving centre did intake and may hand the
    # result back (intake regardless of boundary, Decree 118/2025). Usually the same agency. ``portal.access`` and
    # ``procedures.routing`` hold the rules.
    agency = models.ForeignKey(
        "procedures.Agency", verbose_name=_("competent agency"), on_delete=models.PROTECT, related_name="dossiers"
    )
    received_by = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("receiving centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_dossiers",
    )
    # A part of a linked filing, and the part whose result it needs before it can start.
    filing = models.ForeignKey(
        LinkedFiling,
        verbose_name=_("linked filing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
    )
    needs = models.ForeignKey(
        "self",
        verbose_name=_("starts after"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needed_by",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="dossiers"
    )
    status = models.PositiveSmallIntegerField(_("status"), choices=Status, default=Status.DRAFT, db_index=True)
    form_data = JSONField(_("declaration"), default=dict, blank=True)
    channel = models.CharField(_("received"), max_length=8, choices=Channel, default=Channel.ONLINE)
    delivery_method = models.CharField(
        _("result delivery"), max_length=8, choices=DeliveryMethod, default=DeliveryMethod.OFFICE
    )
    delivery_address = models.TextField(_("delivery address"), blank=True)
    # The postal address as structured data (province and ward codes from the official list, street): the postal
    # fee's zone and the address label come from it. ``delivery_address`` keeps the same address as one line.
    delivery_place = JSONField(_("delivery address (structured)"), default=dict, blank=True)
    delivery_phone = models.CharField(_("phone for delivery"), max_length=16, blank=True)
    # By post only: the citizen pays what is owed to the postman on delivery (BCCI collect-on-delivery, "thu hộ").
    pay_on_delivery = models.BooleanField(_("pay the postman on delivery"), default=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    receipt = models.FileField(_("receipt"), upload_to=issued_path, max_length=255, blank=True)
    # Processing inside the agency
    version = models.PositiveIntegerField(default=0, editable=False)  # bumped by every transition
    stage = models.CharField(_("stage"), max_length=16, choices=Stage, blank=True, default=Stage.NONE)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_dossiers",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    paused_from = models.PositiveSmallIntegerField(_("paused from status"), choices=Status, null=True, blank=True)
    supplement_deadline = models.DateTimeField(_("supplement deadline"), null=True, blank=True)
    supplement_request = models.TextField(_("what is missing"), blank=True)
    apology_issued_at = models.DateTimeField(_("apology issued"), null=True, blank=True)
    finished_at = models.DateTimeField(_("result ready"), null=True, blank=True)
    timeliness = models.CharField(_("timeliness"), max_length=8, choices=Timeliness, blank=True)
    result_file = models.FileField(_("result"), upload_to=issued_path, max_length=255, blank=True)
    # When the result file was signed (the leader's signature and the agency's seal, or the seal on a scan); empty
    # for an unsigned result (signing off) or none.
    result_signed_at = models.DateTimeField(_("result signed"), null=True, blank=True)
    result_reference = models.CharField(
        _("result number"), max_length=64, blank=True, help_text=_("The number of the document issued, if any.")
    )
    returned_at = models.DateTimeField(_("result returned"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="dossier_applicant_created"),
            models.Index(fields=["agency", "status"], name="dossier_agency_status"),
            models.Index(fields=["received_by", "status"], name="dossier_received_status"),
            # Public statistics: dossiers received per period, per agency and per procedure.
            models.Index(fields=["submitted_at"], name="dossier_submitted"),
            models.Index(fields=["agency", "submitted_at"], name="dossier_agency_submitted"),
            models.Index(fields=["procedure", "submitted_at"], name="dossier_procedure_submitted"),
            models.Index(fields=["finished_at"], name="dossier_finished"),  # timeliness by period
            models.Index(fields=["agency", "finished_at"], name="dossier_agency_finished"),
            models.Index(fields=["delivery_phone"], name="dossier_delivery_phone"),  # the back office's search
            # The issued-documents sweep: submitted dossiers whose receipt is not stored yet (a handful at most).
            models.Index(
                fields=["submitted_at"],
                name="dossier_receipt_missing",
                condition=Q(receipt="") & ~Q(status=Status.DRAFT),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(code__isnull=False, submitted_at__isnull=False),
                name="dossier_submitted_has_code",
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"{_('Draft')} {self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("dossiers:detail", kwargs={"public_id": self.public_id})

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_being_registered(self) -> bool:
        """A paper dossier the desk is still registering: the citizen sees it, the desk completes it."""
        return self.status == Status.DRAFT and self.channel == Channel.COUNTER

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    # What the pages ask of the status, by name (templates never compare status numbers).
    @property
    def is_awaiting_intake(self) -> bool:
        return self.status == Status.SUBMITTED

    @property
    def is_awaiting_supplement(self) -> bool:
        return self.status == Status.SUPPLEMENT_REQUESTED

    @property
    def is_returned(self) -> bool:
        return self.status == Status.RETURNED

    @property
    def is_done(self) -> bool:
        """Its result is ready or handed over (a linked part that others wait for may let them start)."""
        return self.status in (Status.RESULT_READY, Status.RETURNED)

    @property
    def is_waiting(self) -> bool:
        """A linked part waiting for the part whose result it needs."""
        return bool(self.needs_id) and self.status == Status.SUBMITTED and not self.needs.is_done

    @property
    def receiving_centre(self):
        return self.received_by or self.agency

    @property
    def is_routed(self) -> bool:
        """Received by one centre, processed by another agency."""
        return bool(self.received_by_id) and self.received_by_id != self.agency_id


class DossierDocument(models.Model):
    """One scan per required document of the chosen case; at the counter, or a paper exempt from digitisation."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    required_document = models.ForeignKey(
        "procedures.RequiredDocument", on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    file = models.FileField(_("file"), upload_to=document_path, max_length=255, blank=True)
    original_name = models.CharField(_("file name as uploaded"), max_length=255, blank=True)
    content_type = models.CharField(_("type"), max_length=32, choices=DocumentKind, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    # Scanned by the desk at intake (Circular 03/2025/TT-VPCP), or not digitised for one of its legal reasons.
    scanned_at_intake = models.BooleanField(_("digitised at intake"), default=False)
    exemption = models.CharField(_("not digitised because"), max_length=16, choices=DigitisationExemption, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # Reused from the citizen's store (a copy of the stored file): where it came from, kept when the store row goes.
    reused_from = models.ForeignKey(
        "StoredDocument",
        verbose_name=_("reused from the citizen's store"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reuses",
    )
    reused_from_dossier = models.CharField(_("reused from dossier"), max_length=40, blank=True)
    # Given for another part of the same linked filing and copied here (``linked``: a paper asked for once).
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from another procedure of the filing"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        ordering = ["required_document__position"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "required_document"], name="dossier_document_one_per_slot"),
            models.CheckConstraint(
                condition=(~Q(file="") & Q(exemption="")) | (Q(file="") & ~Q(exemption="")),
                name="dossier_document_file_or_exemption",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("dossiers:document", kwargs={"public_id": self.dossier.public_id, "pk": self.pk})


class ReplacedDocument(models.Model):
    """A paper the agency had, replaced or removed while the dossier was back with the citizen for a supplement: the
    file is kept, so the record shows what was filed first and what came back (``services.drop_document``)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="replaced_documents")
    required_document = models.ForeignKey(
        "procedures.RequiredDocument", on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("file name as uploaded"), max_length=255, blank=True)
    content_type = models.CharField(_("type"), max_length=32, choices=DocumentKind)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    replaced_at = models.DateTimeField(_("replaced"), auto_now_add=True)

    class Meta:
        verbose_name = _("replaced document")
        verbose_name_plural = _("replaced documents")
        ordering = ["replaced_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class DossierEvent(models.Model):
    """The timeline: one append-only row per action (the audit log)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32, choices=DossierAction, default=DossierAction.SUBMIT)
    from_status = models.PositiveSmallIntegerField(_("from status"), choices=Status, null=True, blank=True)
    to_status = models.PositiveSmallIntegerField(_("to status"), choices=Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("internal note"), blank=True)
    public_note = models.TextField(_("message to the citizen"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to=issued_path, max_length=255, blank=True)
    # The action's own data (``events.DossierChange``): the amount asked for, the postal tracking number.
    data = JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.from_status} → {self.to_status}"


class DossierStep(models.Model):
    """One internal step as it happened: who handled it, when it started and ended, and its own deadline."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(_("step"), max_length=200)
    role = models.CharField(_("handled by (role)"), max_length=16)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("processing step")
        verbose_name_plural = _("processing steps")
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def on_time(self) -> bool | None:
        if self.due_at is None or self.finished_at is None:
            return None
        return self.finished_at <= self.due_at


class DossierNotice(models.Model):
    """A document the agency issued for the dossier (forms 01–05, result notice); the PDF is rendered once."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=2, choices=NoticeKind)
    event = models.ForeignKey(DossierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="notices")
    data = JSONField(default=dict, blank=True)  # what the notice says, fixed at the time of issue
    file = models.FileField(_("file"), upload_to=issued_path, max_length=255, blank=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("issued notice")
        verbose_name_plural = _("issued notices")
        ordering = ["issued_at", "pk"]
        # The issued-documents sweep: notices whose PDF is not stored yet.
        indexes = [models.Index(fields=["issued_at"], name="notice_file_missing", condition=Q(file=""))]

    def __str__(self) -> str:
        return self.get_kind_display()


def stored_path(instance: "StoredDocument", filename: str) -> str:
    extension = {DocumentKind.PDF: "pdf", DocumentKind.JPEG: "jpg", DocumentKind.PNG: "png"}[instance.content_type]
    return f"store/{instance.owner_id}/{uuid.uuid4().hex}.{extension}"


class StoredOrigin(models.TextChoices):
    UPLOAD = "upload", _("Uploaded with a dossier")
    RESULT = "result", _("Result issued")


class StoredDocument(models.Model):
    """The citizen's document store (kho dữ liệu): a paper they gave or a result issued to them, with its kind and
    the dossier it came from, offered again ("dùng lại") when a later filing asks for the same kind. Its file is its
    own copy: deleting it never touches a dossier, and a dossier never depends on it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="stored_documents"
    )
    kind = models.CharField(_("kind of paper"), max_length=32, choices=PaperKind, blank=True)  # blank: not reusable
    title = models.CharField(_("title"), max_length=255)
    origin = models.CharField(_("origin"), max_length=8, choices=StoredOrigin)
    origin_dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("from dossier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stored_documents",
    )
    origin_code = models.CharField(_("from dossier"), max_length=40, blank=True)
    file = models.FileField(_("file"), upload_to=stored_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("type"), max_length=32, choices=DocumentKind)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("stored"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored document")
        verbose_name_plural = _("stored documents")
        ordering = ["-created_at"]
        constraints = [
            # The same paper (same content, same kind) is stored once per citizen.
            models.UniqueConstraint(fields=["owner", "kind", "sha256"], name="stored_document_once_per_owner"),
        ]
        indexes = [models.Index(fields=["owner", "kind"], name="stored_document_owner_kind")]

    def __str__(self) -> str:
        return self.title


class FetchResult(models.TextChoices):
    FOUND = "found", _("Data found")
    NOT_FOUND = "not_found", _("Nothing found")
    FAILED = "failed", _("Source not answering")


class DataFetch(models.Model):
    """A fetch of the data that replaces a required document (``RequiredDocument.replaced_by_data``), made at intake
    through a data source adapter (dossiers/data_sources.py): what was asked, what came back, who asked and when."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="data_fetches")
    required_document = models.ForeignKey(
        "procedures.RequiredDocument", on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    source = models.CharField(_("data source"), max_length=32)
    result = models.CharField(_("result"), max_length=16, choices=FetchResult)
    data = JSONField(_("data"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("fetched by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    fetched_at = models.DateTimeField(_("fetched"), auto_now_add=True)

    class Meta:
        verbose_name = _("data fetch")
        verbose_name_plural = _("data fetches")
        ordering = ["fetched_at"]

    def __str__(self) -> str:
        return f"{self.source}: {self.result}"
