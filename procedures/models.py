"""The catalogue: agencies, fields, administrative procedures and everything a level-1 page must show."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.model_fields import JSONField
from portal.money import vnd
from portal.text import fold

from .constants import (
    ONLINE_SUBMISSION_LEVEL,
    TEMPLATE_DOWNLOAD_LEVEL,
    AdministrativeLevel,
    Channel,
    FeeKind,
    ServiceLevel,
)
from .eforms import validate_spec
from .kinds import PaperKind

AGENCY_CODE_PATTERN = r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}"  # also the first part of a dossier code (dossiers.codes)
AGENCY_CODE_VALIDATOR = RegexValidator(
    rf"^{AGENCY_CODE_PATTERN}$",
    _("An agency code looks like 000.00.12.H56 (Decision 20/2020/QĐ-TTg)."),
)
PROCEDURE_CODE_VALIDATOR = RegexValidator(
    r"^\d\.\d{6}(\.[A-Z0-9]+)?$",
    _("A procedure code looks like 1.001193 or, localised, 2.002622.H56."),
)


class Agency(models.Model):
    """A receiving / implementing agency with its electronic code (e.g. ``000.00.12.H56``)."""

    code = models.CharField(_("electronic code"), max_length=16, unique=True, validators=[AGENCY_CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=255)
    level = models.PositiveSmallIntegerField(_("administrative level"), choices=AdministrativeLevel)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Two-tier local government (Decree 118/2025/NĐ-CP): the province's and the communes' one-stop centres receive
    # dossiers for procedures of any agency of the province ("phi địa giới hành chính"), see procedures/routing.py.
    receives_dossiers = models.BooleanField(
        _("one-stop centre"),
        default=False,
        help_text=_(
            "Receives dossiers for the procedures of other agencies of the province (intake regardless of "
            "administrative boundary) and sends them to the competent agency."
        ),
    )
    ward_code = models.CharField(
        _("commune or ward code"),
        max_length=8,
        blank=True,
        help_text=_("The commune's or ward's code in the official list of administrative units (2025)."),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name


class Field(models.Model):
    """A field of administration (``lĩnh vực``), e.g. Hộ tịch."""

    code = models.CharField(_("code"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LegalDocument(models.Model):
    """A legal instrument cited as legal basis (``căn cứ pháp lý``); shared between procedures."""

    number = models.CharField(_("number"), max_length=64, unique=True)
    title = models.TextField(_("title"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issuer = models.CharField(_("issuer"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ["-issued_on", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ProcedureQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Procedure(models.Model):
    """An administrative procedure (``thủ tục hành chính``) as in the national procedures database."""

    code = models.CharField(_("national code"), max_length=32, unique=True, validators=[PROCEDURE_CODE_VALIDATOR])
    name = models.TextField(_("name"))
    field = models.ForeignKey(
        Field, verbose_name=_("field"), null=True, blank=True, on_delete=models.PROTECT, related_name="procedures"
    )
    at_province = models.BooleanField(_("province level"), default=False)
    at_district = models.BooleanField(_("district level"), default=False)
    at_commune = models.BooleanField(_("commune level"), default=False)
    # A record still published at district level (before 1 July 2025): imported, flagged, and given the level of
    # its ``DistrictRule`` (``at_district`` keeps what the record said; the pages never offer it).
    district_legacy = models.BooleanField(
        _("published at district level"),
        default=False,
        help_text=_("The national record still says “Cấp huyện”; its level here comes from the district rules."),
    )
    result_kind = models.CharField(
        _("result is a"),
        max_length=32,
        choices=PaperKind,
        blank=True,
        help_text=_("The kind of paper the result is, so citizens can reuse it; blank: recognised from the name."),
    )
    any_centre = models.BooleanField(
        _("received at any one-stop centre"),
        default=True,
        help_text=_(
            "Any one-stop centre of the province may receive it and send it to the competent agency "
            "(intake regardless of administrative boundary)."
        ),
    )
    implementing_bodies = models.TextField(
        _("implementing bodies (as published)"),
        blank=True,
        help_text=_("As named in the national database, e.g. “Ủy ban nhân dân cấp xã”. One per line."),
    )
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("agencies handling it here"), blank=True, related_name="procedures"
    )
    service_level = models.PositiveSmallIntegerField(
        _("online service level"),
        choices=ServiceLevel,
        default=ServiceLevel.INFORMATION,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    processing_days = models.DecimalField(
        _("processing time (working days)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Shortest published processing time, used for deadlines."),
    )
    requirements = models.TextField(_("conditions"), blank=True)
    result = models.TextField(_("result"), blank=True)
    legal_basis = models.ManyToManyField(
        LegalDocument, verbose_name=_("legal basis"), blank=True, related_name="procedures"
    )
    source = models.TextField(_("source"), blank=True)
    unverified = JSONField(
        _("unverified fields"),
        default=list,
        blank=True,
        help_text=_("National package fields that could not be confirmed, e.g. fees set by the provincial council."),
    )
    eform = JSONField(
        _("e-form"),
        default=list,
        blank=True,
        validators=[validate_spec],
        help_text=_(
            "The declaration citizens fill in online (level 3 and 4): a list of fields, see procedures/eforms.py."
        ),
    )
    popularity = models.PositiveIntegerField(
        _("popularity"),
        default=0,
        db_index=True,
        help_text=_("Higher values are listed first among the most used procedures."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]
        indexes = [models.Index(fields=["service_level", "code"], name="procedure_level_code")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service_level__gte=1, service_level__lte=4), name="procedure_service_level_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        # A derived column, kept in step with what it is derived from wherever the row is saved.
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("procedures:detail", kwargs={"code": self.code})

    def build_search_text(self) -> str:
        """Diacritic- and case-free text the catalogue search runs against (code, name, field, result)."""
        field_name = self.field.name if self.field_id else ""
        return fold(" ".join([self.code, self.name, field_name, self.result]))

    @property
    def administrative_levels(self) -> list[AdministrativeLevel]:
        """The levels it is handled at now: province and commune (a record's "Cấp huyện" is history, kept in
        ``at_district``; its level here comes from the district rules)."""
        flags = [(self.at_province, AdministrativeLevel.PROVINCE), (self.at_commune, AdministrativeLevel.COMMUNE)]
        return [level for on, level in flags if on]

    @property
    def offers_templates(self) -> bool:
        return self.service_level >= TEMPLATE_DOWNLOAD_LEVEL

    @property
    def accepts_online_submission(self) -> bool:
        return self.service_level >= ONLINE_SUBMISSION_LEVEL

    @property
    def pays_online(self) -> bool:
        return self.service_level >= ServiceLevel.FULL


class ProcedureCase(models.Model):
    """A case (``trường hợp``) of a procedure with its own documents and steps; ``name`` empty = general."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="cases")
    name = models.TextField(_("case"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["procedure", "position"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "position"], name="procedure_case_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name or str(_("All applicants"))


class ProcessingOption(models.Model):
    """Processing time and fees for one channel (``CACHTHUCTHUCHIEN/THOIGIAN``)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="options")
    channel = models.PositiveSmallIntegerField(_("channel"), choices=Channel)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    time_value = models.DecimalField(_("processing time"), max_digits=6, decimal_places=1, null=True, blank=True)
    time_unit = models.CharField(_("unit"), max_length=64, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("processing option")
        verbose_name_plural = _("processing options")
        ordering = ["procedure", "channel", "position"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "channel", "position"], name="processing_option_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.time_value} {self.time_unit}"


class FeeItem(models.Model):
    """A fee (``phí``) or charge (``lệ phí``) in whole VND for one processing option."""

    option = models.ForeignKey(ProcessingOption, on_delete=models.CASCADE, related_name="fees")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=FeeKind, default=FeeKind.CHARGE)
    code = models.CharField(_("code"), max_length=32, blank=True)
    amount = models.PositiveBigIntegerField(_("amount (VND)"), default=0)
    description = models.TextField(_("description"), blank=True)
    # How the amount is charged (``payments.fees`` computes what a dossier owes from these):
    # per unit ("8.000 đồng/bản": times the quantity the citizen asks for) and/or only on request ("nếu có yêu
    # cầu": nothing when the quantity is 0 or missing). The quantity is the number in the e-form field named here.
    per_unit = models.BooleanField(
        _("charged per unit"), default=False, help_text=_("The amount is per copy, per page or per unit asked for.")
    )
    on_request = models.BooleanField(
        _("only if requested"),
        default=False,
        help_text=_("Charged only when the citizen asks for it (a quantity above zero in the declaration)."),
    )
    # Alternatives, not additions (``procedures.fee_terms``): a reduced rate for some people, or one case's rate.
    reduced_rate = models.BooleanField(
        _("reduced rate"),
        default=False,
        help_text=_(
            "A lower rate for the people its description names, instead of the full rate: never billed with it; "
            "the agency applies it once it has seen their proof."
        ),
    )
    case = models.ForeignKey(
        "ProcedureCase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fee_items",
        verbose_name=_("only for the case"),
        help_text=_("Billed only to dossiers of this case; empty: to every case."),
    )
    quantity_field = models.CharField(
        _("quantity from declaration field"),
        max_length=64,
        blank=True,
        help_text=_("Name of the e-form field that gives the quantity (for example “so_ban_sao”)."),
    )

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["option", "position"]
        constraints = [models.UniqueConstraint(fields=["option", "position"], name="fee_item_position_unique")]

    def __str__(self) -> str:
        return vnd(self.amount, False)

    def clean(self):
        """A case of the option's own procedure: a case of another would never be billed (the fee silently free)."""
        super().clean()
        if self.case_id and self.option_id and self.case.procedure_id != self.option.procedure_id:
            raise ValidationError({"case": _("Choose a case of this procedure.")})


def form_template_path(instance: "FormTemplate", filename: str) -> str:
    return f"form-templates/{instance.procedure.code}/{filename}"


class FormTemplate(models.Model):
    """A downloadable form template (``mẫu đơn, tờ khai``). Public information, shown from level 2."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="form_templates")
    name = models.CharField(_("name"), max_length=255)
    file = models.FileField(_("file"), upload_to=form_template_path, max_length=255, blank=True)
    is_stand_in = models.BooleanField(
        _("stand-in"),
        default=False,
        help_text=_("Generated by the portal in place of the official template; labelled as such to citizens."),
    )

    class Meta:
        verbose_name = _("form template")
        verbose_name_plural = _("form templates")
        ordering = ["procedure", "name"]
        constraints = [models.UniqueConstraint(fields=["procedure", "name"], name="form_template_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("procedures:template", kwargs={"code": self.procedure.code, "pk": self.pk})


class RequiredDocument(models.Model):
    """A document of the dossier (``thành phần hồ sơ``) for one case."""

    case = models.ForeignKey(ProcedureCase, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("code"), max_length=32, blank=True)
    name = models.TextField(_("name"))
    originals = models.PositiveSmallIntegerField(_("originals"), default=0)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    is_required = models.BooleanField(
        _("required online"),
        default=True,
        help_text=_("Whether an online dossier must include a scan of it. Conditional documents are optional."),
    )
    eform_replaces = models.BooleanField(
        _("replaced by the e-form online"),
        default=False,
        help_text=_(
            "The declaration form that the citizen fills in online takes the place of this document (for example "
            "“Tờ khai … (nộp trực tuyến)”): no scan is asked for when the procedure has an e-form."
        ),
    )
    kind = models.CharField(
        _("kind of paper"),
        max_length=32,
        choices=PaperKind,
        blank=True,
        help_text=_("Papers of the same kind can be reused from the citizen's store; blank: recognised from the name."),
    )
    replaced_by_data = models.CharField(
        _("replaced by data from"),
        max_length=32,
        blank=True,
        help_text=_(
            "A data source (dossiers.data_sources, e.g. “residence” for the population database) whose data takes the "
            "place of this paper: the citizen is not asked for it; the desk fetches the data at intake."
        ),
    )
    form_template = models.ForeignKey(
        FormTemplate,
        verbose_name=_("form template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "position"], name="required_document_unique")]

    def __str__(self) -> str:
        return self.name

    def asks_for_scan(self, procedure: "Procedure") -> bool:
        """Online, a scan is uploaded for this slot: not when ``procedure`` (the case's) has an e-form that takes
        its place, nor when the data comes from a data source at intake (``replaced_by_data``)."""
        return not (self.eform_replaces and procedure.eform) and not self.replaced_by_data

    def needs_upload(self, procedure: "Procedure") -> bool:
        """Required, and online a scan is uploaded for it: a dossier without one is not complete."""
        return self.is_required and self.asks_for_scan(procedure)


class ProcedureStep(models.Model):
    """A step of the published sequence (``trình tự thực hiện``)."""

    case = models.ForeignKey(ProcedureCase, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.TextField(_("description"))

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "position"], name="procedure_step_unique")]

    def __str__(self) -> str:
        return self.description[:80]


class CalendarDay(models.Model):
    """An exception to the Monday–Friday working week: a public holiday or day off, or a make-up working day.

    Seeded from the ``holidays`` package (lunar Tết included) and edited by administrators for the days off and
    make-up days the government announces each year.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "off", _("Public holiday or day off")
        WORKING_DAY = "work", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind, default=Kind.DAY_OFF)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class ProcessingStep(models.Model):
    """An internal step of processing a procedure (who handles it and the working hours allotted)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="processing_steps")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("step"), max_length=200)
    role = models.CharField(
        _("handled by"),
        max_length=16,
        choices=[
            ("desk", _("One-stop desk officer")),
            ("specialist", _("Specialist")),
            ("leader", _("Leader")),
            ("cashier", _("Cashier")),
        ],
    )
    hours = models.DecimalField(_("working hours allotted"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("processing step")
        verbose_name_plural = _("processing steps")
        ordering = ["procedure", "position"]
        constraints = [models.UniqueConstraint(fields=["procedure", "position"], name="processing_step_position")]

    def __str__(self) -> str:
        return self.name


class DistrictRule(models.Model):
    """Where a procedure still published at district level goes now that the district tier is gone (1 July 2025).

    One rule per field of administration, and one rule without a field for every other field; with no rule at all
    such procedures go to the commune level, where most district competences moved (Decree 118/2025/NĐ-CP).

    A record that still says "Cấp huyện" predates the reform as a whole: it is imported with ``district_legacy`` set,
    ``at_district`` keeps what it said, and its level here is its rule's alone (``at_province`` / ``at_commune``).
    Changing a rule in the back office re-assigns the flagged procedures at once; ``manage.py apply_district_rules``
    does the same after a bulk change (see procedures/services.py)."""

    field = models.OneToOneField(
        Field,
        verbose_name=_("field"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="district_rule",
        help_text=_("Leave empty for the rule that applies to every other field."),
    )
    level = models.PositiveSmallIntegerField(
        _("assigned to"),
        choices=[(AdministrativeLevel.PROVINCE, _("Province")), (AdministrativeLevel.COMMUNE, _("Commune"))],
        default=AdministrativeLevel.COMMUNE,
    )

    class Meta:
        verbose_name = _("rule for former district-level procedures")
        verbose_name_plural = _("rules for former district-level procedures")
        ordering = ["field__name"]

    def __str__(self) -> str:
        field = self.field.name if self.field_id else _("every other field")
        return f"{field} → {self.get_level_display()}"


class ProcedureGroup(models.Model):
    """Linked procedures (liên thông, Decree 63/2024/NĐ-CP): filed once with one e-form, processed as one part
    per competent agency. Defined as data; see ``dossiers/linked.py``."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    eform = JSONField(
        _("e-form"),
        default=list,
        blank=True,
        validators=[validate_spec],
        help_text=_("The one declaration for the whole group (the same format as a procedure's e-form)."),
    )
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("linked procedure group")
        verbose_name_plural = _("linked procedure groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProcedureGroupMember(models.Model):
    """One procedure of a linked group: one part of every filing, for its competent agency."""

    group = models.ForeignKey(ProcedureGroup, on_delete=models.CASCADE, related_name="members")
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="group_memberships"
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("competent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Leave empty: the receiving centre if it handles the procedure, otherwise the procedure's only agency."
        ),
    )
    needs = models.ForeignKey(
        "self",
        verbose_name=_("starts after"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needed_by",
        help_text=_("The part whose result this part needs; it starts when that part is done."),
    )
    inputs = JSONField(
        _("data received"),
        default=dict,
        blank=True,
        help_text=_(
            'Declaration fields filled from the part it needs: {"field": "result_reference" or '
            '"form:<field of that part>"}.'
        ),
    )

    class Meta:
        verbose_name = _("procedure in a group")
        verbose_name_plural = _("procedures in a group")
        ordering = ["group", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "procedure"], name="group_member_unique")]

    def __str__(self) -> str:
        return f"{self.group}: {self.procedure.code}"
