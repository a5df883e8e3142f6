"""The citizen's filing flow: start → declaration → documents → delivery → review and submit → confirmation."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.accounts.identity import prefill_for
from portal.errors import FileStoreUnavailable
from portal.issued import download, file_response
from procedures.eforms import EForm, display_answers
from procedures.models import Procedure
from procedures.routing import RoutingError

from . import costs, processing, services
from .constants import DeliveryMethod, Status
from .forms import DeliveryForm, StartForm, SubmitForm, SupplementForm
from .models import Dossier, DossierDocument, DossierNotice, ReplacedDocument
from .notices import NOTICE
from .receipts import RECEIPT
from .selectors import dossier_for, dossiers_of_applicant
from .workflow import TIMELINE_EVENTS, InvalidTransition

STEPS = [
    ("declaration", gettext_lazy("Declaration")),
    ("documents", gettext_lazy("Documents")),
    ("delivery", gettext_lazy("Receiving the result")),
    ("review", gettext_lazy("Check and submit")),
]


def _draft(request, public_id) -> Dossier:
    dossier = dossier_for(request.user, public_id, own=True)
    if not dossier.is_draft:
        raise _Elsewhere(dossier.get_absolute_url())
    if dossier.filing_id:  # a part of linked procedures is filled in on its filing's pages, with the others
        raise _Elsewhere(reverse("dossiers:linked_documents", kwargs={"public_id": dossier.filing.public_id}))
    return dossier


class _Elsewhere(Exception):
    """The step's page is not this dossier's to show: go to ``url`` instead."""

    def __init__(self, url: str):
        self.url = url


def draft_step(view):
    """Steps of the flow work on the citizen's own draft; a submitted dossier goes to its page instead."""

    @login_required
    def wrapper(request, public_id, *args, **kwargs):
        try:
            dossier = _draft(request, public_id)
        except _Elsewhere as elsewhere:
            return redirect(elsewhere.url)
        return view(request, dossier, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _context(dossier: Dossier, step: str, **extra) -> dict:
    return {"dossier": dossier, "procedure": dossier.procedure, "steps": STEPS, "step": step, **extra}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def start(request, code: str):
    procedure = get_object_or_404(Procedure.objects.published(), code=code)
    if not procedure.accepts_online_submission:
        raise Http404
    form = StartForm(request.POST or None, procedure=procedure)
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.start_draft(
                procedure=procedure,
                applicant=request.user,
                agency=form.cleaned_data["agency"],
                case=form.cleaned_data["case"],
                received_by=form.cleaned_data.get("received_by"),
            )
        except (services.DossierError, RoutingError) as error:
            form.add_error(None, str(error))
        else:
            return redirect("dossiers:declaration", public_id=dossier.public_id)
    drafts = Dossier.objects.filter(applicant=request.user, procedure=procedure, status=Status.DRAFT)
    return render(
        request,
        "dossiers/start.html",
        {
            "procedure": procedure,
            "form": form,
            "drafts": drafts,
            "fee_items": [fee for fee in costs.online_fee_items(procedure) if fee.amount],
        },
    )


@draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def declaration(request, dossier: Dossier):
    spec = dossier.procedure.eform
    if not spec:
        return redirect("dossiers:documents", public_id=dossier.public_id)
    if request.method == "POST":
        form = EForm(request.POST, spec=spec, identity=prefill_for(dossier.applicant))
        if form.is_valid():
            services.save_declaration(dossier=dossier, data=form.to_json())
            return redirect("dossiers:documents", public_id=dossier.public_id)
    else:
        form = EForm(initial=dossier.form_data, spec=spec, identity=prefill_for(dossier.applicant))
    return render(request, "dossiers/declaration.html", _context(dossier, "declaration", form=form))


def posted_slots(request, slots) -> set[int]:
    """The document slots given a file in this request."""
    return {slot.pk for slot in slots if request.FILES.getlist(f"document-{slot.pk}")}


def _save_uploads(request, dossier: Dossier, slots, *, attach=None) -> dict[int, str]:
    """Store every file posted for a document slot; return the error for each slot that was refused. ``attach``
    stores one (``services.attach_document``'s arguments but the dossier; by default that function)."""
    attach = attach or functools.partial(services.attach_document, dossier=dossier)
    errors = _UploadErrors()
    for slot in slots:
        files = request.FILES.getlist(f"document-{slot.pk}")
        if len(files) > 1:
            errors[slot.pk] = _("Upload one file for each document: put several pages into one PDF.")
        elif files:
            try:
                attach(required_document=slot, upload=files[0])
            except ValidationError as error:
                errors[slot.pk] = " ".join(error.messages)
            except FileStoreUnavailable as error:  # the page answers 503; the dossier and other files are kept
                errors[slot.pk] = error.message
                errors.store_down = True
    return errors


def _missing_scan_errors(dossier: Dossier) -> dict[int, str]:
    """Beside each required document still without a scan, when the citizen asks to go on."""
    return {slot.pk: _("Upload a scan of this document: it is required.") for slot in services.missing_scans(dossier)}


def add_refusal(form, error: Exception) -> None:
    """A service's refusal (a ``ValidationError`` or a ``DomainError``) shown at the top of the form."""
    form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


def _error_status(errors: dict[int, str]) -> int:
    """503 when a file was not saved because the store is down (try again later), 400 for a refused file."""
    if getattr(errors, "store_down", False):
        return 503
    return 400 if errors else 200


class _UploadErrors(dict):
    """The message for each refused document slot; ``store_down`` when the file store did not answer."""

    store_down = False


def _document_rows(dossier: Dossier, slots, errors: dict[int, str]) -> list[dict]:
    from . import store

    stored = {d.required_document_id: d for d in dossier.documents.all()}
    offers = store.offers_for(dossier, held=stored)  # papers of the same kind in the citizen's store: "dùng lại"
    return [
        {
            "slot": slot,
            "stored": stored.get(slot.pk),
            "error": errors.get(slot.pk),
            "by_eform": not slot.asks_for_scan(dossier.procedure),
            "by_data": bool(slot.replaced_by_data),
            "offers": offers.get(slot.pk, []),
        }
        for slot in slots
    ]


@draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def documents(request, dossier: Dossier):
    slots = list(dossier.case.documents.all()) if dossier.case else []
    errors: dict[int, str] = {}
    if request.method == "POST":
        errors = _save_uploads(request, dossier, slots)
        if not errors and "continue" in request.POST:
            errors = _missing_scan_errors(dossier)
            if not errors:
                return redirect("dossiers:delivery", public_id=dossier.public_id)
        elif not errors:
            messages.success(request, _("Your files have been saved."))
            return redirect("dossiers:documents", public_id=dossier.public_id)
    rows = _document_rows(dossier, slots, errors)
    context = _context(dossier, "documents", rows=rows, error_rows=[r for r in rows if r["error"]])
    return render(request, "dossiers/documents.html", context, status=_error_status(errors))


@draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def discard(request, dossier: Dossier):
    """Delete the draft, after asking: nothing has been sent."""
    if request.method == "POST":
        services.discard_draft(dossier=dossier, by=request.user)
        messages.success(request, _("The draft has been deleted."))
        return redirect("dossiers:mine")
    context = {
        "title": dossier.procedure.name,
        "back": reverse("dossiers:review", kwargs={"public_id": dossier.public_id}),
    }
    return render(request, "dossiers/discard.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def supplement(request, public_id):
    """The agency asked for more: the citizen replaces or adds scans, then sends the supplement."""
    dossier = dossier_for(request.user, public_id, own=True)
    if dossier.status != Status.SUPPLEMENT_REQUESTED:
        return redirect(dossier)
    slots = list(dossier.case.documents.all()) if dossier.case else []
    errors: dict[int, str] = {}
    form = SupplementForm(request.POST or None)  # the message, kept on the page whatever else is refused
    if request.method == "POST":
        errors = _save_uploads(request, dossier, slots)
        if not errors and form.is_valid() and "send" in request.POST:
            try:
                processing.supplement(dossier=dossier, by=request.user, note=form.cleaned_data["note"])
            except InvalidTransition as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Your supplement has been sent to the agency."))
            return redirect(dossier)
        if not errors and form.is_valid():
            messages.success(request, _("Your files have been saved."))
            return redirect("dossiers:supplement", public_id=dossier.public_id)
    rows = _document_rows(dossier, slots, errors)
    return render(
        request,
        "dossiers/supplement.html",
        {
            "dossier": dossier,
            "procedure": dossier.procedure,
            "rows": rows,
            "error_rows": [r for r in rows if r["error"]],
            "form": form,
        },
        status=_error_status(errors) if not form.errors else 400,
    )


@draft_step
@require_POST
def remove_document(request, dossier: Dossier, pk: int):
    document = get_object_or_404(DossierDocument, pk=pk, dossier=dossier)
    services.remove_document(document=document)
    messages.success(request, _("The file has been removed."))
    return redirect("dossiers:documents", public_id=dossier.public_id)


@draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def delivery(request, dossier: Dossier):
    methods = services.delivery_methods(dossier.procedure)
    form = DeliveryForm.for_dossier(dossier, request.POST or None, methods=methods)
    if request.method == "POST" and form.is_valid():
        try:
            services.choose_delivery(dossier=dossier, **form.choice())
        except (services.DossierError, ValidationError) as error:
            add_refusal(form, error)
        else:
            return redirect("dossiers:review", public_id=dossier.public_id)
    context = _context(
        dossier,
        "delivery",
        form=form,
        postal_fee=costs.quote(dossier).postal if dossier.delivery_method == DeliveryMethod.POST else 0,
        tariff=costs.postal_tariff(),
    )
    return render(request, "dossiers/delivery.html", context)


@draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def review(request, dossier: Dossier):
    form = SubmitForm(request.POST or None)
    problems = services.missing_parts(dossier)
    if request.method == "POST" and form.is_valid() and not problems:
        try:
            dossier, _submitted = services.submit_dossier(dossier=dossier, by=request.user)
        except services.DossierError as error:
            form.add_error(None, str(error))
        else:
            return redirect(dossier)
    context = _context(
        dossier,
        "review",
        form=form,
        problems=problems,
        answers=display_answers(dossier.procedure.eform, dossier.form_data),
        documents=dossier.documents.select_related("required_document"),
        cost=costs.quote(dossier),
    )
    return render(request, "dossiers/review.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def detail(request, public_id):
    dossier = dossier_for(request.user, public_id)
    if dossier.is_draft:
        return redirect("dossiers:declaration", public_id=dossier.public_id)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "procedure": dossier.procedure,
            "answers": display_answers(dossier.procedure.eform, dossier.form_data),
            "documents": dossier.documents.select_related("required_document"),
            "events": _timeline(dossier),
            "notices": dossier.notices.all(),
            "is_owner": dossier.applicant_id == request.user.pk,
            "result_available": _result_available(dossier, request.user),
            "cost": costs.cost_of(dossier),
        },
    )


def _timeline(dossier: Dossier) -> list:
    """The dossier's events; those that change no status (e.g. postal updates) carry their own ``label``."""
    events = list(dossier.events.all())
    for event in events:
        event.label = TIMELINE_EVENTS.get(event.action, "")
    return events


@login_required
@require_safe
def receipt(request, public_id):
    dossier = dossier_for(request.user, public_id)
    if dossier.is_draft:
        raise Http404
    return download(RECEIPT, dossier)  # rendered now, once, if the task has not run yet


@login_required
@require_safe
def document(request, public_id, pk: int):
    dossier = dossier_for(request.user, public_id)
    document = get_object_or_404(DossierDocument, pk=pk, dossier=dossier, exemption="")  # a paper not digitised
    extension = document.file.name.rsplit(".", 1)[-1]
    return file_response(document.file, f"{dossier.code or 'ho-so'}-{document.pk}.{extension}", document.content_type)


@login_required
@require_safe
def replaced_document(request, public_id, pk: int):
    """A paper replaced or removed during a supplement, kept for the record (``models.ReplacedDocument``)."""
    dossier = dossier_for(request.user, public_id)
    document = get_object_or_404(ReplacedDocument, pk=pk, dossier=dossier)
    extension = document.file.name.rsplit(".", 1)[-1]
    return file_response(
        document.file, f"{dossier.code or 'ho-so'}-truoc-bo-sung-{document.pk}.{extension}", document.content_type
    )


def _result_available(dossier: Dossier, user) -> bool:
    if not dossier.result_file:
        return False
    if dossier.applicant_id != user.pk:
        return True  # an official of the agency
    if dossier.status == Status.RETURNED:
        return True
    # An electronic result is the citizen's to download once ready, but, like any result, not while fees are owed.
    return (
        dossier.status == Status.RESULT_READY
        and dossier.delivery_method == DeliveryMethod.ONLINE
        and not processing.held_reason(dossier)
    )


@login_required
@require_safe
def notice(request, public_id, pk: int):
    dossier = dossier_for(request.user, public_id)
    issued = get_object_or_404(DossierNotice, pk=pk, dossier=dossier)
    return download(NOTICE, issued)  # rendered now, once, if the task has not run yet


@login_required
@require_safe
def result(request, public_id):
    dossier = dossier_for(request.user, public_id)
    if not _result_available(dossier, request.user):
        raise Http404
    return file_response(dossier.result_file, f"ket-qua-{dossier.code}.pdf")


@login_required
@require_safe
def mine(request):
    return render(request, "dossiers/mine.html", {"dossiers": dossiers_of_applicant(request.user)})
