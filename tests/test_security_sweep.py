"""A security sweep of every URL pattern, taken from the URL resolver (the site's, the back office's and the API's).

Every pattern is either swept or allow-listed:

* swept: its URL is built from real objects of the demo agency (a dossier with its scans, notices and result, its
  payment request, transactions, receipt and refund, its shipment, rating and messages; drafts; the owner's account)
  and requested as a visitor, as another citizen, as an official of another agency and, where they have no business,
  as the applicant or as an official of the receiving agency. Each must be refused: a sign-in redirect, 401, 403 or
  404 (the back office's "does not exist" redirect too); a page every signed-in user may open, such as "my dossiers",
  must not show the owner's data. The owner or the receiving agency's official then gets the same URL, so the sweep
  cannot pass by refusing everyone;
* allow-listed: public on purpose, or showing nothing of anyone, each with its reason.

A new URL pattern that is neither makes ``test_every_url_pattern_is_swept_or_allow_listed`` fail.

Also here: CSRF on every HTML form, open redirects (sign-in, sign-out, language switch), the production security
headers, and attacks through the citizen's document upload.
"""

import html
import io
import json
import re
import runpy
import secrets
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client, RequestFactory, override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from knox.models import AuthToken

from dossiers import counter, linked, processing
from dossiers import services as dossier_services
from dossiers.constants import DocumentKind as UploadKind
from dossiers.constants import Status
from dossiers.counter_views import citizen_reference
from dossiers.models import Dossier, DossierDocument, StoredDocument, StoredOrigin
from interconnection.models import DossierSync
from notifications.models import Message
from payments import services as payment_services
from payments.constants import Collection, RequestStatus
from payments.models import GatewayNotification, PaymentRequest, ProcedurePaymentRule
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.accounts.services import create_official
from postal import services as postal_services
from procedures.eforms import EForm
from procedures.kinds import PaperKind, kind_of_document
from procedures.models import Agency, DistrictRule, Procedure, ProcedureGroup
from tracking.services import rate_dossier

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH, MARRIAGE, PDF_BYTES, api_declaration, birth_declaration, image_bytes
from .payments_support import file_dossier, gateway_params, official
from .test_api_linked import answers as api_answers
from .test_back_office import OTHER_AGENCY, dossier_in
from .test_linked import BIRTH_GROUP, group_declaration, ready_filing
from .test_linked import _cases as linked_cases

pytestmark = pytest.mark.django_db

PASSWORD = "MatKhau@2026"  # CitizenFactory's and create_official's below

# --- Who asks -------------------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
OWNER = "owner"  # the applicant of every dossier below
OTHER_CITIZEN = "another citizen"
OFFICIAL = "official"  # the one-stop desk officer of the receiving agency (UBND phường Hạc Thành)
OUTSIDER = "outsider"  # the agency administrator of another agency: the strongest role an official can have
SUPERUSER = "superuser"
CHECKED = (ANONYMOUS, OWNER, OTHER_CITIZEN, OFFICIAL, OUTSIDER)  # refused wherever they are not allowed

# --- What is public on purpose (or shows nothing of anyone), by pattern name (or route when unnamed) ---------------

ALLOW_LIST = {
    # The catalogue, public statistics and the public look-up
    "home": "the home page: search and the most used procedures",
    "healthz": "reachability of the database, cache, broker and storage, for the load balancer; no data",
    "favicon.ico": "the site icon: a redirect to a static file",
    "procedures:catalogue": "the public catalogue of procedures",
    "procedures:detail": "a procedure's public page",
    "procedures:template": "a procedure's blank form template, public from level 2",
    "reports:statistics": "public statistics (aggregates only)",
    "reports:csv": "public statistics as CSV (aggregates only)",
    "tracking:lookup": "public look-up by dossier code + captcha; personal data masked (Decree 13/2023)",
    "v1:lookup-list": "the look-up's API: captcha or partner key, throttled, masked",
    "v1:lookup-captcha": "a new captcha for the look-up's API",
    "v1:statistics": "public statistics' API (aggregates only)",
    "signing:verify": "public verification of a signed PDF (rate-limited; an upload is kept nowhere; ?ho-so= shows the "
    "signature report of a dossier's signed result: signer, time, verdict, no personal data of the applicant)",
    "v1:signing-trust-anchors": "the public certificates the portal's signatures chain to",
    "v1:procedure-list": "the catalogue's API",
    "v1:procedure-detail": "the catalogue's API",
    "v1:agency-list": "the catalogue's API: agencies",
    "v1:agency-detail": "the catalogue's API: agencies",
    "v1:field-list": "the catalogue's API: fields",
    "v1:field-detail": "the catalogue's API: fields",
    "v1:api-root": "the API's index of links",
    "schema": "the OpenAPI schema",
    "api-docs": "Swagger UI for the schema",
    "api-redoc": "ReDoc for the schema",
    # Captcha, language
    "captcha-image": "a captcha's picture",
    "captcha-image-2x": "a captcha's picture, high resolution",
    "captcha-audio": "a captcha's audio alternative",
    "captcha-refresh": "a new captcha",
    "set_language": "the language switch (open redirects checked below)",
    # Signing in, registering, passwords
    "accounts:login": "sign-in (open redirects checked below)",
    "accounts:logout": "sign-out (then at the identity provider, for a citizen who signed in there)",
    "accounts:identity_start": "starts a sign-in at the identity provider (state, nonce, PKCE in the session)",
    "accounts:identity_callback": "the identity provider's answer: refused unless its state is this session's",
    "accounts:register": "registration",
    "accounts:verify_email_sent": "'check your mailbox' page of the registration",
    "accounts:verify_email_resend": "sends the signed-in user's own verification link again",
    "accounts:verify_email": "email verification by signed token",
    "accounts:password_reset": "forgotten password",
    "accounts:password_reset_done": "forgotten password: mail sent",
    "accounts:password_reset_confirm": "new password by signed token",
    "accounts:password_reset_complete": "forgotten password: done",
    "v1:token": "API sign-in: username and password give a token (throttled, locked out like the web)",
    "admin:login": "the back office's sign-in",
    "admin:logout": "the back office's sign-out",
    "quan-tri/(?P<url>.*)$": "the back office's catch-all: staff only, answers 404 or the same URL with a slash",
    # Called by other systems, authenticated by signature or shared secret
    "payments:ipn": "VNPay's server-to-server IPN, authenticated by its HMAC-SHA512 signature",
    "payments:sandbox_pay": "the simulated gateway's bank page (PAYMENT_SANDBOX only, refused in production)",
    "payments:sandbox_api": "the simulated gateway's query/refund API (PAYMENT_SANDBOX only), signed",
    "notifications:delivery_report": "the SMS gateway's delivery reports, authenticated by X-Callback-Secret",
    "interconnection:inbound": "dossiers filed on the national portal, authenticated by a shared secret header",
    "interconnection:file": "a dossier's file for the national portal, by a signed link that expires",
}

# Every model of the back office, by what its pages show. A model added to the admin without being classified here
# leaves its URL patterns neither swept nor allow-listed, and the coverage test fails.
AGENCY = "a dossier's data: the receiving agency's officials"
SYSTEM = "accounts, tokens, sign-in logs, raw gateway messages: the system administrator only"
CONFIG = "configuration shared by every agency: staff, by permission; never citizens"
ADMIN_MODELS = {
    "dossiers.dossier": AGENCY,
    "payments.paymentrequest": AGENCY,
    "payments.transaction": AGENCY,
    "payments.refund": AGENCY,
    "payments.receipt": AGENCY,
    "postal.shipment": AGENCY,
    "notifications.message": AGENCY,
    "tracking.rating": AGENCY,
    "interconnection.dossiersync": AGENCY,
    "accounts.user": SYSTEM,
    "knox.authtoken": SYSTEM,
    "axes.accessattempt": SYSTEM,
    "axes.accesslog": SYSTEM,
    "axes.accessfailurelog": SYSTEM,
    "payments.gatewaynotification": SYSTEM,
    "auth.group": CONFIG,
    "procedures.agency": CONFIG,
    "procedures.field": CONFIG,
    "procedures.legaldocument": CONFIG,
    "procedures.procedure": CONFIG,
    "procedures.processingoption": CONFIG,
    "procedures.procedurecase": CONFIG,
    "procedures.calendarday": CONFIG,
    "procedures.districtrule": CONFIG,
    "procedures.proceduregroup": CONFIG,
    "payments.procedurepaymentrule": CONFIG,
    "postal.tariff": CONFIG,
    "postal.trackingrange": CONFIG,
    "notifications.messagetemplate": CONFIG,
    "interconnection.statusmapping": CONFIG,
}

# Views that take POSTs without a CSRF token: other systems call them, authenticated otherwise.
CSRF_EXEMPT = {"payments:ipn", "payments:sandbox_api", "notifications:delivery_report", "interconnection:inbound"}


def url_patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """(key, route, callback) of every URL pattern; the key is the namespaced name, or the route when unnamed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern)
        route = prefix + (route.removeprefix("^") if prefix else route)  # as ResolverMatch.route joins them
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route, pattern.callback
        else:
            yield route, route, pattern.callback


def key_of(url: str) -> str:
    match = resolve(urlsplit(url).path)
    return match.view_name if match.url_name else match.route


# --- Targets -------------------------------------------------------------------------------------------------------


@dataclass
class Target:
    key: str  # the URL pattern's key, as url_patterns() gives it
    url: str
    allowed: frozenset  # who gets it: every other principal of CHECKED is refused, except those in ``skip``
    method: str = "GET"
    data: Callable[[], dict] | dict | None = None
    api: bool = False
    multipart: bool = False  # API bodies are JSON unless this
    expect: int = 200  # what the allowed get
    shows: Callable | None = None  # a page anyone signed in may open: does it show the owner's data?
    post: Callable[[], dict] | dict | None = None  # a form view: refused principals also POST this
    skip: frozenset = frozenset()  # principals neither allowed nor refused (e.g. officials reading the catalogue)

    @property
    def refused(self) -> list[str]:
        return [who for who in CHECKED if who not in self.allowed and who not in self.skip]

    def attempts(self, *, granted: bool) -> list[tuple[str, object]]:
        """(method, body) to send: the target's own; a refused principal also tries the form's POST."""
        found = [(self.method, self.data)]
        if self.post is not None and not granted:
            found.append(("POST", self.post))
        return found


def target(key, url, allowed, **options) -> Target:
    return Target(key=key, url=url, allowed=frozenset(allowed), **options)


def has(*needles: str) -> Callable:
    return lambda response: all(needle in text_of(response) for needle in needles)


def text_of(response) -> str:
    if not hasattr(response, "_swept_text"):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        response._swept_text = content.decode("utf-8", "replace")
    return response._swept_text


def in_changelist(obj) -> Callable:
    return lambda response: obj.pk in {row.pk for row in response.context["cl"].result_list}


def pdf_upload(name: str = "scan.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- The world the sweep runs in ------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    owner_token: str
    targets: list[Target]


def start_draft(owner: User) -> Dossier:
    procedure = Procedure.objects.get(code=BIRTH)
    draft = dossier_services.start_draft(
        procedure=procedure, applicant=owner, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(), spec=procedure.eform)
    assert form.is_valid(), form.errors
    dossier_services.save_declaration(dossier=draft, data=form.to_json())
    return draft


def admin_expectation(model_admin, user: User, view: str, obj) -> int:
    """What the back office answers ``user`` for the add or delete page: 200 if its permissions allow, else 403."""
    request = RequestFactory().get("/")
    request.user = user
    allowed = (
        model_admin.has_add_permission(request) if view == "add" else model_admin.has_delete_permission(request, obj)
    )
    return 200 if allowed else 403


def build_world() -> World:
    owner = CitizenFactory(
        email=f"chu-ho-so-{uuid.uuid4().hex[:10]}@example.vn", full_name="Nguyễn Văn Chủ", id_number="038090002468"
    )
    other = CitizenFactory(email=f"nguoi-khac-{uuid.uuid4().hex[:10]}@example.vn", full_name="Trần Thị Khác")
    desk, specialist, leader, cashier = (official(name) for name in ("tiepnhan", "chuyenvien", "lanhdao", "thuphi"))
    outsider = create_official(
        username=f"quantri_khac_{uuid.uuid4().hex[:8]}",
        full_name="Quản trị đơn vị khác",
        email=f"quantri-khac-{uuid.uuid4().hex[:8]}@example.gov.vn",
        agency=Agency.objects.get(code=OTHER_AGENCY),
        role=Role.AGENCY_ADMIN,
        password=PASSWORD,
    )
    superuser = User.objects.get(username="admin")
    users = {
        ANONYMOUS: None,
        OWNER: owner,
        OTHER_CITIZEN: other,
        OFFICIAL: desk,
        OUTSIDER: outsider,
        SUPERUSER: superuser,
    }

    # Submitted, the result by post: the submission fees are open and the citizen has started paying online.
    filed = file_dossier(citizen=owner)
    payment = PaymentRequest.objects.get(dossier=filed, status=RequestStatus.OPEN)
    pending, _url = payment_services.start_online_payment(
        request=payment, by=owner, return_url="http://testserver" + reverse("payments:return"), client_ip="127.0.0.1"
    )
    # Paid at the counter (receipt), refunded, processed, the result approved and posted (shipment), then rated.
    done = file_dossier(citizen=owner)
    paid = payment_services.record_counter_payment(
        request=PaymentRequest.objects.get(dossier=done, status=RequestStatus.OPEN), by=cashier
    )
    refund = payment_services.refund_payment(txn=paid, by=cashier, reason="Thu trùng lệ phí")
    processing.accept(dossier=done, by=desk)
    processing.assign(dossier=done, by=desk, handler=specialist)
    processing.submit_for_approval(dossier=done, by=specialist, leader=leader)
    processing.approve(dossier=done, by=leader, result=pdf_upload("ket-qua.pdf"), pin=settings.SIGNATURE_DEMO_PIN)
    shipment = postal_services.post_result(dossier=done, by=desk)
    done.refresh_from_db()
    rating = rate_dossier(dossier=done, user=owner, score=5, on_time=5, attitude=4, clarity=5, comment="Nhanh")
    notice = done.notices.first()
    # Waiting for the citizen's supplement.
    supplementing = file_dossier(citizen=owner, place=None)
    processing.request_supplement(dossier=supplementing, by=desk, missing="Bản sao giấy chứng sinh", days=5)
    first_filed = supplementing.documents.first()  # replaced by the citizen: kept as filed, for the record
    dossier_services.attach_document(
        dossier=supplementing, required_document=first_filed.required_document, upload=pdf_upload("moi.pdf")
    )
    replaced = supplementing.replaced_documents.get()
    # Returned and not rated yet; awaiting intake (for the API's accept).
    unrated = dossier_in(Status.RETURNED, returned_at=timezone.now())
    Dossier.objects.filter(pk=unrated.pk).update(applicant=owner)
    intake = dossier_in(Status.SUBMITTED)
    # Drafts: one being filled in (two scans), one complete and ready to submit.
    draft = start_draft(owner)
    slots = list(draft.case.documents.order_by("position"))
    first_scan, second_scan = (
        dossier_services.attach_document(dossier=draft, required_document=slot, upload=pdf_upload(f"giay-{n}.pdf"))
        for n, slot in enumerate(slots[:2])
    )
    complete = start_draft(owner)
    for slot in complete.case.documents.filter(is_required=True):
        dossier_services.attach_document(dossier=complete, required_document=slot, upload=pdf_upload())
    # A paper dossier being registered at the desk of the receiving agency for the owner.
    birth = Procedure.objects.get(code=BIRTH)
    at_counter = counter.start(
        by=desk, applicant=owner, procedure=birth, case=birth.cases.get(), agency=Agency.objects.get(code=HAC_THANH)
    )

    # Linked procedures (birth, residence, health insurance): a draft filing with its scans, and a submitted one.
    linked_draft = ready_filing(owner)
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    linked_at_counter = counter.start_filing(by=desk, applicant=owner, group=group, cases=linked_cases(group))
    linked_scan = DossierDocument.objects.filter(dossier__filing=linked_draft).first()
    linked_filed, _submitted = linked.submit_filing(filing=ready_filing(owner), by=owner)
    linked_draft_id = {"public_id": linked_draft.public_id}
    linked_by_api = ready_filing(owner)  # changed and submitted through the API
    unwanted = start_draft(owner)  # deleted by its owner, last
    unwanted_filing = ready_filing(owner)
    linked_api = f"/api/v1/linked-filings/{linked_by_api.public_id}/"
    linked_api_scan = DossierDocument.objects.filter(dossier__filing=linked_by_api).first()
    # The owner's document store: a paper from the filed dossier, offered again to the draft's identity slot.
    stored = StoredDocument(
        owner=owner,
        kind=PaperKind.ID_DOCUMENT,
        title="Căn cước",
        origin=StoredOrigin.UPLOAD,
        origin_dossier=filed,
        origin_code=filed.code,
        content_type=UploadKind.PDF,
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    stored.file.save("stored", ContentFile(PDF_BYTES), save=True)
    id_slot = next(slot for slot in slots if kind_of_document(slot) == PaperKind.ID_DOCUMENT)
    linked_id_slot = next(
        slot
        for part in linked_draft.parts.all()
        for slot in part.case.documents.all()
        if kind_of_document(slot) == PaperKind.ID_DOCUMENT
    )

    message = Message.objects.filter(dossier__agency__code=HAC_THANH, dossier__applicant=owner).first()
    assert message is not None, "filing should have written the citizen's notifications to the outbox"
    token, owner_token = AuthToken.objects.create(user=owner)
    trail = {"username": owner.username, "ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0", "path_info": "/"}
    objects = {
        "dossiers.dossier": filed,
        "payments.paymentrequest": payment,
        "payments.transaction": paid,
        "payments.refund": refund,
        "payments.receipt": paid.receipt,
        "postal.shipment": shipment,
        "notifications.message": message,
        "tracking.rating": rating,
        "interconnection.dossiersync": DossierSync.objects.create(dossier=filed),
        "accounts.user": owner,
        "knox.authtoken": token,
        "axes.accessattempt": AccessAttempt.objects.create(
            **trail, get_data="", post_data="username=" + owner.username, failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**trail),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**trail),
        "payments.gatewaynotification": GatewayNotification.objects.create(
            source="ipn", txn_ref=pending.txn_ref, params=gateway_params(pending), answer="00"
        ),
        "payments.procedurepaymentrule": ProcedurePaymentRule.objects.create(
            procedure=Procedure.objects.get(code=MARRIAGE), collection=Collection.ON_REQUEST
        ),
        "procedures.districtrule": DistrictRule.objects.create(field=None),
    }

    public = {"public_id": filed.public_id}
    scores = {"score": 5, "on_time": 5, "attitude": 5, "clarity": 5, "comment": "Tốt"}
    web = [
        # The citizen's pages: their dossiers, the filing flow, files, payment, rating, notification settings
        target("dossiers:mine", reverse("dossiers:mine"), {OWNER}, shows=has(filed.code, done.code)),
        target(
            "dossiers:start",
            reverse("dossiers:start", kwargs={"code": BIRTH}),
            {OWNER},
            shows=has(str(draft.public_id)),
        ),
        target("dossiers:detail", reverse("dossiers:detail", kwargs=public), {OWNER, OFFICIAL}, shows=has(filed.code)),
        target(
            "dossiers:document",
            reverse("dossiers:document", kwargs={**public, "pk": filed.documents.first().pk}),
            {OWNER, OFFICIAL},
        ),
        target(
            "dossiers:replaced_document",
            reverse("dossiers:replaced_document", kwargs={"public_id": supplementing.public_id, "pk": replaced.pk}),
            {OWNER, OFFICIAL},
        ),
        target("dossiers:receipt", reverse("dossiers:receipt", kwargs=public), {OWNER, OFFICIAL}),
        target(
            "dossiers:notice",
            reverse("dossiers:notice", kwargs={"public_id": done.public_id, "pk": notice.pk}),
            {OWNER, OFFICIAL},
        ),
        target("dossiers:result", reverse("dossiers:result", kwargs={"public_id": done.public_id}), {OWNER, OFFICIAL}),
        target(
            "dossiers:declaration",
            reverse("dossiers:declaration", kwargs={"public_id": draft.public_id}),
            {OWNER},
            post=birth_declaration,
        ),
        target(
            "dossiers:documents",
            reverse("dossiers:documents", kwargs={"public_id": draft.public_id}),
            {OWNER},
            post=lambda: {f"document-{slots[0].pk}": pdf_upload("ke-la.pdf")},
        ),
        target(
            "dossiers:delivery",
            reverse("dossiers:delivery", kwargs={"public_id": draft.public_id}),
            {OWNER},
            post={"method": "office"},
        ),
        target(
            "dossiers:review",
            reverse("dossiers:review", kwargs={"public_id": draft.public_id}),
            {OWNER},
            post={"confirm": "on"},
        ),
        target(
            "dossiers:supplement",
            reverse("dossiers:supplement", kwargs={"public_id": supplementing.public_id}),
            {OWNER},
            post={"send": "1", "note": "Đã bổ sung"},
        ),
        target(
            "dossiers:linked_start",
            reverse("dossiers:linked_start", kwargs={"code": BIRTH_GROUP}),
            {OWNER},
            shows=has(str(linked_draft.public_id)),
        ),
        target(
            "dossiers:linked_detail",
            reverse("dossiers:linked_detail", kwargs={"public_id": linked_filed.public_id}),
            {OWNER},
        ),
        target(
            "dossiers:linked_declaration",
            reverse("dossiers:linked_declaration", kwargs=linked_draft_id),
            {OWNER},
            post=group_declaration,
        ),
        target(
            "dossiers:linked_documents",
            reverse("dossiers:linked_documents", kwargs=linked_draft_id),
            {OWNER},
            post=lambda: {f"document-{linked_scan.required_document_id}": pdf_upload("ke-la.pdf")},
        ),
        target(
            "dossiers:linked_delivery",
            reverse("dossiers:linked_delivery", kwargs=linked_draft_id),
            {OWNER},
            post=lambda: {
                f"method_{part.pk}": "online" for part in linked_draft.parts.exclude(procedure__code="1.004222")
            },
        ),
        target(
            "dossiers:linked_review",
            reverse("dossiers:linked_review", kwargs=linked_draft_id),
            {OWNER},
            post={"confirm": "on"},
        ),
        target(
            "payments:pay", reverse("payments:pay", kwargs=public), {OWNER}, shows=has(filed.code), post={"pay": "1"}
        ),
        target(
            "payments:receipt",
            reverse("payments:receipt", kwargs={"public_id": done.public_id, "number": paid.receipt.number}),
            {OWNER, OFFICIAL},
        ),
        target(
            "payments:return",
            reverse("payments:return") + "?" + urlencode(gateway_params(pending)),
            {OWNER},
            shows=has(filed.code),
        ),
        target(
            "tracking:rate",
            reverse("tracking:rate", kwargs={"public_id": unrated.public_id}),
            {OWNER},
            post=scores,
        ),
        target("notifications:preferences", reverse("notifications:preferences"), {OWNER}, shows=has(owner.email)),
        target("dossiers:store", reverse("dossiers:store"), {OWNER}, shows=has(f"/ho-so/kho-du-lieu/{stored.pk}/")),
        target(
            "dossiers:stored_document", reverse("dossiers:stored_document", kwargs={"pk": stored.pk}), {OWNER, OFFICIAL}
        ),
        # Changes last (the sweep sends every GET first): removing a scan of the draft
        target(
            "dossiers:reuse_document",
            reverse("dossiers:reuse_document", kwargs={"public_id": draft.public_id}),
            {OWNER},
            method="POST",
            data={"reuse": f"{id_slot.pk}:{stored.pk}"},
            expect=302,
        ),
        target(
            "dossiers:linked_reuse",
            reverse("dossiers:linked_reuse", kwargs=linked_draft_id),
            {OWNER},
            method="POST",
            data={"reuse": f"{linked_id_slot.pk}:{stored.pk}"},
            expect=302,
        ),
        target(
            "dossiers:delete_stored_document",
            reverse("dossiers:delete_stored_document", kwargs={"pk": stored.pk}),
            {OWNER},
            method="POST",
            expect=302,
        ),
        target(
            "dossiers:remove_document",
            reverse("dossiers:remove_document", kwargs={"public_id": draft.public_id, "pk": first_scan.pk}),
            {OWNER},
            method="POST",
            expect=302,
        ),
        target("dossiers:discard", reverse("dossiers:discard", kwargs={"public_id": unwanted.public_id}), {OWNER}),
        target(
            "dossiers:discard",
            reverse("dossiers:discard", kwargs={"public_id": unwanted.public_id}),
            {OWNER},
            method="POST",
            expect=302,
        ),
        target(
            "dossiers:linked_discard",
            reverse("dossiers:linked_discard", kwargs={"public_id": unwanted_filing.public_id}),
            {OWNER},
        ),
        target(
            "dossiers:linked_discard",
            reverse("dossiers:linked_discard", kwargs={"public_id": unwanted_filing.public_id}),
            {OWNER},
            method="POST",
            expect=302,
        ),
        target(
            "dossiers:linked_remove",
            reverse("dossiers:linked_remove", kwargs={**linked_draft_id, "pk": linked_scan.pk}),
            {OWNER},
            method="POST",
            expect=302,
        ),
    ]

    today = timezone.localdate().isoformat()
    back_office = [
        target("admin:index", reverse("admin:index"), {OFFICIAL}, skip={OUTSIDER}),
        target("admin:app_list", reverse("admin:app_list", args=["dossiers"]), {OFFICIAL}, skip={OUTSIDER}),
        target("admin:password_change", reverse("admin:password_change"), {OFFICIAL}, skip={OUTSIDER}),
        target("admin:password_change_done", reverse("admin:password_change_done"), {OFFICIAL}, skip={OUTSIDER}),
        target("admin:jsi18n", reverse("admin:jsi18n"), {OFFICIAL}, skip={OUTSIDER}),
        target(
            "admin:autocomplete",
            reverse("admin:autocomplete") + "?app_label=procedures&model_name=procedure&field_name=field&term=h",
            {OFFICIAL},
            skip={OUTSIDER},
        ),
        target(
            "admin:view_on_site",
            reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Dossier).pk, filed.pk]),
            {OFFICIAL},
        ),
        target(
            "admin:view_on_site",
            reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(DossierDocument).pk, second_scan.pk]),
            set(),  # a draft's scan: nobody, in the back office
        ),
        target(
            "admin:dossiers_dossier_dashboard",
            reverse("admin:dossiers_dossier_dashboard"),
            {OFFICIAL},
            shows=lambda response: any(row["count"] for row in response.context["rows"]),
        ),
        target(
            "admin:dossiers_dossier_action",
            reverse("admin:dossiers_dossier_action", args=[filed.pk, "accept"]),
            {OFFICIAL},
            post={"version": filed.version},
        ),
        target(
            "admin:dossiers_dossier_fetch_data",
            reverse("admin:dossiers_dossier_fetch_data", args=[filed.pk]),
            {OFFICIAL},
            method="POST",
            expect=302,
        ),
        target(
            "admin:dossiers_dossier_route",
            reverse("admin:dossiers_dossier_route", args=[filed.pk]),
            {OFFICIAL},
            post={"version": filed.version, "to": ""},
        ),
        target(
            "admin:dossiers_dossier_supplement_at_desk",
            reverse("admin:dossiers_dossier_supplement_at_desk", args=[supplementing.pk]),
            {OFFICIAL},
        ),
        target(
            "admin:dossiers_dossier_notice",
            reverse("admin:dossiers_dossier_notice", args=[done.pk, notice.pk]),
            {OFFICIAL},
        ),
        target(
            "admin:dossiers_dossier_control_slip",
            reverse("admin:dossiers_dossier_control_slip", args=[done.pk]),
            {OFFICIAL},
        ),
        # Counter intake: every desk registers at its own counter (the outsider too, at theirs); a paper dossier
        # being registered is its centre's only.
        target(
            "admin:dossiers_dossier_counter", reverse("admin:dossiers_dossier_counter"), {OFFICIAL}, skip={OUTSIDER}
        ),
        target(
            "admin:dossiers_dossier_counter_procedure",
            reverse("admin:dossiers_dossier_counter_procedure") + f"?citizen={citizen_reference(owner)}",
            {OFFICIAL},
            skip={OUTSIDER},
        ),
        target(
            "admin:dossiers_dossier_counter_claim",
            reverse("admin:dossiers_dossier_counter_claim"),
            {OFFICIAL},
            skip={OUTSIDER},
            method="POST",
            data={"id_number": "038090001234"},
            expect=302,
        ),
        *(
            target(
                f"admin:dossiers_dossier_counter_{name}",
                reverse(f"admin:dossiers_dossier_counter_{name}", args=[at_counter.pk]),
                {OFFICIAL},
                post=post,
            )
            for name, post in (
                ("declaration", birth_declaration()),
                ("documents", {"document": slots[0].pk, "action": "exempt", "reason": "shown"}),
                ("review", {"decision": "refuse", "reason": "Không đủ điều kiện"}),
            )
        ),
        target(
            "admin:dossiers_dossier_counter_linked_start",
            reverse("admin:dossiers_dossier_counter_linked_start", args=[BIRTH_GROUP])
            + f"?citizen={citizen_reference(owner)}",
            {OFFICIAL},
            skip={OUTSIDER},
            post=lambda: {"id_number": owner.id_number},
        ),
        target(
            "admin:dossiers_dossier_counter_filing_declaration",
            reverse("admin:dossiers_dossier_counter_filing_declaration", args=[linked_at_counter.pk]),
            {OFFICIAL},
            post=group_declaration(),
        ),
        target(
            "admin:dossiers_dossier_counter_filing",
            reverse("admin:dossiers_dossier_counter_filing", args=[linked_at_counter.pk]),
            {OFFICIAL},
            post={"decision": "discard"},
        ),
        target(
            "admin:payments_paymentrequest_counter",
            reverse("admin:payments_paymentrequest_counter", args=[payment.pk]),
            {OFFICIAL},
            post={"method": "cash", "reference": ""},
        ),
        target(
            "admin:payments_paymentrequest_exempt",
            reverse("admin:payments_paymentrequest_exempt", args=[payment.pk]),
            {OFFICIAL},
            post={"line": payment.lines.first().pk, "reason": "Miễn theo quy định"},
        ),
        target(
            "admin:payments_paymentrequest_report",
            reverse("admin:payments_paymentrequest_report") + f"?day={today}",
            {OFFICIAL},
            shows=has(done.code),
        ),
        target(
            "reports:agency",
            reverse("reports:agency"),
            {OFFICIAL},
            shows=has(Agency.objects.get(code=HAC_THANH).name),  # another agency's official sees their own
        ),
        target(
            "admin:payments_transaction_refund",
            reverse("admin:payments_transaction_refund", args=[paid.pk]),
            {OFFICIAL},
            post={"reason": "Hoàn tiền"},
        ),
        target(
            "admin:postal_shipment_post",
            reverse("admin:postal_shipment_post", args=[done.pk]),
            {OFFICIAL},
            post={"weight": 100, "note": ""},
        ),
        target(
            "admin:postal_shipment_receive",
            reverse("admin:postal_shipment_receive", args=[filed.pk]),
            {OFFICIAL},
            post={"tracking_number": "EB000000005VN", "note": ""},
        ),
        target(
            "admin:postal_shipment_status",
            reverse("admin:postal_shipment_status", args=[shipment.pk]),
            {OFFICIAL},
            post={"status": "picked_up", "note": ""},
        ),
        target("admin:postal_shipment_label", reverse("admin:postal_shipment_label", args=[shipment.pk]), {OFFICIAL}),
        target(
            "admin:payments_paymentrequest_cod",
            reverse("admin:payments_paymentrequest_cod", args=[shipment.pk]),
            {OFFICIAL},
            post={"reference": ""},
        ),
    ]
    back_office.append(
        target(
            "admin:auth_user_password_change",
            reverse("admin:auth_user_password_change", args=[owner.pk]),
            {SUPERUSER},
        )
    )
    for label, kind in ADMIN_MODELS.items():
        model = apps.get_model(label)
        model_admin = admin.site._registry[model]
        obj = objects[label] if label in objects else model.objects.first()
        assert obj is not None, f"the sweep needs one {label} to open its back-office pages"
        allowed = {OFFICIAL} if kind == AGENCY else {SUPERUSER}
        skip = {OFFICIAL, OUTSIDER} if kind == CONFIG else set()  # as their roles' permissions say
        who = users[next(iter(allowed))]
        prefix, pk = f"admin:{model._meta.app_label}_{model._meta.model_name}", quote(obj.pk)
        pages = {
            f"{prefix}_changelist": (reverse(f"{prefix}_changelist"), {"shows": in_changelist(obj)}),
            f"{prefix}_change": (reverse(f"{prefix}_change", args=[pk]), {}),
            f"{prefix}_history": (reverse(f"{prefix}_history", args=[pk]), {}),
            f"{prefix}_add": (reverse(f"{prefix}_add"), {"expect": admin_expectation(model_admin, who, "add", None)}),
            f"{prefix}_delete": (
                reverse(f"{prefix}_delete", args=[pk]),
                {"expect": admin_expectation(model_admin, who, "delete", obj)},
            ),
        }
        old_change_url = f"/quan-tri/{label.replace('.', '/')}/{pk}/"  # redirects to …/<id>/change/
        pages[key_of(old_change_url)] = (old_change_url, {})
        for key, (url, options) in pages.items():
            back_office.append(target(key, url, allowed, skip=skip, **options))

    api = [
        target("v1:me", "/api/v1/auth/me/", {OWNER}, api=True, shows=has(owner.username)),
        # Revoking acts on the caller's own tokens only; the sweep checks the owner's token survives the others.
        target(
            "v1:token-revoke",
            "/api/v1/auth/token/revoke/",
            {OWNER},
            api=True,
            method="POST",
            expect=204,
            skip={OTHER_CITIZEN, OFFICIAL, OUTSIDER},
        ),
        target(
            "v1:token-revoke-all",
            "/api/v1/auth/token/revoke-all/",
            {OWNER},
            api=True,
            method="POST",
            expect=204,
            skip={OTHER_CITIZEN, OFFICIAL, OUTSIDER},
        ),
        target(
            "v1:queues",
            "/api/v1/queues/",
            {OFFICIAL},
            api=True,
            shows=lambda response: any(row["count"] for row in response.json()),
        ),
        target("v1:dossier-list", "/api/v1/dossiers/", {OWNER, OFFICIAL}, api=True, shows=has(filed.code)),
        target("v1:dossier-detail", f"/api/v1/dossiers/{filed.code}/", {OWNER, OFFICIAL}, api=True),
        target("v1:dossier-detail", f"/api/v1/dossiers/{filed.code}.json", {OWNER, OFFICIAL}, api=True),
        target("v1:draft-list", "/api/v1/drafts/", {OWNER}, api=True, shows=has(str(draft.public_id))),
        target("v1:draft-detail", f"/api/v1/drafts/{draft.public_id}/", {OWNER}, api=True),
        target("v1:draft-detail", f"/api/v1/drafts/{draft.public_id}.json", {OWNER}, api=True),
        target("v1:rating-detail", f"/api/v1/ratings/{done.code}/", {OWNER}, api=True),
        # Changes, in this order for the owner
        target(
            "v1:draft-declaration",
            f"/api/v1/drafts/{draft.public_id}/declaration/",
            {OWNER},
            api=True,
            method="PUT",
            data=lambda: {"answers": api_declaration()},
        ),
        target(
            "v1:draft-delivery",
            f"/api/v1/drafts/{draft.public_id}/delivery/",
            {OWNER},
            api=True,
            method="PUT",
            data={"method": "office"},
        ),
        target(
            "v1:draft-remove-document",
            f"/api/v1/drafts/{draft.public_id}/documents/{second_scan.pk}/",
            {OWNER},
            api=True,
            method="DELETE",
            expect=204,
        ),
        target(
            "v1:draft-documents",
            f"/api/v1/drafts/{draft.public_id}/documents/",
            {OWNER},
            api=True,
            method="POST",
            multipart=True,
            data=lambda: {"required_document": slots[1].pk, "file": pdf_upload("moi.pdf")},
            expect=201,
        ),
        target("v1:linked-filing-list", "/api/v1/linked-filings/", {OWNER}, api=True, shows=has(linked_filed.code)),
        target("v1:linked-filing-detail", linked_api, {OWNER}, api=True, shows=has(str(linked_by_api.public_id))),
        target(
            "v1:linked-filing-declaration",
            linked_api + "declaration/",
            {OWNER},
            api=True,
            method="PUT",
            data=lambda: {"answers": api_answers(group_declaration())},
        ),
        target(
            "v1:linked-filing-delivery", linked_api + "delivery/", {OWNER}, api=True, method="PUT", data={"methods": {}}
        ),
        target(
            "v1:linked-filing-remove-document",
            f"{linked_api}documents/{linked_api_scan.pk}/",
            {OWNER},
            api=True,
            method="DELETE",
            expect=204,
        ),
        target(
            "v1:linked-filing-documents",
            linked_api + "documents/",
            {OWNER},
            api=True,
            method="POST",
            multipart=True,
            data=lambda: {"required_document": linked_api_scan.required_document_id, "file": pdf_upload("lt.pdf")},
            expect=201,
        ),
        target(
            "v1:linked-filing-submit",
            linked_api + "submit/",
            {OWNER},
            api=True,
            method="POST",
            data={"confirm": True},
            expect=201,
        ),
        target(
            "v1:draft-submit",
            f"/api/v1/drafts/{complete.public_id}/submit/",
            {OWNER},
            api=True,
            method="POST",
            data={"confirm": True},
            expect=201,
        ),
        target(
            "v1:dossier-act",
            f"/api/v1/dossiers/{intake.code}/actions/accept/",
            {OFFICIAL},
            api=True,
            method="POST",
            data={},
        ),
        target(
            "v1:dossier-supplement-documents",
            f"/api/v1/dossiers/{supplementing.code}/documents/",
            {OWNER},
            api=True,
            method="POST",
            multipart=True,
            data=lambda: {"required_document": slots[0].pk, "file": pdf_upload("bo-sung.pdf")},
            expect=201,
        ),
        target(
            "v1:dossier-supplement",
            f"/api/v1/dossiers/{supplementing.code}/supplement/",
            {OWNER},
            api=True,
            method="POST",
            data={"note": "Đã bổ sung bản sao"},
        ),
        target(
            "v1:rating-list",
            "/api/v1/ratings/",
            {OWNER},
            api=True,
            method="POST",
            data={"code": unrated.code, **{k: v for k, v in scores.items() if k != "comment"}},
            expect=201,
        ),
    ]
    return World(users=users, owner_token=owner_token, targets=web + back_office + api)


@pytest.fixture
def world(catalogue) -> World:
    return build_world()


# --- Sending and judging ----------------------------------------------------------------------------------------------

REDIRECTS = {301, 302, 303, 307, 308}


def refusal_pages() -> set[str]:
    """Where refused visitors are sent: the sign-in pages, and the back office's "does not exist" redirect."""
    return {reverse("accounts:login"), reverse("admin:login"), reverse("admin:index")}


class Sender:
    def __init__(self, users: dict):
        self.users = users
        self.clients: dict[str, Client] = {}

    def web_client(self, principal: str) -> Client:
        if principal not in self.clients:
            client = Client(HTTP_ACCEPT_LANGUAGE="vi")
            if self.users[principal] is not None:
                client.force_login(self.users[principal])
            self.clients[principal] = client
        return self.clients[principal]

    def send(self, principal: str, target: Target, method: str, data):
        """The response, after following redirects of a GET within the site (not to a refusal page)."""
        user = self.users[principal]
        if target.api:
            client, headers = Client(), {}  # no session: a fresh token each time (revoking one is a target)
            if user is not None:
                headers["HTTP_AUTHORIZATION"] = f"Token {AuthToken.objects.create(user=user)[1]}"
        else:
            client, headers = self.web_client(principal), {}
        body = data() if callable(data) else data
        if method == "GET":
            response = client.get(target.url, **headers)
        elif target.api and not target.multipart:
            response = client.generic(
                method, target.url, data=json.dumps(body or {}), content_type="application/json", **headers
            )
        else:
            response = getattr(client, method.lower())(target.url, body or {}, **headers)
        hops = 0
        while method == "GET" and response.status_code in REDIRECTS and hops < 3:
            location = urlsplit(response["Location"])
            if location.netloc not in ("", "testserver") or location.path in refusal_pages():
                break
            response = client.get(response["Location"], **headers)
            hops += 1
        return response


def refusal_problem(response, target: Target, principal: str) -> str:
    """'' when the response refuses; else what is wrong with it."""
    status = response.status_code
    if status in (401, 403, 404):
        return ""
    if status in REDIRECTS and urlsplit(response["Location"]).path in refusal_pages():
        return ""
    if target.shows is not None and principal != ANONYMOUS and status == 200 and not target.shows(response):
        return ""  # a page of their own, without the owner's data
    where = f" → {response['Location']}" if status in REDIRECTS else ""
    return f"answered {status}{where}"


def grant_problem(response, target: Target) -> str:
    status = response.status_code
    if status != target.expect:
        where = f" → {response['Location']}" if status in REDIRECTS else ""
        return f"answered {status}{where}, expected {target.expect}: {text_of(response)[:300]!r}"
    if target.shows is not None and not target.shows(response):
        return "does not show the owner's data"
    return ""


def in_order(targets: list[Target]) -> list[Target]:
    """Reads first, then changes in the order listed (some changes need what an earlier one left)."""
    return [t for t in targets if t.method == "GET"] + [t for t in targets if t.method != "GET"]


# --- The sweep ------------------------------------------------------------------------------------------------------


def test_every_url_pattern_is_swept_or_allow_listed(world):
    patterns = {key for key, _route, _callback in url_patterns()}
    swept = {t.key for t in world.targets}

    neither = sorted(patterns - swept - set(ALLOW_LIST))
    assert not neither, (
        "URL patterns neither swept nor allow-listed: add each to the sweep (tests/test_security_sweep.py) with "
        "who may open it, or to ALLOW_LIST with the reason it is public:\n  " + "\n  ".join(neither)
    )
    assert not swept & set(ALLOW_LIST), sorted(swept & set(ALLOW_LIST))
    stale = sorted((swept | set(ALLOW_LIST)) - patterns)
    assert not stale, f"swept or allow-listed, but no such URL pattern any more: {stale}"
    for item in world.targets:  # each URL is the pattern it claims to sweep
        assert key_of(item.url) == item.key, (item.url, key_of(item.url), item.key)


@pytest.mark.parametrize("principal", [ANONYMOUS, OTHER_CITIZEN, OUTSIDER, OWNER, OFFICIAL])
def test_the_sweep_refuses(world, principal):
    sender = Sender(world.users)
    problems, checked = [], 0
    for item in in_order(world.targets):
        if principal not in item.refused:
            continue
        for method, data in item.attempts(granted=False):
            response = sender.send(principal, item, method, data)
            problem = refusal_problem(response, item, principal)
            if problem:
                problems.append(f"{method} {item.url} ({item.key}) as {principal}: {problem}")
            if response.streaming:
                text_of(response)  # read it to the end, which closes the file
            checked += 1

    assert not problems, "\n".join(problems)
    assert checked >= {ANONYMOUS: 100, OTHER_CITIZEN: 100, OUTSIDER: 60, OWNER: 60, OFFICIAL: 30}[principal], checked
    # Nobody else's requests revoked the owner's API token.
    me = Client().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {world.owner_token}")
    assert me.status_code == 200


@pytest.mark.parametrize("principal", [OWNER, OFFICIAL, SUPERUSER])
def test_the_sweep_grants_the_same_urls_to_those_they_belong_to(world, principal):
    sender = Sender(world.users)
    problems, checked = [], 0
    for item in in_order(world.targets):
        if principal not in item.allowed:
            continue
        for method, data in item.attempts(granted=True):
            response = sender.send(principal, item, method, data)
            problem = grant_problem(response, item)
            if problem:
                problems.append(f"{method} {item.url} ({item.key}) as {principal}: {problem}")
            if response.streaming:
                text_of(response)  # read it to the end, which closes the file
            checked += 1

    assert not problems, "\n".join(problems)
    assert checked >= {OWNER: 30, OFFICIAL: 60, SUPERUSER: 60}[principal], checked


# --- CSRF ------------------------------------------------------------------------------------------------------------

SAMPLE_ARGUMENTS = {
    "int": "1",
    "uuid": "0b7c7d52-6a4f-4b1e-9a55-3d2f6b1c9e01",
    "app_label": "dossiers",
    "url": "khong-co/",
}


def sample_url(route: str) -> str:
    """A URL matching ``route``: converters and regex groups filled in with plausible values."""
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_ARGUMENTS.get(m.group(1), "abc"), route)
    url = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLE_ARGUMENTS.get(m.group(1) or "str", "x"), url)
    return "/" + url.replace("^", "").replace("$", "").replace("\\", "")


def html_patterns() -> list[tuple[str, str, object]]:
    """Every pattern outside the JSON API (whose session-authenticated writes DRF checks on its own, tested below)."""
    return [(key, route, callback) for key, route, callback in url_patterns() if not route.startswith("api/")]


def test_the_view_on_site_shortcut_reveals_nothing_outside_the_officials_scope(world):
    """The sweep follows redirects, so it cannot see a redirect's address: the shortcut's must not name a dossier
    of another agency (its public id is in the address), and must not answer for a dossier that does not exist."""
    url = next(item.url for item in world.targets if item.key == "admin:view_on_site")
    sender = Sender(world.users)

    own = sender.web_client(OFFICIAL).get(url)
    assert own.status_code == 302 and "/ho-so/" in own["Location"]

    for principal in (OUTSIDER, SUPERUSER):
        response = sender.web_client(principal).get(url)
        expected = 302 if principal == SUPERUSER else 404
        assert response.status_code == expected, (principal, response.status_code)
    assert not sender.web_client(OUTSIDER).get(url).has_header("Location")
    missing = url.rstrip("/").rsplit("/", 1)[0] + "/999999999/"
    assert sender.web_client(SUPERUSER).get(missing).status_code == 404


def test_only_the_calls_of_other_systems_are_exempt_from_csrf():
    exempt = {key for key, _route, callback in html_patterns() if getattr(callback, "csrf_exempt", False)}
    assert exempt == CSRF_EXEMPT


def test_every_html_form_refuses_a_post_without_the_csrf_token(catalogue):
    citizen, desk = CitizenFactory(), official("tiepnhan")
    site, back_office = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    site.force_login(citizen)
    back_office.force_login(desk)
    problems, checked = [], 0
    for key, route, _callback in html_patterns():
        if key in CSRF_EXEMPT:
            continue
        url = sample_url(route)
        assert key_of(url) == key, (route, url, key_of(url))
        client = back_office if url.startswith("/quan-tri/") else site
        response = client.post(url, {"confirm": "on", "language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code != 403 or "This form has expired" not in response.content.decode():  # the CSRF page
            problems.append(f"POST {url} ({key}) without a CSRF token: {response.status_code}")
        checked += 1

    assert not problems, "\n".join(problems)
    assert checked >= 150  # the site's forms and the whole back office


def test_the_same_form_is_accepted_with_the_csrf_token(catalogue):
    citizen = CitizenFactory(email="nguyen.van.an@example.vn")
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    url = reverse("notifications:preferences")
    client.get(url)  # sets the CSRF cookie, as a browser loading the form
    data = {"notify_by": "email", "language": "vi"}

    refused = client.post(url, data)
    accepted = client.post(url, {**data, "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value})

    assert refused.status_code == 403
    assert accepted.status_code == 302 and accepted["Location"] == url


def test_the_api_refuses_a_session_authenticated_write_without_the_csrf_token(catalogue):
    """A browser signed in to the site must not be made to file through the API by another site's page."""
    citizen = CitizenFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)

    response = client.post(
        "/api/v1/drafts/", {"procedure": BIRTH, "agency": HAC_THANH}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["message"] == "Mã bảo mật của trang bị thiếu hoặc đã hết hạn. Hãy tải lại trang rồi gửi lại."
    assert not Dossier.objects.filter(applicant=citizen).exists()


# --- Open redirects --------------------------------------------------------------------------------------------------

ELSEWHERE = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "https:///evil.example/",
    "\\\\evil.example/",
    "http://testserver@evil.example/",
    " //evil.example",
]


def assert_stays_on_the_site(response) -> None:
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert "evil.example" not in location, location
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_signing_in_never_redirects_off_site(client, catalogue, elsewhere):
    citizen = CitizenFactory()
    login = reverse("accounts:login")
    page = client.get(login, {"next": elsewhere})

    in_body = client.post(login, {"username": citizen.username, "password": PASSWORD, "next": elsewhere})
    client.logout()
    in_query = client.post(
        f"{login}?{urlencode({'next': elsewhere})}", {"username": citizen.username, "password": PASSWORD}
    )

    assert page.status_code == 200
    for value in re.findall(r'name="next" value="([^"]*)"', page.content.decode()):  # the form's, the switcher's
        assert not value or url_has_allowed_host_and_scheme(html.unescape(value), allowed_hosts={"testserver"})
    assert_stays_on_the_site(in_body)
    assert_stays_on_the_site(in_query)


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_signing_in_to_the_back_office_never_redirects_off_site(client, catalogue, elsewhere):
    desk = create_official(
        username=f"motcua_{uuid.uuid4().hex[:8]}",
        full_name="Cán bộ một cửa",
        email=f"motcua-{uuid.uuid4().hex[:8]}@example.gov.vn",
        agency=Agency.objects.get(code=HAC_THANH),
        role=Role.DESK,
        password=PASSWORD,
    )
    response = client.post(reverse("admin:login"), {"username": desk.username, "password": PASSWORD, "next": elsewhere})
    assert_stays_on_the_site(response)


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_signing_out_never_redirects_off_site(client, catalogue, elsewhere):
    client.force_login(CitizenFactory())
    assert_stays_on_the_site(client.post(reverse("accounts:logout"), {"next": elsewhere}))


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_language_switch_never_redirects_off_site(client, db, elsewhere):
    url = reverse("set_language")

    assert_stays_on_the_site(client.post(url, {"language": "en", "next": elsewhere}))
    assert_stays_on_the_site(client.post(url, {"language": "en"}, HTTP_REFERER=elsewhere))
    assert_stays_on_the_site(client.get(url, {"next": elsewhere}))


# --- Production headers ----------------------------------------------------------------------------------------------

PRODUCTION_HOST = "dichvucong.example.vn"
SECURITY_SETTING = re.compile(r"^(DEBUG|ALLOWED_HOSTS|SECURE_\w+|\w+_COOKIE_\w+|X_FRAME_OPTIONS|CONTENT_SECURITY_\w+)$")


@pytest.fixture
def production(monkeypatch):
    """The security settings of portal.settings.production, as ``make test``'s ``check --deploy`` loads it."""
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(64))
    monkeypatch.setenv("ALLOWED_HOSTS", PRODUCTION_HOST)
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://mail.example.vn:587")
    monkeypatch.setenv("DATABASE_URL", "postgres://dichvucong@db.example.vn/dichvucong")  # only checked, not used
    monkeypatch.setenv("REDIS_URL", "redis://cache.example.vn:6379/0")
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    values = runpy.run_module("portal.settings.production")
    chosen = {name: value for name, value in values.items() if SECURITY_SETTING.match(name)}
    assert {"SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY"} <= set(chosen)
    with override_settings(**chosen):
        yield chosen


def test_production_responses_carry_the_security_headers(production, catalogue):
    client = Client(HTTP_HOST=PRODUCTION_HOST)  # a new client loads the middleware with these settings
    pages = {
        "/": 200,
        reverse("procedures:catalogue"): 200,
        reverse("accounts:login"): 200,
        reverse("admin:login"): 200,
        "/api/v1/procedures/": 200,
        "/khong-co-trang-nay/": 404,
    }
    for url, status in pages.items():
        response = client.get(url, secure=True)
        assert response.status_code == status, url
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url


def test_production_sends_plain_http_to_https_and_trusts_the_proxy(production, catalogue):
    client = Client(HTTP_HOST=PRODUCTION_HOST)

    plain = client.get("/thu-tuc/")
    proxied = client.get("/thu-tuc/", HTTP_X_FORWARDED_PROTO="https")  # TLS ended at the reverse proxy

    assert plain.status_code == 301 and plain["Location"] == f"https://{PRODUCTION_HOST}/thu-tuc/"
    assert "Strict-Transport-Security" not in plain  # only ever sent over HTTPS
    assert proxied.status_code == 200 and "Strict-Transport-Security" in proxied


def test_production_cookies_are_secure(production, catalogue):
    citizen = CitizenFactory()
    client = Client(HTTP_HOST=PRODUCTION_HOST)

    response = client.post(reverse("accounts:login"), {"username": citizen.username, "password": PASSWORD}, secure=True)

    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


# --- Upload attacks --------------------------------------------------------------------------------------------------

NOT_A_SCAN = "không phải là tệp PDF, JPEG hoặc PNG"


@pytest.fixture
def draft(client, catalogue) -> Dossier:
    owner = CitizenFactory()
    client.force_login(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    return start_draft(owner)


def slot_of(dossier: Dossier, position: int = 0):
    return dossier.case.documents.order_by("position")[position]


def multipart(parts: list[tuple[str, str | None, bytes, str]]) -> tuple[bytes, str]:
    """A multipart body written by hand: the test client would keep only the base name of a file name."""
    boundary = f"sweep{uuid.uuid4().hex}"
    chunks = []
    for name, filename, content, content_type in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
        chunks.append(head.encode() + content + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(client, dossier: Dossier, filename: str, content: bytes, content_type: str = "application/pdf", slot=None):
    slot = slot or slot_of(dossier)
    body, content_type_header = multipart([(f"document-{slot.pk}", filename, content, content_type)])
    url = reverse("dossiers:documents", kwargs={"public_id": dossier.public_id})
    return client.generic("POST", url, body, content_type=content_type_header)


def assert_stored_under_a_generated_name(document, *, extension: str, original: str) -> None:
    name = document.file.name
    assert re.fullmatch(rf"dossiers/{document.dossier.public_id}/[0-9a-f]{{32}}\.{extension}", name), name
    assert ".." not in name and original.rsplit(".", 1)[0] not in name, name


def test_a_jpeg_header_in_a_file_named_pdf_is_judged_by_its_content(client, draft):
    polyglot = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(document.cookie)</script></html>" + PDF_BYTES

    refused = upload(client, draft, "to-khai.pdf", polyglot)
    photo = upload(client, draft, "giay-chung-sinh.pdf", image_bytes("JPEG"), slot=slot_of(draft, 1))

    assert refused.status_code == 400
    assert f"“to-khai.pdf” {NOT_A_SCAN}" in refused.content.decode()
    assert photo.status_code == 302  # a real photograph, whatever its name: kept as the JPEG it is
    (document,) = draft.documents.all()
    assert document.content_type == "image/jpeg"
    assert_stored_under_a_generated_name(document, extension="jpg", original="giay-chung-sinh.pdf")


@pytest.mark.parametrize("filename", ["../../etc/passwd.pdf", "..\\..\\etc\\passwd.pdf", "/etc/passwd.pdf"])
def test_a_path_in_the_file_name_never_reaches_the_storage(client, draft, filename):
    response = upload(client, draft, filename, PDF_BYTES)

    assert response.status_code == 302, response.content.decode()[:2000]
    (document,) = draft.documents.all()
    assert document.original_name == "passwd.pdf"  # only shown to the citizen, never used as a path
    assert_stored_under_a_generated_name(document, extension="pdf", original="passwd.pdf")
    download = client.get(reverse("dossiers:document", kwargs={"public_id": draft.public_id, "pk": document.pk}))
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment") and ".." not in disposition and "passwd" not in disposition
    assert download["Content-Type"] == "application/pdf" and download["X-Content-Type-Options"] == "nosniff"
    b"".join(download.streaming_content)


def test_a_path_in_the_file_name_never_reaches_the_storage_through_the_api(client, draft):
    token = AuthToken.objects.create(user=draft.applicant)[1]
    body, content_type = multipart(
        [
            ("required_document", None, str(slot_of(draft).pk).encode(), "text/plain"),
            ("file", "../../etc/passwd.pdf", PDF_BYTES, "application/pdf"),
        ]
    )

    response = client.generic(
        "POST",
        f"/api/v1/drafts/{draft.public_id}/documents/",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Token {token}",
    )

    assert response.status_code == 201, response.content
    (document,) = draft.documents.all()
    assert_stored_under_a_generated_name(document, extension="pdf", original="passwd.pdf")


def test_a_zip_bomb_named_pdf_is_refused_without_being_opened(client, draft):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("ho-so.pdf", b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros in about 20 KB
    assert len(bomb.getvalue()) < 100 * 1024

    response = upload(client, draft, "ho-so.pdf", bomb.getvalue())

    assert response.status_code == 400
    assert f"“ho-so.pdf” {NOT_A_SCAN}" in response.content.decode()
    assert not draft.documents.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body><script>fetch('/ho-so/').then(r => r.text())</script></body></html>",
        b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>",  # PNG's signature, then HTML
    ],
)
def test_html_named_png_is_refused(client, draft, content):
    response = upload(client, draft, "anh-chup.png", content, content_type="image/png")

    assert response.status_code == 400
    assert f"“anh-chup.png” {NOT_A_SCAN}" in response.content.decode()
    assert not draft.documents.exists()


def test_a_file_over_the_per_file_limit_is_refused_with_the_limit(client, draft):
    too_big = PDF_BYTES + b"0" * (settings.DOSSIER_MAX_FILE_SIZE + 1 - len(PDF_BYTES))

    response = upload(client, draft, "ban-quet-lon.pdf", too_big)

    with translation.override("vi"):
        limit = filesizeformat(settings.DOSSIER_MAX_FILE_SIZE)
    assert response.status_code == 400
    assert "Tệp “ban-quet-lon.pdf” có dung lượng" in response.content.decode()
    assert f"mỗi tệp tối đa {limit}" in response.content.decode()
    assert not draft.documents.exists()


def test_an_oversized_request_body_is_refused(client, draft):
    """Django's own guards, before the view: form fields over DATA_UPLOAD_MAX_MEMORY_SIZE, too many files.

    The field and file names are ones the view ignores, so that a 413 can only come from the guards (the view would
    answer 302, "saved"). Scans themselves stream to disk and are refused by DOSSIER_MAX_FILE_SIZE (above); the
    reverse proxy caps whole requests (deploy/nginx.conf, client_max_body_size).
    """
    limit, most_files = settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.DATA_UPLOAD_MAX_NUMBER_FILES
    assert limit and limit <= 10 * 1024 * 1024 and most_files and most_files <= 100
    url = reverse("dossiers:documents", kwargs={"public_id": draft.public_id})

    small = client.post(url, {"ghi-chu": "x" * 100})
    fields = client.post(url, {"ghi-chu": "x" * (limit + 1)})
    body, content_type = multipart(
        [(f"tep-{n}", f"trang-{n}.pdf", PDF_BYTES, "application/pdf") for n in range(most_files + 1)]
    )
    files = client.generic("POST", url, body, content_type=content_type)

    assert small.status_code == 302  # the same request, within the limits
    assert fields.status_code == 413 and files.status_code == 413  # "too large", not a bad address
    assert "Gửi quá nhiều dữ liệu trong một lần" in files.content.decode()
    assert not draft.documents.exists()
