"""The officials' back office for dossiers: read-only pages; every change goes through a processing action."""

import re
from functools import partial

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.accounts.models import User
from portal.accounts.validators import normalize_vn_phone
from portal.collation import vietnamese
from portal.page_cache import official_page
from portal.paginator import LargeTableAdminMixin
from portal.params import number
from portal.text import fold
from procedures.models import Procedure

from . import admin_views, costs, counter_views, selectors
from .codes import is_dossier_code, normalise_code
from .constants import Status
from .models import Dossier, LinkedFiling

CODE_TAIL = re.compile(r"^\d{6}-\d{4}$")


class DueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("soon", _("Due within 2 working days"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(selectors.overdue_q(now))
        if self.value() == "soon":
            return queryset.filter(selectors.due_soon_q(now, selectors.due_soon_bound(now)))
        return queryset


class ProcedureFilter(admin.SimpleListFilter):
    """The procedures the official's agency handles (not a scan of its dossiers for the ones that occur)."""

    title = _("procedure")
    parameter_name = "procedure"

    def lookups(self, request, model_admin):
        procedures = Procedure.objects.order_by(vietnamese("name"))
        agencies = access.agency_condition(request.user, "agencies")
        if agencies is None:  # a superuser: the procedures of every agency
            procedures = procedures.filter(agencies__isnull=False).distinct()
        else:
            procedures = procedures.filter(agencies)
        return [(str(pk), name) for pk, name in procedures.values_list("pk", "name")]

    def queryset(self, request, queryset):
        procedure_id = number(self.value())
        return queryset if procedure_id is None else queryset.filter(procedure_id=procedure_id)


class HandledByFilter(admin.SimpleListFilter):
    title = _("handled by")
    parameter_name = "handled_by"

    def lookups(self, request, model_admin):
        return [("me", _("Me"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(handler=request.user)
        return queryset


class TurnFilter(admin.SimpleListFilter):
    """Whose step it is (``access.turn_q``): the official's agency's, or dossiers the centre received for another
    agency and follows."""

    title = _("whose turn")
    parameter_name = "turn"

    def lookups(self, request, model_admin):
        return [("mine", _("My agency's")), ("following", _("Received here for other agencies"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            turn = access.turn_q(request.user)
            return queryset if turn is None else queryset.filter(turn)
        if self.value() == "following":
            return queryset.filter(access.following_q(request.user))
        return queryset


@official_page(selectors.queues_version)
def _queue_page(request, render):
    """The queue or the dashboard as last rendered for this official, while nothing in their agency's queues has
    changed (``portal.page_cache.official_page``). The dashboard's rows from other apps (messages that could not
    be sent) and its clock-bound counts may be up to ``DASHBOARD_CACHE_SECONDS`` old."""
    return render(request)


# The officials' queue: its columns, in order (the change list's ``list_display``).
QUEUE_COLUMNS = (
    "code",
    "procedure_name",
    "applicant_name",
    "status",
    "stage",
    "handler",
    "due_at",
    "overdue_marker",
)


@admin.register(Dossier)
class DossierAdmin(LargeTableAdminMixin, access.AgencyScopedAdmin):
    list_display = list(QUEUE_COLUMNS)  # written in one pass by templatetags/dossier_queue.py
    list_filter = ["status", ProcedureFilter, DueFilter, "stage", HandledByFilter, TurnFilter]
    list_select_related = ["procedure", "applicant", "handler", "agency"]
    search_fields = ["code", "applicant__name_key", "applicant__phone", "delivery_phone"]  # read by the method below
    search_help_text = _(
        "Dossier or linked-filing code (or its last part, such as 261208-0012), applicant's name, CCCD or phone number."
    )
    ordering = ["-submitted_at", "-pk"]
    view_on_site = False
    change_list_template = "admin/dossiers/dossier/change_list.html"
    change_form_template = "admin/dossiers/dossier/change_form.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "procedure",
                    "case",
                    "agency",
                    "received_by",
                    "channel",
                    "applicant_contact",
                    "status",
                    "stage",
                    "handler",
                ]
            },
        ),
        (
            _("Deadlines"),
            {
                "fields": [
                    "submitted_at",
                    "accepted_at",
                    "due_at",
                    "overdue_marker",
                    "supplement_deadline",
                    "supplement_request",
                    "apology_issued_at",
                    "finished_at",
                    "timeliness",
                    "returned_at",
                ]
            },
        ),
        (
            _("Result and fees"),
            {"fields": ["result_reference", "delivery_method", "delivery_address", "delivery_phone", "cost"]},
        ),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    def get_fieldsets(self, request, obj=None):
        """What was asked of the citizen, and by when, only while it is awaited (the timeline keeps it after)."""
        if obj is not None and obj.status == Status.SUPPLEMENT_REQUESTED:
            return self.fieldsets
        hidden = {"supplement_request", "supplement_deadline"}
        return [
            (title, {**options, "fields": [name for name in options["fields"] if name not in hidden]})
            for title, options in self.fieldsets
        ]

    # Who sees what (portal.access.AgencyScopedAdmin): the official's agency's submitted dossiers, not their own
    # filings elsewhere; read-only, status and the rest change only through the actions.

    def get_search_results(self, request, queryset, search_term):
        """A dossier or linked-filing code (or its date and number), a CCCD, a phone number or (part of) a name,
        each answered from an index but the end of a code, read within the agency's dossiers.

        Officials type one thing at a time; matching every column with ``LIKE '%…%'`` at once would read the
        agency's whole table on every search.
        """
        term = " ".join(search_term.split())
        if not term:
            return queryset, False
        code = normalise_code(term)
        if is_dossier_code(code):  # a dossier's code, or the code of the linked filing the citizen holds
            filings = list(LinkedFiling.objects.filter(code=code).values_list("pk", flat=True)[:1])
            return queryset.filter(Q(code=code) | Q(filing__in=filings)), False
        digits = term.replace(" ", "").replace(".", "")
        if len(digits) == 12 and digits.isdigit():  # a CCCD: the applicant's dossiers
            applicants = list(User.objects.filter(id_number=digits).values_list("pk", flat=True)[:1])
            return queryset.filter(applicant__in=applicants), False
        if CODE_TAIL.match(code):  # "261208-0012": the date and number of a code, its agency left out
            return queryset.filter(code__endswith=f"-{code}"), False
        try:
            phone = normalize_vn_phone(term)  # stored as +84…; officials type 09…
        except ValidationError:
            phone = None
        if phone:
            applicants = list(User.objects.filter(phone=phone).values_list("pk", flat=True)[:20])  # lets OR use indexes
            return queryset.filter(Q(applicant__in=applicants) | Q(delivery_phone=phone)), False
        if term.replace("-", "").replace(".", "").isalnum() and any(ch.isdigit() for ch in term):
            return queryset.filter(code__startswith=code), False  # the start of a code, as read off a paper
        name = fold(term)  # "nguyen van an" finds "Nguyễn Văn An", as does "Nguyễn Văn An"
        if not name:
            return queryset.none(), False
        applicants = User.objects.filter(name_key__contains=name).values("pk")  # trigram index on PostgreSQL
        return queryset.filter(applicant__in=applicants), False

    def get_list_display(self, request):
        """The queue's columns; what a centre received for other agencies also says whose it is now."""
        if request.GET.get("turn") == "following":  # its stage is the other agency's business: whose it is instead
            return [column if column != "stage" else "agency_name" for column in QUEUE_COLUMNS]
        return list(QUEUE_COLUMNS)

    # --- Columns --------------------------------------------------------------------------------------

    @admin.display(description=_("competent agency"), ordering="agency__name")
    def agency_name(self, dossier):
        return dossier.agency.name

    @admin.display(description=_("procedure"), ordering="procedure__name")
    def procedure_name(self, dossier):
        name = dossier.procedure.name  # a plain cut: Truncator's per-row setup is a tenth of the queue's page
        return name if len(name) <= 80 else f"{name[:79].rstrip()}…"

    @admin.display(description=_("applicant"), ordering="applicant__full_name")
    def applicant_name(self, dossier):
        return dossier.applicant.full_name or dossier.applicant.username

    @admin.display(description=_("applicant"))
    def applicant_contact(self, dossier):
        applicant = dossier.applicant
        contact = ", ".join(value for value in (applicant.phone, applicant.email) if value)
        return f"{applicant.full_name} ({contact})" if contact else applicant.full_name

    @admin.display(description=_("fees and charges"))
    def cost(self, dossier):
        """What the dossier costs (``dossiers.costs``): its lines, the total, paid and still to pay."""
        return render_to_string("dossiers/_cost.html", {"cost": costs.cost_of(dossier), "cost_id": "admin-cost"})

    @admin.display(description=_("overdue"))
    def overdue_marker(self, dossier):
        if selectors.is_overdue(dossier):
            return format_html('<strong class="overdue">{}</strong>', _("Overdue"))
        return ""

    # --- Pages --------------------------------------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("bang-dieu-khien/", view(self.dashboard_view), name=f"{prefix}_dashboard"),
            path("<int:object_id>/action/<str:name>/", view(self.action_view), name=f"{prefix}_action"),
            path("<int:object_id>/chuyen-co-quan/", view(self.route_view), name=f"{prefix}_route"),
            path(
                "<int:object_id>/bo-sung-tai-quay/",
                view(self.supplement_at_desk_view),
                name=f"{prefix}_supplement_at_desk",
            ),
            path("<int:object_id>/lay-du-lieu/", view(self.fetch_data_view), name=f"{prefix}_fetch_data"),
            path("<int:object_id>/thong-bao/<int:notice_id>/", view(self.notice_view), name=f"{prefix}_notice"),
            path("<int:object_id>/phieu-kiem-soat/", view(self.control_slip_view), name=f"{prefix}_control_slip"),
            *self.counter_urls(prefix),
            *super().get_urls(),
        ]

    def counter_urls(self, prefix: str) -> list:
        """Counter intake of paper dossiers (``dossiers.counter_views``)."""
        view, base = self.admin_site.admin_view, "tiep-nhan-tai-quay"
        draft = f"{base}/<int:object_id>/"
        filing = f"{base}/lien-thong/ho-so/<int:filing_id>/"

        def page(function):
            return view(partial(function, model_admin=self))

        return [
            path(f"{base}/", page(counter_views.start), name=f"{prefix}_counter"),
            path(f"{base}/lien-ket-mat-khau/", page(counter_views.claim), name=f"{prefix}_counter_claim"),
            path(f"{base}/thu-tuc/", page(counter_views.procedure), name=f"{prefix}_counter_procedure"),
            path(f"{draft}to-khai/", page(counter_views.declaration), name=f"{prefix}_counter_declaration"),
            path(f"{draft}giay-to/", page(counter_views.documents), name=f"{prefix}_counter_documents"),
            path(draft, page(counter_views.review), name=f"{prefix}_counter_review"),
            path(
                f"{base}/lien-thong/<slug:code>/",
                page(counter_views.linked_start),
                name=f"{prefix}_counter_linked_start",
            ),
            path(
                f"{filing}to-khai/", page(counter_views.filing_declaration), name=f"{prefix}_counter_filing_declaration"
            ),
            path(filing, page(counter_views.filing), name=f"{prefix}_counter_filing"),
        ]

    def dashboard_view(self, request):
        return _queue_page(request, partial(admin_views.dashboard, model_admin=self))

    def action_view(self, request, object_id, name):
        return admin_views.take_action(request, self, object_id, name)

    def fetch_data_view(self, request, object_id):
        return admin_views.fetch_data(request, self, object_id)

    def route_view(self, request, object_id):
        return admin_views.route(request, self, object_id)

    def supplement_at_desk_view(self, request, object_id):
        return admin_views.supplement_at_desk(request, self, object_id)

    def notice_view(self, request, object_id, notice_id):
        return admin_views.notice(request, self, object_id, notice_id)

    def control_slip_view(self, request, object_id):
        return admin_views.control_slip(request, self, object_id)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        extra = {
            "dashboard_url": admin_views.admin_url(self, "dashboard"),  # the page's width: LargeTableAdminMixin
            **(extra_context or {}),
        }
        return _queue_page(request, partial(super().changelist_view, extra_context=extra))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        dossier = self.get_object(request, object_id)
        if dossier is None:
            raise Http404  # another agency's dossier does not exist, as far as this official knows
        extra = {
            **admin_views.change_context(request, self, dossier),
            "is_nav_sidebar_enabled": False,  # the declaration, papers and timeline take the page's width
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)
