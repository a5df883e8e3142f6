"""Filing linked procedures once (``linked.py``): start (choose the receiving centre) → the group's declaration →
every part's documents (a paper given once for every part that requires it) → how each result comes back → check
and submit; then the filing's page with every part."""

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.collation import vietnamese
from portal.params import number
from procedures.models import Agency, ProcedureGroup, RequiredDocument

from . import costs, linked, processing, services
from .constants import DeliveryMethod
from .forms import LinkedDeliveryForm, SubmitForm
from .models import DossierDocument, LinkedFiling, StoredDocument
from .selectors import is_overdue
from .views import (
    _document_rows,
    _error_status,
    _missing_scan_errors,
    _save_uploads,
    _UploadErrors,
    add_refusal,
    posted_slots,
)

STEPS = [
    ("linked_declaration", gettext_lazy("Declaration")),
    ("linked_documents", gettext_lazy("Documents")),
    ("linked_delivery", gettext_lazy("Receiving the results")),
    ("linked_review", gettext_lazy("Check and submit")),
]


class LinkedStartForm(forms.Form):
    """The receiving centre, and the case of each procedure that has several."""

    centre = forms.ModelChoiceField(
        label=gettext_lazy("Where you file"), queryset=None, empty_label=None, widget=forms.RadioSelect
    )

    def __init__(self, *args, group: ProcedureGroup, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = Agency.objects.filter(pk__in=[c.pk for c in centres]).order_by(
            "level", vietnamese("name")
        )
        if len(centres) == 1:
            self.fields["centre"].initial = centres[0]
        self.members = []
        for member in group.members.select_related("procedure").order_by("position", "pk"):
            cases = member.procedure.cases.all()
            if cases.count() > 1:
                field = forms.ModelChoiceField(
                    label=_("Your case for “%(procedure)s”") % {"procedure": member.procedure.name},
                    queryset=cases,
                    empty_label=None,
                    widget=forms.RadioSelect,
                )
                field.label_from_instance = lambda case: case.name or _("General case")
                self.fields[f"case_{member.pk}"] = field
                self.members.append(member)

    def cases(self) -> dict:
        return {member.pk: self.cleaned_data[f"case_{member.pk}"] for member in self.members}


def _group(code: str) -> ProcedureGroup:
    return get_object_or_404(ProcedureGroup.objects.filter(is_published=True), code=code)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def start(request, code: str):
    group = _group(code)
    centres = linked.receiving_centres(group)
    form = LinkedStartForm(request.POST or None, group=group, centres=centres)
    if request.method == "POST" and centres and form.is_valid():
        filing = linked.start_filing(
            group=group, applicant=request.user, received_by=form.cleaned_data["centre"], cases=form.cases()
        )  # a domain error (an official's account, a centre no longer allowed) is the middleware's page
        return redirect("dossiers:linked_declaration", public_id=filing.public_id)
    drafts = LinkedFiling.objects.filter(applicant=request.user, group=group, submitted_at__isnull=True)
    members = group.members.select_related("procedure", "agency", "needs__procedure").order_by("position", "pk")
    return render(
        request,
        "dossiers/linked/start.html",
        {"group": group, "form": form, "centres": centres, "members": members, "drafts": drafts},
    )


def linked_draft_step(view):
    """Steps of the flow work on the citizen's own draft filing; a submitted one goes to its page instead."""

    @login_required
    def wrapper(request, public_id, *args, **kwargs):
        filing = linked.filing_for(request.user, public_id)
        if filing.submitted_at is not None:
            return redirect("dossiers:linked_detail", public_id=filing.public_id)
        return view(request, filing, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _context(filing: LinkedFiling, step: str, **extra) -> dict:
    return {"filing": filing, "group": filing.group, "steps": STEPS, "step": step, **extra}


@linked_draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def declaration(request, filing: LinkedFiling):
    if not filing.group.eform:
        return redirect("dossiers:linked_documents", public_id=filing.public_id)
    if request.method == "POST":
        form = linked.declaration_form(filing, request.POST)
        if form.is_valid():
            linked.save_declaration(filing=filing, data=form.to_json())
            return redirect("dossiers:linked_documents", public_id=filing.public_id)
    else:
        form = linked.declaration_form(filing)
    return render(request, "dossiers/linked/declaration.html", _context(filing, "linked_declaration", form=form))


@linked_draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def documents(request, filing: LinkedFiling):
    parts = linked.parts_of(filing)
    slots = {part.pk: list(part.case.documents.all()) if part.case else [] for part in parts}
    errors = _UploadErrors()
    if request.method == "POST":
        posted = posted_slots(request, [slot for part in parts for slot in slots[part.pk]])
        for part in parts:
            attach = functools.partial(linked.attach_document, filing=filing, part=part, keep=posted)
            part_errors = _save_uploads(request, part, slots[part.pk], attach=attach)
            errors.update(part_errors)
            errors.store_down = errors.store_down or part_errors.store_down
        if not errors and "continue" in request.POST:
            for part in parts:
                errors.update(_missing_scan_errors(part))
            if not errors:
                return redirect("dossiers:linked_delivery", public_id=filing.public_id)
        elif not errors:
            messages.success(request, _("Your files have been saved."))
            return redirect("dossiers:linked_documents", public_id=filing.public_id)
    sections = [(part, _document_rows(part, slots[part.pk], errors)) for part in parts]
    shared = linked.used_by_other_parts(parts)  # "the same file is used for …"
    for _part, rows in sections:
        for row in rows:
            row["shared_with"] = shared.get(row["stored"].pk, []) if row["stored"] else []
    error_rows = [row for _part, rows in sections for row in rows if row["error"]]
    context = _context(filing, "linked_documents", sections=sections, error_rows=error_rows)
    return render(request, "dossiers/linked/documents.html", context, status=_error_status(errors))


@linked_draft_step
@require_POST
def remove_document(request, filing: LinkedFiling, pk: int):
    document = get_object_or_404(DossierDocument, pk=pk, dossier__filing=filing)
    if linked.remove_document(filing=filing, document=document):
        messages.success(request, _("The file has been removed from every procedure that used it."))
    else:
        messages.success(request, _("The file has been removed."))
    return redirect("dossiers:linked_documents", public_id=filing.public_id)


@linked_draft_step
@require_POST
def reuse_document(request, filing: LinkedFiling):
    """A paper from the citizen's store into one slot of one part: ``reuse`` is "<required document id>:<stored
    id>" (the single dossier's documents step takes the same)."""
    slot_pk, _sep, stored_pk = (number(part) for part in request.POST.get("reuse", "").partition(":"))
    if slot_pk is None or stored_pk is None:
        raise Http404
    slot = get_object_or_404(RequiredDocument, pk=slot_pk, case__in=[part.case_id for part in filing.parts.all()])
    stored = get_object_or_404(StoredDocument, pk=stored_pk, owner=request.user)
    linked.reuse_document(filing=filing, required_document=slot, stored=stored, by=request.user)
    messages.success(request, _("The document from your store has been added to this dossier."))
    return redirect("dossiers:linked_documents", public_id=filing.public_id)


@linked_draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def delivery(request, filing: LinkedFiling):
    """How each result comes back: online or by post for the procedures that offer it (one postal address for all
    of them), at the receiving centre for the others."""
    parts = linked.parts_of(filing)
    offers = [(part, services.delivery_methods(part.procedure)) for part in parts]
    form = LinkedDeliveryForm.for_parts(offers, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            linked.choose_delivery(filing=filing, choices=form.choices())
        except (services.DossierError, ValidationError) as error:
            add_refusal(form, error)
        else:
            return redirect("dossiers:linked_review", public_id=filing.public_id)
    context = _context(
        filing,
        "linked_delivery",
        form=form,
        choices=[(part, form[LinkedDeliveryForm.method_field(part)]) for part in form.parts],
        office_only=[part for part, methods in offers if len(methods) == 1],
        postal_fees=[(part, costs.quote(part).postal) for part in parts if part.delivery_method == DeliveryMethod.POST],
        tariff=costs.postal_tariff(),
    )
    return render(request, "dossiers/linked/delivery.html", context, status=400 if form.errors else 200)


@linked_draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def discard(request, filing: LinkedFiling):
    """Delete the draft filing and every part, after asking: nothing has been sent."""
    if request.method == "POST":
        linked.discard_filing(filing=filing, by=request.user)
        messages.success(request, _("The draft has been deleted."))
        return redirect("dossiers:mine")
    back = reverse("dossiers:linked_review", kwargs={"public_id": filing.public_id})
    return render(request, "dossiers/discard.html", {"title": filing.group.name, "back": back})


@linked_draft_step
@require_http_methods(["GET", "HEAD", "POST"])
def review(request, filing: LinkedFiling):
    form = SubmitForm(request.POST or None)
    problems = linked.missing_parts(filing)
    if request.method == "POST" and form.is_valid() and not problems:
        try:
            filing, _submitted = linked.submit_filing(filing=filing, by=request.user)
        except linked.LinkedFilingError as error:
            form.add_error(None, str(error))
        else:
            return redirect("dossiers:linked_detail", public_id=filing.public_id)
    parts = linked.parts_of(filing)
    context = _context(
        filing,
        "linked_review",
        form=form,
        problems=problems,
        answers=linked.answers(filing),
        parts=[(part, part.documents.select_related("required_document"), costs.quote(part)) for part in parts],
    )
    return render(request, "dossiers/linked/review.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def detail(request, public_id):
    filing = linked.filing_for(request.user, public_id)
    if filing.submitted_at is None:
        return redirect("dossiers:linked_declaration", public_id=filing.public_id)
    parts = linked.parts_of(filing)
    for part in parts:
        part.overdue = is_overdue(part)
        part.owed = processing.owed_before_return(part)  # billed and awaited (a quote is not owed); paid on its page
    return render(
        request,
        "dossiers/linked/detail.html",
        {
            "filing": filing,
            "group": filing.group,
            "parts": parts,
            "owed": sum(part.owed for part in parts),
            "done": linked.is_done(filing),
            "just_submitted": all(part.is_awaiting_intake for part in parts),
            "answers": linked.answers(filing),
        },
    )
