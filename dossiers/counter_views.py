"""Counter intake in the back office: the pages of ``dossiers.counter``, one per step, working without JavaScript.

1. the citizen, found by CCCD or recorded without an account;
2. the procedure, its case and the competent agency (what the centre may receive, ``procedures.routing``);
3. the declaration (the procedure's e-form);
4. the documents: the pages of each scanned into one PDF, or the reason it is not digitised;
5. the checklist, then accept, ask for a supplement or refuse.

Only a desk officer (or the agency administrator) of the centre may open them (``counter.ensure_desk``); a draft
registered at another centre is a 403.
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.accounts.identity import identity_summary, prefill_for
from portal.accounts.services import (
    citizen_record,
    find_citizen,
    find_or_create_citizen_record,
    id_number_self_declared,
    send_set_password_link,
)
from portal.collation import vietnamese
from portal.errors import AccessDenied, DomainError, FileStoreUnavailable
from portal.params import number
from procedures import routing
from procedures.eforms import EForm, display_answers
from procedures.models import PROCEDURE_CODE_VALIDATOR, Procedure, ProcedureGroup

from . import costs, counter, linked, services, store
from .admin_views import admin_url
from .constants import Channel, DeliveryMethod, Status
from .counter_forms import (
    CitizenLookupForm,
    CitizenRecordForm,
    ExemptionForm,
    FilingSupplementForm,
    ProcedureForm,
    RefuseForm,
    SupplementForm,
    clean_id_number,
)
from .forms import DeliveryForm, LinkedDeliveryForm
from .linked_views import LinkedStartForm
from .models import Dossier, LinkedFiling, StoredDocument
from .views import add_refusal

STEPS = [
    ("citizen", gettext_lazy("Citizen")),
    ("procedure", gettext_lazy("Procedure")),
    ("declaration", gettext_lazy("Declaration")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Check and decide")),
]


def _context(request, model_admin, title: str, step: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "steps": [(key, str(label)) for key, label in STEPS],
        "step": step,
        "start_url": admin_url(model_admin, "counter"),
        "dashboard_url": admin_url(model_admin, "dashboard"),
        **extra,
    }


def _draft(request, model_admin, object_id: int) -> Dossier:
    """The counter draft of the official's centre; 403 for another centre's."""
    centre = counter.ensure_desk(request.user)
    queryset = Dossier.objects.select_related("procedure", "agency", "received_by", "case", "applicant")
    dossier = get_object_or_404(queryset, pk=object_id, channel=Channel.COUNTER)
    if dossier.received_by_id != centre.pk:
        raise AccessDenied(_("This dossier is being registered at another counter."))
    return dossier


def _registered(model_admin, dossier: Dossier):
    """A draft already filed: its page in the back office."""
    return redirect(admin_url(model_admin, "change", dossier.pk))


def _step_urls(model_admin, dossier: Dossier) -> dict:
    """A part of linked procedures is declared and decided with the others, on its filing's pages."""
    if dossier.filing_id:
        return {
            "declaration_url": admin_url(model_admin, "counter_filing_declaration", dossier.filing_id),
            "documents_url": admin_url(model_admin, "counter_documents", dossier.pk),
            "review_url": admin_url(model_admin, "counter_filing", dossier.filing_id),
            "filing_url": admin_url(model_admin, "counter_filing", dossier.filing_id),
        }
    return {
        "declaration_url": admin_url(model_admin, "counter_declaration", dossier.pk),
        "documents_url": admin_url(model_admin, "counter_documents", dossier.pk),
        "review_url": admin_url(model_admin, "counter_review", dossier.pk),
    }


# --- 1. The citizen -----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def start(request, model_admin):
    """Find the citizen by CCCD; record one who has no record yet."""
    centre = counter.ensure_desk(request.user)
    finding = request.method == "POST" and "find" in request.POST  # the CCCD is posted, never in the address
    lookup = CitizenLookupForm(request.POST if finding else None)
    citizen, record_form, status = None, None, 200
    if request.method == "POST" and not finding:
        record_form = CitizenRecordForm(request.POST)
        if record_form.is_valid():
            data = record_form.cleaned_data
            try:
                citizen, _created = find_or_create_citizen_record(
                    id_number=data["id_number"], full_name=data["full_name"], phone=data["phone"], email=data["email"]
                )
            except ValidationError as error:
                _add_errors(record_form, error)
            else:
                return redirect(_procedure_url(model_admin, citizen))
        lookup = CitizenLookupForm(initial={"id_number": request.POST.get("id_number", "")})
        status = 400
    elif lookup.is_valid():
        citizen = find_citizen(lookup.cleaned_data["id_number"])
        if citizen is None:
            record_form = CitizenRecordForm(initial={"id_number": lookup.cleaned_data["id_number"]})
    elif lookup.is_bound:
        status = 400
    else:
        citizen = _citizen_at_desk(request)  # back from a later step, or from the e-mail of a link
    context = _context(
        request,
        model_admin,
        _("Register a paper dossier"),
        "citizen",
        centre=centre,
        lookup=lookup,
        citizen=citizen,
        verified_identity=identity_summary(citizen),
        self_declared=id_number_self_declared(citizen),
        identity_source=settings.OIDC_PROVIDER_NAME,
        record_form=record_form,
        procedure_url=_procedure_url(model_admin, citizen) if citizen else "",
        claim_url=admin_url(model_admin, "counter_claim"),
        drafts=_drafts(request, model_admin),
    )
    return TemplateResponse(request, "admin/dossiers/counter_start.html", context, status=status)


def _drafts(request, model_admin) -> list[dict]:
    """The paper dossiers and linked procedures being registered at this counter, newest first."""
    dossiers = counter.drafts(request.user).filter(filing__isnull=True).select_related("procedure", "applicant")
    filings = counter.filing_drafts(request.user).select_related("group", "applicant")
    rows = [
        {"applicant": d.applicant, "what": d.procedure.name, "created_at": d.created_at,
         "url": admin_url(model_admin, "counter_review", d.pk)}
        for d in dossiers.order_by("-created_at")[:20]
    ] + [
        {"applicant": f.applicant, "what": f.group.name, "created_at": f.created_at,
         "url": admin_url(model_admin, "counter_filing", f.pk)}
        for f in filings.order_by("-created_at")[:20]
    ]  # fmt: skip
    return sorted(rows, key=lambda row: row["created_at"], reverse=True)[:20]


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


CITIZEN_REFERENCE_SALT = "dossiers.counter.citizen"
CITIZEN_REFERENCE_SECONDS = 12 * 3600  # a desk's working day


def citizen_reference(citizen) -> str:
    """The citizen found at step 1 as the next steps' addresses name them: a signed reference to their record,
    never their CCCD (addresses are written to access logs and browser history, and the CCCD is personal data,
    Decree 13/2023/NĐ-CP), nor a bare record number (counting through the numbers would list every citizen's
    identity). It expires after a working day."""
    return signing.dumps(citizen.pk, salt=CITIZEN_REFERENCE_SALT)


def _citizen_query(citizen) -> str:
    return urlencode({"citizen": citizen_reference(citizen)})


def _citizen_at_desk(request):
    """The citizen a step of the desk is for: the CCCD its own form posts, or the signed reference in its address."""
    if request.method == "POST":
        try:
            return find_citizen(clean_id_number(request.POST.get("id_number", "")))
        except ValidationError:
            return None
    try:
        pk = signing.loads(
            request.GET.get("citizen", ""), salt=CITIZEN_REFERENCE_SALT, max_age=CITIZEN_REFERENCE_SECONDS
        )
    except signing.BadSignature:  # tampered, expired or missing
        return None
    return citizen_record(pk if isinstance(pk, int) else None)


def _procedure_url(model_admin, citizen) -> str:
    return f"{admin_url(model_admin, 'counter_procedure')}?{_citizen_query(citizen)}"


@require_http_methods(["POST"])
def claim(request, model_admin):
    """Send the citizen standing at the desk a link to set a password for their record (the e-mail they give)."""
    counter.ensure_desk(request.user)
    try:
        id_number = clean_id_number(request.POST.get("id_number", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(admin_url(model_admin, "counter"))
    citizen = find_citizen(id_number)
    if citizen is None:
        messages.error(request, _("No citizen has this ID number."))
        return redirect(admin_url(model_admin, "counter"))
    try:
        send_set_password_link(user=citizen, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A link to set a password was sent to %(email)s.") % {"email": citizen.email})
    return redirect(f"{admin_url(model_admin, 'counter')}?{_citizen_query(citizen)}")


# --- 2. The procedure ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def procedure(request, model_admin):
    centre = counter.ensure_desk(request.user)
    citizen = _citizen_at_desk(request)
    if citizen is None:
        messages.error(request, _("Find the citizen by their ID number first."))
        return redirect(admin_url(model_admin, "counter"))
    id_number = citizen.id_number  # the form posts it back
    procedures = counter.receivable_procedures(centre).only("code", "name")
    chosen, status = None, 200
    if request.method == "POST":
        code = " ".join(request.POST.get("procedure", "").split())
        try:
            PROCEDURE_CODE_VALIDATOR(code)
        except ValidationError:  # not a code (a NUL would reach PostgreSQL): the form says what is wrong
            chosen = None
        else:
            chosen = Procedure.objects.published().filter(code=code).first()
    form = ProcedureForm(request.POST or None, procedures=procedures, chosen=chosen, initial={"id_number": id_number})
    if request.method == "POST" and form.is_valid():
        if chosen is None:
            form.add_error("procedure", _("No published procedure has this code."))
        elif not routing.may_receive(centre, chosen):
            form.add_error("procedure", str(_cannot_receive(centre, chosen)))
        else:
            case = form.cleaned_data["case"]
            agency = form.cleaned_data["agency"] or routing.competent_for(chosen, centre)
            cases = list(chosen.cases.all())
            if case is None and len(cases) == 1:
                case = cases[0]
            if case is not None and agency is not None:
                try:
                    dossier = counter.start(
                        by=request.user, applicant=citizen, procedure=chosen, case=case, agency=agency
                    )
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    urls = _step_urls(model_admin, dossier)
                    return redirect(urls["declaration_url"] if chosen.eform else urls["documents_url"])
            elif "choose" in request.POST:  # the second round: the case or agency was left out
                if case is None:
                    form.add_error("case", _("Choose the case that applies to the citizen."))
                if agency is None:
                    form.add_error("agency", _("Choose the agency that will process the dossier."))
            if not form.errors:
                default = routing.competent_for(chosen, centre)
                form = ProcedureForm(
                    initial={"id_number": id_number, "procedure": chosen.code, "agency": default, "case": case},
                    procedures=procedures,
                    chosen=chosen,
                )
    if form.errors:
        status = 400
    groups = ProcedureGroup.objects.filter(is_published=True).order_by(vietnamese("name"))
    query = _citizen_query(citizen)
    context = _context(
        request,
        model_admin,
        _("Register a paper dossier: the procedure"),
        "procedure",
        citizen=citizen,
        form=form,
        chosen=chosen,
        centre=centre,
        groups=[
            (group, f"{admin_url(model_admin, 'counter_linked_start', group.code)}?{query}")
            for group in groups
            if linked.may_receive_group(centre, group)
        ],
    )
    return TemplateResponse(request, "admin/dossiers/counter_procedure.html", context, status=status)


def _cannot_receive(centre, procedure) -> str:
    try:
        routing.ensure_may_receive(centre, procedure)
    except routing.RoutingError as error:
        return error.message
    return ""


# --- 3. The declaration -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def declaration(request, model_admin, object_id: int):
    dossier = _draft(request, model_admin, object_id)
    if dossier.status != Status.DRAFT:
        return _registered(model_admin, dossier)
    spec = dossier.procedure.eform
    urls = _step_urls(model_admin, dossier)
    if dossier.filing_id:  # linked procedures have one declaration, on their filing's page
        return redirect(urls["declaration_url"])
    if not spec:
        return redirect(urls["documents_url"])
    status = 200
    if request.method == "POST":
        form = EForm(request.POST, spec=spec, identity=prefill_for(dossier.applicant))
        if form.is_valid():
            counter.save_declaration(dossier=dossier, by=request.user, data=form.to_json())
            return redirect(urls["documents_url"])
        status = 400
    else:
        form = EForm(initial=dossier.form_data, spec=spec, identity=prefill_for(dossier.applicant))
    context = _context(
        request, model_admin, _("Register a paper dossier: the declaration"), "declaration",
        dossier=dossier, form=form, **urls,
    )  # fmt: skip
    return TemplateResponse(request, "admin/dossiers/counter_declaration.html", context, status=status)


# --- 4. The documents ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def documents(request, model_admin, object_id: int):
    """One form per document: its scanned pages (several files, combined into one PDF) or why it is not
    digitised. Each document is saved on its own: a file that is refused loses nothing entered before."""
    dossier = _draft(request, model_admin, object_id)
    if dossier.status != Status.DRAFT:
        return _registered(model_admin, dossier)
    slots = list(dossier.case.documents.all()) if dossier.case else []
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        slot = next((s for s in slots if str(s.pk) == request.POST.get("document", "")), None)
        action = request.POST.get("action", "")
        if slot is None:
            messages.error(request, _("Choose one of the documents of the case."))
            status = 400
        else:
            try:
                if action == "scan":
                    counter.scan_document(
                        dossier=dossier, by=request.user, required_document=slot, uploads=request.FILES.getlist("pages")
                    )
                    messages.success(request, _("“%(name)s” is scanned.") % {"name": slot.name})
                elif action == "exempt":
                    form = ExemptionForm(request.POST)
                    if not form.is_valid():
                        raise ValidationError(_("Choose why the document is not digitised."))
                    counter.exempt_document(
                        dossier=dossier, by=request.user, required_document=slot, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("“%(name)s” is recorded as not digitised.") % {"name": slot.name})
                elif action == "reuse":
                    stored = StoredDocument.objects.filter(
                        pk=number(request.POST.get("stored", "")), owner_id=dossier.applicant_id
                    ).first()
                    if stored is None:
                        raise ValidationError(_("Choose one of the citizen's stored papers."))
                    counter.reuse_stored(
                        dossier=dossier,
                        by=request.user,
                        required_document=slot,
                        stored=stored,
                        consented=request.POST.get("consent") == "yes",
                    )
                    messages.success(
                        request, _("“%(name)s” is taken from the citizen's document store.") % {"name": slot.name}
                    )
                elif action == "clear":
                    counter.clear_document(dossier=dossier, by=request.user, required_document=slot)
                else:
                    raise ValidationError(_("Scan the document or say why it is not digitised."))
            except ValidationError as error:
                errors[slot.pk], status = " ".join(error.messages), 400
            except FileStoreUnavailable as error:
                errors[slot.pk], status = error.message, error.status
            except DomainError as error:
                errors[slot.pk], status = error.message, error.status
            else:
                return redirect(_step_urls(model_admin, dossier)["documents_url"])
    stored = {d.required_document_id: d for d in dossier.documents.all()}
    offers = store.offers_for(dossier, held=stored)  # the citizen's stored papers of the slots' kinds
    rows = [
        {
            "slot": slot,
            "stored": stored.get(slot.pk),
            "required": slot.needs_upload(dossier.procedure),
            "error": errors.get(slot.pk, ""),
            "url": stored[slot.pk].get_absolute_url() if slot.pk in stored and stored[slot.pk].file else "",
            "offers": offers.get(slot.pk, []),
        }
        for slot in slots
    ]
    context = _context(
        request, model_admin, _("Register a paper dossier: the documents"), "documents",
        dossier=dossier, rows=rows, exemptions=ExemptionForm.base_fields["reason"].choices,
        **_step_urls(model_admin, dossier),
    )  # fmt: skip
    return TemplateResponse(request, "admin/dossiers/counter_documents.html", context, status=status)


# --- 5. Check and decide ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def review(request, model_admin, object_id: int):
    dossier = _draft(request, model_admin, object_id)
    if dossier.status != Status.DRAFT:
        return _registered(model_admin, dossier)
    if dossier.filing_id:  # decided with the other linked procedures
        return redirect(_step_urls(model_admin, dossier)["review_url"])
    missing = counter.what_is_missing(dossier)
    supplement_form = SupplementForm(initial={"missing": "\n".join(missing)})
    refuse_form = RefuseForm()
    status = 200
    decision = request.POST.get("decision", "") if request.method == "POST" else ""
    methods = services.delivery_methods(dossier.procedure)
    delivery_form = None
    if len(methods) > 1:  # the result may also come back online or by post: ask the citizen at the counter
        delivery_form = DeliveryForm.for_dossier(
            dossier, request.POST if decision == "delivery" else None, methods=methods
        )
        delivery_form.fields["method"].label = _("How does the citizen want to receive the result?")  # not "you"
        delivery_form.fields["pay_on_delivery"].help_text = _(
            "By post only: the citizen pays the fees and the postal fee in cash to the postman when the result is "
            "delivered (collect-on-delivery of the public postal service), instead of paying at the counter."
        )
    if decision == "delivery":
        if delivery_form is not None and delivery_form.is_valid():
            try:
                counter.choose_delivery(dossier=dossier, by=request.user, **delivery_form.choice())
            except (services.DossierError, ValidationError) as error:
                add_refusal(delivery_form, error)
            else:
                messages.success(request, _("The way the citizen receives the result is saved."))
                return redirect(_step_urls(model_admin, dossier)["review_url"])
        elif delivery_form is None:
            messages.error(request, _("This way of receiving the result is not offered for this procedure."))
        status = 400
    elif request.method == "POST":
        try:
            done = _decide(request, dossier, decision)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            done, status = None, 400
        except DomainError as error:
            messages.error(request, error.message)
            done, status = None, error.status
        if done is not None:
            if decision == "discard":
                messages.success(request, _("The paper dossier was discarded."))
                return redirect(admin_url(model_admin, "counter"))
            values = {"code": done.code, "status": done.get_status_display()}
            if decision == "refuse":  # recorded, with its refusal notice: not "received"
                text = _("Paper dossier %(code)s is recorded as not accepted. Print the refusal notice below.")
            elif decision == "supplement":
                text = _(
                    "Paper dossier %(code)s is recorded, waiting for the papers asked for. Print the request below."
                )
            else:
                text = _("Paper dossier %(code)s is received: it is now “%(status)s”. Print its receipt below.")
            messages.success(request, text % values)
            return _registered(model_admin, done)
        if decision == "supplement":
            supplement_form = SupplementForm(request.POST)
            supplement_form.is_valid()
        elif decision == "refuse":
            refuse_form = RefuseForm(request.POST)
            refuse_form.is_valid()
    documents = {d.required_document_id: d for d in dossier.documents.all()}
    slots = list(dossier.case.documents.all()) if dossier.case else []
    context = _context(
        request, model_admin, _("Register a paper dossier: check and decide"), "review",
        dossier=dossier, missing=missing, answers=display_answers(dossier.procedure.eform, dossier.form_data),
        rows=[{"slot": s, "stored": documents.get(s.pk)} for s in slots],
        supplement_form=supplement_form, refuse_form=refuse_form, **_step_urls(model_admin, dossier),
        delivery_form=delivery_form, postal_fee=_postal_fee(dossier),
    )  # fmt: skip
    return TemplateResponse(request, "admin/dossiers/counter_review.html", context, status=status)


def _postal_fee(dossier: Dossier) -> int | None:
    """The postal fee of a result sent by post (``costs.quote``), None otherwise."""
    return costs.quote(dossier).postal if dossier.delivery_method == DeliveryMethod.POST else None


def _decide(request, dossier: Dossier, decision: str):
    """The decision posted: the dossier as filed (None for a form that does not validate), or True (discarded)."""
    if decision == "accept":
        return counter.accept(dossier=dossier, by=request.user)
    if decision == "supplement":
        form = SupplementForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("List what the citizen must add or correct."))
        return counter.request_supplement(
            dossier=dossier, by=request.user, missing=form.cleaned_data["missing"], days=form.cleaned_data["days"]
        )
    if decision == "refuse":
        form = RefuseForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Give the reason for refusing the dossier."))
        return counter.refuse(dossier=dossier, by=request.user, reason=form.cleaned_data["reason"])
    if decision == "discard":
        counter.discard(dossier=dossier, by=request.user)
        return True
    raise ValidationError(_("Accept, ask for a supplement or refuse the dossier."))


# --- Linked procedures brought on paper (Decree 63/2024) -----------------------------------------------------------
#
# The desk starts them together from the procedure step: one counter draft per procedure (``counter.start_filing``),
# one declaration for all, each procedure's documents on the documents page above (a paper scanned for one is copied
# into the others that ask for its kind), then one page to check and register them together.


def _filing(request, model_admin, filing_id: int) -> LinkedFiling:
    """Linked procedures registered at the official's centre; 403 for another centre's, 404 for an online filing."""
    centre = counter.ensure_desk(request.user)
    filing = get_object_or_404(
        LinkedFiling.objects.select_related("group", "applicant", "received_by")
        .filter(parts__channel=Channel.COUNTER)
        .distinct(),
        pk=filing_id,
    )
    if filing.received_by_id != centre.pk:
        raise AccessDenied(_("This dossier is being registered at another counter."))
    return filing


def _filing_urls(model_admin, filing: LinkedFiling) -> dict:
    return {
        "filing_url": admin_url(model_admin, "counter_filing", filing.pk),
        "declaration_url": admin_url(model_admin, "counter_filing_declaration", filing.pk)
        if filing.group.eform
        else "",
    }


@require_http_methods(["GET", "HEAD", "POST"])
def linked_start(request, model_admin, code: str):
    """The linked procedures for the citizen found at step 1: the case of each procedure that has several."""
    centre = counter.ensure_desk(request.user)
    group = get_object_or_404(ProcedureGroup.objects.filter(is_published=True), code=code)
    citizen = _citizen_at_desk(request)
    if citizen is None:
        messages.error(request, _("Find the citizen by their ID number first."))
        return redirect(admin_url(model_admin, "counter"))
    form = LinkedStartForm(request.POST or None, group=group, centres=[centre])
    form.fields["centre"].widget = forms.HiddenInput()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                filing = counter.start_filing(by=request.user, applicant=citizen, group=group, cases=form.cases())
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                urls = _filing_urls(model_admin, filing)
                return redirect(urls["declaration_url"] or urls["filing_url"])
        status = 400
    members = group.members.select_related("procedure", "agency", "needs__procedure").order_by("position", "pk")
    context = _context(
        request, model_admin, _("Register linked procedures"), "procedure",
        citizen=citizen, group=group, form=form, members=members, centre=centre,
    )  # fmt: skip
    return TemplateResponse(request, "admin/dossiers/counter_linked_start.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def filing_declaration(request, model_admin, filing_id: int):
    """The group's one declaration, copied from the citizen's paper form."""
    filing = _filing(request, model_admin, filing_id)
    urls = _filing_urls(model_admin, filing)
    if filing.submitted_at is not None or not filing.group.eform:
        return redirect(urls["filing_url"])
    status = 200
    form = linked.declaration_form(filing, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            counter.save_filing_declaration(filing=filing, by=request.user, data=form.to_json())
            return redirect(urls["filing_url"])
        status = 400
    context = _context(
        request, model_admin, _("Register linked procedures: the declaration"), "declaration",
        filing=filing, form=form, **urls,
    )  # fmt: skip
    return TemplateResponse(request, "admin/dossiers/counter_declaration.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def filing(request, model_admin, filing_id: int):
    """Each procedure with its agency and documents, what is still missing, then register them together (or
    discard them). Once registered: their codes, each with its receipt in the back office."""
    filing = _filing(request, model_admin, filing_id)
    status = 200
    decision = request.POST.get("decision", "") if request.method == "POST" else ""
    offers = [(part, services.delivery_methods(part.procedure)) for part in linked.parts_of(filing)]
    delivery_form = None
    if filing.submitted_at is None and any(len(methods) > 1 for _part, methods in offers):
        delivery_form = LinkedDeliveryForm.for_parts(offers, request.POST if decision == "delivery" else None)
    if decision == "delivery" and filing.submitted_at is None:
        if delivery_form is not None and delivery_form.is_valid():
            try:
                counter.choose_filing_delivery(filing=filing, by=request.user, choices=delivery_form.choices())
            except (DomainError, ValidationError) as error:
                add_refusal(delivery_form, error)
            else:
                messages.success(request, _("The way the citizen receives the result is saved."))
                return redirect(admin_url(model_admin, "counter_filing", filing.pk))
        status = 400
    elif request.method == "POST" and filing.submitted_at is None:
        try:
            if decision in ("accept", "supplement", "refuse"):
                if decision == "accept":
                    filing = counter.accept_filing(filing=filing, by=request.user)
                elif decision == "refuse":
                    refuse_form = RefuseForm(request.POST)
                    if not refuse_form.is_valid():
                        raise ValidationError(_("Give the reason for refusing the dossier."))
                    filing = counter.refuse_filing(filing=filing, by=request.user, **refuse_form.cleaned_data)
                else:
                    supplement_form = FilingSupplementForm(request.POST)
                    if not supplement_form.is_valid():
                        raise ValidationError([m for errors in supplement_form.errors.values() for m in errors])
                    filing = counter.request_filing_supplement(
                        filing=filing, by=request.user, **supplement_form.cleaned_data
                    )
                done = (
                    _("Linked procedures %(code)s are registered and refused: print each notice from its dossier.")
                    if decision == "refuse"
                    else _("The linked procedures are registered as %(code)s. Print each receipt from its dossier.")
                )
                messages.success(request, done % {"code": filing.code})
                return redirect(admin_url(model_admin, "counter_filing", filing.pk))
            if decision == "discard":
                counter.discard_filing(filing=filing, by=request.user)
                messages.success(request, _("The paper dossier was discarded."))
                return redirect(admin_url(model_admin, "counter"))
            raise ValidationError(
                _("Register the linked procedures, with a supplement request if papers are missing, or discard them.")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
    parts = linked.parts_of(filing)
    counts = {part.pk: (part.documents.count(), len(part.case.documents.all()) if part.case else 0) for part in parts}
    context = _context(
        request, model_admin, _("Register linked procedures: check and register"), "review",
        filing=filing,
        parts=[
            {
                "dossier": part,
                "documents_url": admin_url(model_admin, "counter_documents", part.pk),
                "change_url": admin_url(model_admin, "change", part.pk),
                "given": counts[part.pk][0],
                "asked": counts[part.pk][1],
                "postal_fee": _postal_fee(part),
            }
            for part in parts
        ],
        delivery_form=delivery_form,
        missing=linked.missing_parts(filing) if filing.submitted_at is None else [],
        supplement_form=FilingSupplementForm(),
        refuse_form=RefuseForm(),
        answers=display_answers(filing.group.eform, filing.form_data) if filing.group.eform else [],
        **_filing_urls(model_admin, filing),
    )  # fmt: skip
    return TemplateResponse(request, "admin/dossiers/counter_filing.html", context, status=status)
