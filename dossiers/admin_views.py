"""Back-office views next to the dossier admin: the action forms, the dashboard, notice and control slip PDFs.

Every view looks the dossier up through the admin's queryset (the official's own agency, never drafts), so a
dossier of another agency is a 404 whatever the URL.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from portal import access
from portal.errors import AccessDenied
from portal.issued import download, file_response
from procedures.calendar import WorkingCalendar
from procedures.eforms import display_answers

from . import processing
from .admin_forms import ACTION_FORMS
from .constants import Stage, Status
from .models import Dossier, DossierNotice
from .notices import NOTICE, render_control_slip
from .selectors import OPEN_STATUSES, is_overdue, overdue_q
from .workflow import (
    ACTIONS,
    TIMELINE_EVENTS,
    Action,
    DossierChanged,
    InvalidTransition,
    available_actions,
)

SOON_WORKING_DAYS = 2

EVENT_LABELS = {"submit": gettext_lazy("Submitted online")}


def due_soon_bound(now: datetime) -> datetime:
    return WorkingCalendar.load().add_working_days(now, SOON_WORKING_DAYS)


def due_soon_q(now: datetime, bound: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, due_at__gte=now, due_at__lte=bound)


def admin_url(model_admin, name: str, *args) -> str:
    opts = model_admin.opts
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args, current_app=model_admin.admin_site.name
    )


def _dossier(request, model_admin, object_id) -> Dossier:
    queryset = model_admin.get_queryset(request).select_related("procedure", "agency", "case", "applicant", "handler")
    return get_object_or_404(queryset, pk=object_id)


def _context(request, model_admin, **extra) -> dict:
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **extra}


# --- Dashboard ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    condition: Q
    params: dict


def queues(user, now: datetime, bound: datetime) -> list[Queue]:
    """The work queues of the dashboard; ``params`` are the changelist filters that list the same dossiers."""
    return [
        Queue("intake", _("Awaiting intake"), Q(status=Status.SUBMITTED), {"status__exact": Status.SUBMITTED}),
        Queue("accepted", _("Newly accepted"), Q(status=Status.ACCEPTED), {"status__exact": Status.ACCEPTED}),
        Queue(
            "mine",
            _("Assigned to me"),
            Q(status=Status.PROCESSING, handler=user),
            {"status__exact": Status.PROCESSING, "handled_by": "me"},
        ),
        Queue(
            "approval",
            _("Awaiting approval"),
            Q(status=Status.PROCESSING, stage=Stage.APPROVAL),
            {"status__exact": Status.PROCESSING, "stage__exact": Stage.APPROVAL},
        ),
        Queue(
            "supplement",
            _("Waiting for a supplement"),
            Q(status=Status.SUPPLEMENT_REQUESTED),
            {"status__exact": Status.SUPPLEMENT_REQUESTED},
        ),
        Queue(
            "payment",
            _("Payment requested"),
            Q(status=Status.PAYMENT_REQUESTED),
            {"status__exact": Status.PAYMENT_REQUESTED},
        ),
        Queue(
            "result",
            _("Result ready to return"),
            Q(status=Status.RESULT_READY),
            {"status__exact": Status.RESULT_READY},
        ),
        Queue("due_soon", _("Due within 2 working days"), due_soon_q(now, bound), {"due": "soon"}),
        Queue("overdue", _("Overdue"), overdue_q(now), {"due": "overdue"}),
    ]


def queue_counts(queryset, user, now: datetime, bound: datetime) -> dict[str, int]:
    """Every queue's count in one aggregate query."""
    return queryset.order_by().aggregate(
        **{queue.key: Count("pk", filter=queue.condition) for queue in queues(user, now, bound)}
    )


@require_safe
def dashboard(request, model_admin):
    now = timezone.now()
    bound = due_soon_bound(now)
    counts = queue_counts(model_admin.get_queryset(request), request.user, now, bound)
    changelist = admin_url(model_admin, "changelist")
    rows = [
        {"key": q.key, "label": q.label, "count": counts[q.key], "url": f"{changelist}?{urlencode(q.params)}"}
        for q in queues(request.user, now, bound)
    ]
    # Messages to citizens that could not be sent: never silent, one click from the resend action.
    from notifications.selectors import failed_messages

    failed_url = reverse("admin:notifications_message_changelist") + "?status__exact=failed"
    rows.append(
        {
            "key": "failed_messages",
            "label": _("Messages that could not be sent"),
            "count": failed_messages(request.user).count(),
            "url": failed_url,
        }
    )
    context = _context(
        request,
        model_admin,
        title=_("Dashboard"),
        rows=rows,
        now=now,
        bound=bound,
        changelist_url=changelist,
    )
    return TemplateResponse(request, "admin/dossiers/dossier/dashboard.html", context)


# --- The change view's extra sections ------------------------------------------------------------------


def event_label(name: str) -> str:
    if name in ACTIONS:
        return ACTIONS[name].label
    if name in TIMELINE_EVENTS:
        return TIMELINE_EVENTS[name]
    return EVENT_LABELS.get(name, name)


def change_context(request, model_admin, dossier: Dossier) -> dict:
    """What the dossier page shows below its summary: declaration, files, notices, timeline, steps, actions."""
    public = {"public_id": dossier.public_id}
    documents = [
        {"document": d, "url": reverse("dossiers:document", kwargs={**public, "pk": d.pk})}
        for d in dossier.documents.select_related("required_document")
    ]
    notices = [
        {"notice": n, "url": admin_url(model_admin, "notice", dossier.pk, n.pk)} for n in dossier.notices.order_by("pk")
    ]
    events = [
        {"event": e, "label": event_label(e.action), "messages": e.messages.all()}
        for e in dossier.events.select_related("actor").prefetch_related("messages")
    ]
    actions = [
        {"action": a, "url": admin_url(model_admin, "action", dossier.pk, a.name)}
        for a in available_actions(dossier, request.user)
    ]
    return {
        "dossier": dossier,
        "answers": display_answers(dossier.procedure.eform, dossier.form_data),
        "documents": documents,
        "receipt_url": reverse("dossiers:receipt", kwargs=public),
        "result_url": reverse("dossiers:result", kwargs=public) if dossier.result_file else "",
        "issued_notices": notices,
        "events": events,
        "steps": dossier.steps.select_related("handler"),
        "control_slip_url": admin_url(model_admin, "control_slip", dossier.pk),
        "dashboard_url": admin_url(model_admin, "dashboard"),
        "dossier_actions": actions,
        "overdue": is_overdue(dossier),
    }


# --- Actions ------------------------------------------------------------------------------------------


def refusal(dossier: Dossier, user, action: Action) -> str:
    """Why ``user`` cannot take ``action`` now (the services' own wording), or "" if they can."""
    try:  # the agency and role, as the service checks them under its lock
        access.ensure_may_act(user, dossier, roles=action.roles, action_label=action.label)
    except AccessDenied as error:
        return error.message
    if dossier.status not in action.sources:
        return _("“%(action)s” is not possible while dossier %(code)s is “%(status)s”.") % {
            "action": action.label,
            "code": dossier.code,
            "status": dossier.get_status_display(),
        }
    return ""


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
            except (InvalidTransition, DossierChanged) as error:
                messages.error(request, str(error))
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
    context = _context(
        request,
        model_admin,
        title=f"{action.label}: {dossier.code}",
        dossier=dossier,
        action=action,
        form=form,
        change_url=change_url,
        changelist_url=admin_url(model_admin, "changelist"),
        overdue=is_overdue(dossier),
    )
    return TemplateResponse(request, "admin/dossiers/dossier/action.html", context)


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
