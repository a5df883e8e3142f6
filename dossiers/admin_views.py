"""Back-office views next to the dossier admin: the action forms, the dashboard, notice and control slip PDFs.

Every view looks the dossier up through the admin's queryset (the official's own agency, or the centre that
received it; never drafts), so a dossier of another agency is a 404 whatever the URL.
"""

import io
from dataclasses import asdict
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal import access
from portal.errors import AccessDenied, FileStoreUnavailable
from portal.issued import download, file_response
from procedures.eforms import display_answers
from procedures.routing import RoutingError

from . import intake_data, processing, sections, services
from .admin_forms import ACTION_FORMS, DeskSupplementForm, RouteForm
from .constants import Channel
from .dashboard import panel_rows
from .events import DossierAction
from .models import Dossier, DossierNotice
from .notices import NOTICE, render_control_slip
from .selectors import cached_queue_counts, clock_status_labels, due_soon_bound, is_overdue, queues
from .workflow import ACTIONS, Action, DossierChanged, InvalidTransition, available_actions


def admin_url(model_admin, name: str, *args) -> str:
    opts = model_admin.opts
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args, current_app=model_admin.admin_site.name
    )


def _dossier(request, model_admin, object_id) -> Dossier:
    queryset = model_admin.get_queryset(request).select_related(
        "procedure", "agency", "received_by", "case", "applicant", "handler"
    )
    return get_object_or_404(queryset, pk=object_id)


def _context(request, model_admin, **extra) -> dict:
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **extra}


# --- Dashboard ------------------------------------------------------------------------------------------


@require_safe
def dashboard(request, model_admin):
    """The work queues (``selectors.queues``), then the rows other apps add (``dossiers.dashboard``), such as the
    messages to citizens that could not be sent."""
    now = timezone.now()
    bound = due_soon_bound(now)
    counts = cached_queue_counts(model_admin.get_queryset(request), request.user, now, bound, scope="admin")
    changelist = admin_url(model_admin, "changelist")
    rows = [
        {"key": q.key, "label": q.label, "count": counts[q.key], "url": f"{changelist}?{urlencode(q.params)}"}
        for q in queues(request.user, now, bound)
    ]
    rows += [asdict(row) for row in panel_rows(request.user)]
    context = _context(
        request,
        model_admin,
        title=_("Dashboard"),
        rows=rows,
        now=now,
        bound=bound,
        clock_statuses=", ".join(label.lower() for label in clock_status_labels()),
        changelist_url=changelist,
    )
    return TemplateResponse(request, "admin/dossiers/dossier/dashboard.html", context)


# --- The change view's extra sections ------------------------------------------------------------------


def event_label(action: str, dossier: Dossier | None = None) -> str:
    """The timeline entry's name: its action's label (``DossierAction``), or the stored value if unknown; a paper
    dossier's submission is its registration at the counter."""
    if action == DossierAction.SUBMIT and dossier is not None and dossier.channel == Channel.COUNTER:
        return _("Registered at the counter")
    try:
        return str(DossierAction(action).label)
    except ValueError:
        return action


def change_context(request, model_admin, dossier: Dossier) -> dict:
    """What the dossier page shows below its summary: declaration, files, notices, timeline, steps, actions; the
    other apps' sections fill the page's slots (``dossiers.sections``)."""
    public = {"public_id": dossier.public_id}
    documents = [
        {"document": d, "url": reverse("dossiers:document", kwargs={**public, "pk": d.pk})}
        for d in dossier.documents.select_related("required_document")
    ]
    replaced = [
        {"document": d, "url": reverse("dossiers:replaced_document", kwargs={**public, "pk": d.pk})}
        for d in dossier.replaced_documents.select_related("required_document")
    ]
    notices = [
        {"notice": n, "url": admin_url(model_admin, "notice", dossier.pk, n.pk)} for n in dossier.notices.order_by("pk")
    ]
    columns = [(column, column.cells(dossier)) for column in sections.timeline_columns()]
    events = [
        {
            "event": e,
            "label": event_label(e.action, dossier),
            "cells": [{"key": column.key, "html": cells.get(e.pk, "")} for column, cells in columns],
        }
        for e in dossier.events.select_related("actor")
    ]
    # What the status and the official's role allow, less what is not possible now, listed with the reason
    # (e.g. the result is held while fees are owed).
    allowed = [(a, processing.why_not(dossier, a.name)) for a in available_actions(dossier, request.user)]
    actions = [
        {"action": a, "url": admin_url(model_admin, "action", dossier.pk, a.name)}
        for a, reason in allowed
        if not reason
    ]
    not_offered = [reason for _a, reason in allowed if reason]
    return {
        "dossier": dossier,
        "data_fetches": intake_data.latest_fetches(dossier),
        "replaced_by_data": intake_data.replaced_slots(dossier),
        "fetch_data_url": admin_url(model_admin, "fetch_data", dossier.pk),
        "answers": display_answers(dossier.procedure.eform, dossier.form_data),
        "documents": documents,
        "replaced_documents": replaced,
        "receipt_url": reverse("dossiers:receipt", kwargs=public),
        "result_url": reverse("dossiers:result", kwargs=public) if dossier.result_file else "",
        "issued_notices": notices,
        "events": events,
        "timeline_columns": [column for column, _cells in columns],
        "steps": dossier.steps.select_related("handler"),
        "control_slip_url": admin_url(model_admin, "control_slip", dossier.pk),
        "dashboard_url": admin_url(model_admin, "dashboard"),
        "dossier_actions": actions,
        "route_url": ""
        if processing.why_not_route(dossier, request.user)
        else admin_url(model_admin, "route", dossier.pk),
        "route_label": ROUTE_LABEL,
        "supplement_at_desk_url": ""
        if processing.why_not_supplement_at_desk(dossier, request.user)
        else admin_url(model_admin, "supplement_at_desk", dossier.pk),
        "supplement_at_desk_label": processing.SUPPLEMENT_AT_DESK_LABEL,
        "following": access.is_receiving_centre_only(request.user, dossier),
        # The other apps' buttons (payments at the desk, the post): rendered here, so the page knows whether any.
        "back_office_tools": sections.render_slot("back_office_tools", request, dossier),
        "actions_not_offered": not_offered,
        "overdue": is_overdue(dossier),
    }


# --- Actions ------------------------------------------------------------------------------------------


def refusal(dossier: Dossier, user, action: Action) -> str:
    """Why ``user`` cannot take ``action`` now (the services' own wording), or "" if they can."""
    try:  # the service's own checks, as it runs them under its lock
        processing.check(dossier, action.name, user)
    except InvalidTransition as error:
        return error.message
    return processing.why_not(dossier, action.name)


def _action_page(request, model_admin, dossier: Dossier, action, form) -> TemplateResponse:
    """The page of one thing done to a dossier (an action of the workflow, routing, papers brought to the desk):
    the dossier's summary and the form, with what was typed when it was refused."""
    context = _context(
        request,
        model_admin,
        title=f"{action['label'] if isinstance(action, dict) else action.label}: {dossier.code}",
        dossier=dossier,
        action=action,
        form=form,
        change_url=admin_url(model_admin, "change", dossier.pk),
        changelist_url=admin_url(model_admin, "changelist"),
        overdue=is_overdue(dossier),
        is_nav_sidebar_enabled=False,  # the form takes the page's width, as the dossier's page does
    )
    return TemplateResponse(request, "admin/dossiers/dossier/action.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def take_action(request, model_admin, object_id: int, name: str):
    action, form_class = ACTIONS.get(name), ACTION_FORMS.get(name)
    if action is None or form_class is None:
        raise Http404
    dossier = _dossier(request, model_admin, object_id)
    change_url = admin_url(model_admin, "change", dossier.pk)
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, dossier=dossier)
        if form.is_valid():
            service = getattr(processing, name)
            try:
                changed = service(
                    dossier=dossier, by=request.user, expected_version=form.cleaned_data["version"], **form.arguments()
                )
            except DossierChanged as error:  # someone else acted: the dossier's page shows what it is now
                messages.error(request, str(error))
                return redirect(change_url)
            except InvalidTransition as error:
                if refusal(dossier, request.user, action):  # not theirs to do, or not now: back to the dossier
                    messages.error(request, str(error))
                    return redirect(change_url)
                form.add_error(None, str(error))  # what they typed was refused (a wrong PIN, a date): it stays
            else:
                messages.success(
                    request,
                    _("“%(action)s” done: dossier %(code)s is now “%(status)s”.")
                    % {"action": action.label, "code": changed.code, "status": changed.get_status_display()},
                )
                return redirect(change_url)
    else:
        reason = refusal(dossier, request.user, action)
        if reason:
            messages.error(request, reason)
            return redirect(change_url)
        form = form_class(dossier=dossier)
    return _action_page(request, model_admin, dossier, action, form)


@require_http_methods(["GET", "HEAD", "POST"])
@require_POST
def fetch_data(request, model_admin, object_id: int):
    """Fetch the data that replaces documents (``intake_data.fetch_at_intake``); what fails becomes a supplement."""
    dossier = _dossier(request, model_admin, object_id)
    try:
        fetches = intake_data.fetch_at_intake(dossier=dossier, by=request.user)
    except (InvalidTransition, DossierChanged, AccessDenied) as error:
        messages.error(request, str(error))
    else:
        failed = [f for f in fetches if f.result != "found"]
        if failed:
            messages.warning(request, _("Some data could not be obtained: the citizen is asked for those papers."))
        else:
            messages.success(request, _("The data was obtained from the data sources."))
    return redirect(admin_url(model_admin, "change", dossier.pk))


def route(request, model_admin, object_id: int):
    """Send the dossier to another competent agency (``processing.route``)."""
    dossier = _dossier(request, model_admin, object_id)
    change_url = admin_url(model_admin, "change", dossier.pk)
    reason = processing.why_not_route(dossier, request.user)
    if reason:
        messages.error(request, reason)
        return redirect(change_url)
    form = RouteForm(request.POST or None, dossier=dossier)
    if request.method == "POST" and form.is_valid():
        try:
            changed = processing.route(
                dossier=dossier,
                to=form.cleaned_data["to"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except (InvalidTransition, DossierChanged, RoutingError) as error:
            messages.error(request, str(error))
            return redirect(change_url)
        messages.success(
            request, _("Dossier %(code)s was sent to %(agency)s.") % {"code": changed.code, "agency": changed.agency}
        )
        after = change_url if access.in_agency(request.user, changed) else admin_url(model_admin, "changelist")
        return redirect(after)
    return _action_page(request, model_admin, dossier, {"label": ROUTE_LABEL}, form)


ROUTE_LABEL = gettext_lazy("Send to another agency")


def supplement_at_desk(request, model_admin, object_id: int):
    """Papers the citizen brought to the desk for a supplement (``processing.supplement`` with ``at_desk``)."""
    dossier = _dossier(request, model_admin, object_id)
    change_url = admin_url(model_admin, "change", dossier.pk)
    reason = processing.why_not_supplement_at_desk(dossier, request.user)
    if reason:
        messages.error(request, reason)
        return redirect(change_url)
    form = DeskSupplementForm(request.POST or None, request.FILES or None, dossier=dossier)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the scans and the status change together, or neither
                for slot, pages in form.uploads():
                    services.scan_supplement_at_desk(dossier=dossier, required_document=slot, uploads=pages)
                changed = processing.supplement(
                    dossier=dossier,
                    by=request.user,
                    note=form.cleaned_data["note"],
                    at_desk=True,
                    expected_version=form.cleaned_data["version"],
                )
        except DossierChanged as error:
            messages.error(request, str(error))
            return redirect(change_url)
        except ValidationError as error:
            form.add_error(None, error.messages)
        except (InvalidTransition, FileStoreUnavailable) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The supplement is recorded: dossier %(code)s is “%(status)s” again.")
                % {"code": changed.code, "status": changed.get_status_display()},
            )
            return redirect(change_url)
    return _action_page(request, model_admin, dossier, {"label": processing.SUPPLEMENT_AT_DESK_LABEL}, form)


# --- Files ------------------------------------------------------------------------------------------


@require_safe
def notice(request, model_admin, object_id: int, notice_id: int):
    dossier = _dossier(request, model_admin, object_id)
    issued = get_object_or_404(DossierNotice, pk=notice_id, dossier=dossier)
    return download(NOTICE, issued)  # rendered now, once, if the task has not run yet


@require_safe
def control_slip(request, model_admin, object_id: int):
    dossier = _dossier(request, model_admin, object_id)
    return file_response(io.BytesIO(render_control_slip(dossier)), f"phieu-kiem-soat-{dossier.code}.pdf")
