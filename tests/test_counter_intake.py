"""Counter intake in the back office: a paper dossier registered at the one-stop desk, its papers scanned at intake
or exempt (Circular 03/2025/TT-VPCP art. 5), then accepted, sent back for a supplement or refused through the same
services as an online dossier."""

import hashlib
import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from dossiers import counter
from dossiers.codes import is_dossier_code
from dossiers.constants import Channel, DigitisationExemption, Status
from dossiers.counter_views import citizen_reference
from dossiers.events import DossierAction
from dossiers.models import Dossier, DossierDocument, DossierNotice, StoredDocument, StoredOrigin
from portal.accounts.constants import Role, UserKind
from portal.accounts.models import User
from portal.accounts.services import find_or_create_citizen_record
from portal.accounts.validators import validate_cccd
from procedures.kinds import PaperKind
from procedures.models import Agency, Procedure
from tracking.selectors import public_timeline

from .factories import official
from .filing import BIRTH, HAC_THANH, birth_declaration, image_bytes, pdf_bytes

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
OTHER_AGENCY = "000.21.30.H56"  # another ward's people's committee
POLICE_PROCEDURE = "1.004194"  # Đăng ký tạm trú: processed by the police
DRIVING_LICENCE = "3.000347"  # Đổi giấy phép lái xe: two provincial agencies, not the ward
NEW_CCCD = "038195012345"  # Thanh Hóa, female, born 1995
START = reverse("admin:dossiers_dossier_counter")
PROCEDURE = reverse("admin:dossiers_dossier_counter_procedure")


def url(name: str, dossier: Dossier) -> str:
    return reverse(f"admin:dossiers_dossier_counter_{name}", args=[dossier.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def file(name: str, content: bytes, content_type: str = "application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def desk(catalogue):
    return User.objects.get(username="tiepnhan")  # the demo desk officer of UBND phường Hạc Thành


@pytest.fixture
def client_at_desk(client, desk):
    client.force_login(desk)
    return client


def birth_slots():
    case = Procedure.objects.get(code=BIRTH).cases.get()
    documents = case.documents.order_by("position")
    certificate = documents.get(name__startswith="Giấy chứng sinh")
    identity = documents.get(name__startswith="Xuất trình: Hộ chiếu")
    return certificate, identity


def register_citizen(client) -> User:
    """Steps 1: nobody has the CCCD, the desk records the citizen without an account."""
    found = client.post(START, {"id_number": NEW_CCCD, "find": "1"}, **EN)
    assert found.status_code == 200 and found.context["citizen"] is None and found.context["record_form"] is not None
    response = client.post(
        START,
        {"id_number": NEW_CCCD, "full_name": " Lê  Thị Hoa ", "birth_date": "1995-03-04", "phone": "0912 345 678",
         "email": "hoa.le@example.vn"},
        **EN,
    )  # fmt: skip
    assert response.status_code == 302, response.context and response.context["record_form"].errors
    citizen = User.objects.get(id_number=NEW_CCCD)
    assert "?citizen=" in response["Location"] and NEW_CCCD not in response["Location"]  # a signed reference
    assert client.get(response["Location"], **EN).context["citizen"] == citizen
    return citizen


def start_birth(client, citizen: User) -> Dossier:
    """Step 2: the birth registration; one case and the ward itself competent, so it starts at once."""
    response = client.post(PROCEDURE, {"id_number": citizen.id_number, "procedure": BIRTH}, **EN)
    assert response.status_code == 302, response.context["form"].errors
    dossier = Dossier.objects.get(applicant=citizen, status=Status.DRAFT)
    assert response["Location"] == url("declaration", dossier)
    return dossier


def declare(client, dossier: Dossier) -> None:
    data = birth_declaration(requester_name="Lê Thị Hoa", requester_id=NEW_CCCD, requester_relation="Mẹ")
    response = client.post(url("declaration", dossier), data, **EN)
    assert response.status_code == 302, response.context["form"].errors


def scan(client, dossier: Dossier, slot, *files):
    return client.post(url("documents", dossier), {"document": slot.pk, "action": "scan", "pages": list(files)}, **EN)


def exempt(client, dossier: Dossier, slot, reason: str):
    return client.post(url("documents", dossier), {"document": slot.pk, "action": "exempt", "reason": reason}, **EN)


def ready_draft(client) -> tuple[Dossier, User]:
    citizen = register_citizen(client)
    dossier = start_birth(client, citizen)
    declare(client, dossier)
    certificate, identity = birth_slots()
    assert scan(client, dossier, certificate, file("trang-1.pdf", pdf_bytes(2)), file("trang-3.png", image_bytes()))
    assert exempt(client, dossier, identity, DigitisationExemption.SHOWN_ONLY).status_code == 302
    return dossier, citizen


# --- The whole path ---------------------------------------------------------------------------------------------


def test_a_paper_dossier_is_scanned_into_one_pdf_and_accepted_like_an_online_one(
    client_at_desk, desk, django_capture_on_commit_callbacks
):
    client = client_at_desk
    dossier, citizen = ready_draft(client)

    assert citizen.kind == UserKind.CITIZEN and not citizen.has_usable_password()
    assert citizen.full_name == "Lê Thị Hoa" and citizen.phone == "+84912345678"
    certificate, identity = birth_slots()
    scanned = DossierDocument.objects.get(dossier=dossier, required_document=certificate)
    assert scanned.scanned_at_intake and scanned.pages == 3 and scanned.content_type == "application/pdf"
    with scanned.file.open("rb") as stored:
        assert len(PdfReader(io.BytesIO(stored.read())).pages) == 3  # 2 PDF pages + 1 image page, one file
    shown = DossierDocument.objects.get(dossier=dossier, required_document=identity)
    assert shown.exemption == DigitisationExemption.SHOWN_ONLY and not shown.file

    review = client.get(url("review", dossier), **EN)
    assert review.status_code == 200 and review.context["missing"] == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("review", dossier), {"decision": "accept"}, **EN)

    dossier.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:dossiers_dossier_change", args=[dossier.pk]
    )
    assert dossier.status == Status.ACCEPTED and dossier.channel == Channel.COUNTER
    assert is_dossier_code(dossier.code) and re.fullmatch(rf"{re.escape(HAC_THANH)}-\d{{6}}-\d{{4}}", dossier.code)
    assert dossier.received_by.code == HAC_THANH and dossier.agency.code == HAC_THANH
    assert dossier.applicant == citizen and dossier.due_at and dossier.accepted_at
    assert list(dossier.events.values_list("action", "actor")) == [
        (DossierAction.SUBMIT, desk.pk),
        (DossierAction.ACCEPT, desk.pk),
    ]
    assert DossierNotice.objects.filter(dossier=dossier, kind="01").exists()
    # The citizen standing at the desk hears that it was accepted, not "filed, awaiting intake" as well.
    from notifications.models import Message

    assert set(Message.objects.filter(dossier=dossier).values_list("kind", flat=True)) == {"accepted"}
    # The desk works in English; the citizen's record is written in Vietnamese all the same.
    submitted = dossier.events.get(action=DossierAction.SUBMIT)
    assert submitted.public_note == f"Tiếp nhận tại quầy của {dossier.received_by.name}."

    page = client.get(response["Location"], **EN).content.decode()
    receipt_url = reverse("dossiers:receipt", kwargs={"public_id": dossier.public_id})
    assert receipt_url in page and "Only shown for comparison" in page
    assert "Registered at the counter" in page and "Submitted online" not in page  # the back-office timeline
    with translation.override("en"):  # the public look-up's history
        assert [entry.label for entry in public_timeline(dossier)][:2] == [
            "Paper dossier received at the one-stop desk",
            "Accepted by the agency",
        ]
    receipt = client.get(receipt_url)
    assert receipt.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(receipt.streaming_content))).pages)
    assert dossier.code in text


def test_an_exempt_required_document_counts_as_present(client_at_desk):
    client = client_at_desk
    dossier = start_birth(client, register_citizen(client))
    declare(client, dossier)
    certificate, _identity = birth_slots()
    dossier.refresh_from_db()

    with translation.override("en"):
        assert counter.what_is_missing(dossier) == [f"Missing document: {certificate.name}"]
    exempt(client, dossier, certificate, DigitisationExemption.ALREADY_ELECTRONIC)

    assert counter.what_is_missing(dossier) == []


def test_accepting_with_a_document_missing_is_refused_and_the_draft_kept(client_at_desk):
    client = client_at_desk
    dossier = start_birth(client, register_citizen(client))
    declare(client, dossier)

    response = client.post(url("review", dossier), {"decision": "accept"}, **EN)

    assert response.status_code == 409 and any("Missing document" in m for m in messages_of(response))
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT and dossier.code is None


def test_an_incomplete_paper_dossier_is_registered_with_a_supplement_request(client_at_desk, desk):
    client = client_at_desk
    dossier = start_birth(client, register_citizen(client))
    declare(client, dossier)

    response = client.post(
        url("review", dossier), {"decision": "supplement", "missing": "Giấy chứng sinh bản chính", "days": "5"}, **EN
    )

    dossier.refresh_from_db()
    assert response.status_code == 302
    assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.paused_from == Status.SUBMITTED
    assert dossier.code and dossier.supplement_request == "Giấy chứng sinh bản chính" and dossier.supplement_deadline
    assert DossierNotice.objects.filter(dossier=dossier, kind="02").exists()
    assert list(dossier.events.values_list("action", flat=True)) == ["submit", "request_supplement"]


def test_a_paper_dossier_can_be_refused_with_the_reason(client_at_desk):
    client = client_at_desk
    dossier = start_birth(client, register_citizen(client))

    empty = client.post(url("review", dossier), {"decision": "refuse", "reason": " "}, **EN)
    assert empty.status_code == 400 and Dossier.objects.get(pk=dossier.pk).status == Status.DRAFT

    response = client.post(url("review", dossier), {"decision": "refuse", "reason": "Không thuộc thẩm quyền"}, **EN)

    dossier.refresh_from_db()
    assert response.status_code == 302 and dossier.status == Status.REFUSED and dossier.code
    assert DossierNotice.objects.filter(dossier=dossier, kind="03").exists()


# --- Errors that keep what was entered ------------------------------------------------------------------------


def test_a_file_that_is_not_a_document_is_refused_and_nothing_entered_is_lost(client_at_desk):
    client = client_at_desk
    dossier = start_birth(client, register_citizen(client))
    declare(client, dossier)
    certificate, identity = birth_slots()
    exempt(client, dossier, identity, DigitisationExemption.SHOWN_ONLY)

    response = scan(
        client, dossier, certificate, file("trang-1.pdf", pdf_bytes(1)), file("ghi-chu.pdf", b"<html>not a scan</html>")
    )

    assert response.status_code == 400
    rows = {row["slot"].pk: row for row in response.context["rows"]}
    assert "“ghi-chu.pdf” is not a PDF, JPEG or PNG file" in rows[certificate.pk]["error"]
    # Said beside the file input it names, which points at it.
    page = response.text
    row = page[page.index(f'id="document-{certificate.pk}"') :].split("</tr>")[0]
    beside = row[row.rindex("<td", 0, row.index("<form")) :]  # the cell with the form, not the narrow one before
    assert "is not a PDF, JPEG or PNG file" in beside
    assert f'aria-describedby="document-{certificate.pk}-error"' in beside
    assert rows[identity.pk]["stored"].exemption == DigitisationExemption.SHOWN_ONLY
    dossier.refresh_from_db()
    assert dossier.form_data["requester_name"] == "Lê Thị Hoa"  # the declaration is kept
    assert not dossier.documents.filter(required_document=certificate).exists()  # no half-made scan


def test_a_wrong_cccd_is_explained(client_at_desk):
    client = client_at_desk
    for wrong, words in (
        ("03809000123", "exactly 12 digits"),
        ("003090001234", "code of a province"),  # 003 is no province's code
        ("038990001234", "year of birth"),  # born in 2099
    ):
        response = client.post(START, {"id_number": wrong, "find": "1"}, **EN)
        assert response.status_code == 400 and words in " ".join(response.context["lookup"].errors["id_number"])

    mismatch = client.post(
        START, {"id_number": NEW_CCCD, "full_name": "Lê Thị Hoa", "birth_date": "1996-03-04"}, **EN
    )  # 195… says 1995
    assert mismatch.status_code == 400 and "year of birth" in " ".join(
        mismatch.context["record_form"].errors["id_number"]
    )
    assert not User.objects.filter(id_number=NEW_CCCD).exists()


@pytest.mark.parametrize(
    ("number", "valid"),
    [("038090001234", True), ("038190004321", True), ("001203000001", True), ("096099000001", True),
     ("097090001234", False), ("000090001234", False), ("038290001234", False), ("03809000123A", False)],
)  # fmt: skip
def test_the_cccd_rules(number, valid):
    try:
        validate_cccd(number)
    except ValidationError:
        assert not valid
    else:
        assert valid


def test_a_procedure_the_centre_may_not_receive_is_refused_with_the_reason(client_at_desk):
    client = client_at_desk
    citizen = register_citizen(client)
    Procedure.objects.filter(code=POLICE_PROCEDURE).update(any_centre=False)  # received by the police only

    response = client.post(PROCEDURE, {"id_number": citizen.id_number, "procedure": POLICE_PROCEDURE}, **EN)

    assert response.status_code == 400
    assert "cannot receive dossiers for" in " ".join(response.context["form"].errors["procedure"])
    assert not Dossier.objects.filter(applicant=citizen).exists()


@pytest.mark.parametrize("typed", ["1.000\x00", "không có", ""])
def test_a_procedure_code_that_is_no_code_is_refused_beside_the_field(client_at_desk, typed):
    client = client_at_desk
    citizen = register_citizen(client)

    response = client.post(PROCEDURE, {"id_number": citizen.id_number, "procedure": typed}, **EN)

    assert response.status_code == 400  # the NUL answered 500
    assert response.context["form"].errors["procedure"]
    assert not Dossier.objects.filter(applicant=citizen).exists()


def test_a_level_1_procedure_is_received_at_the_counter(client_at_desk):
    client = client_at_desk
    citizen = register_citizen(client)
    level_1 = Procedure.objects.get(code="1.000419")  # Đăng ký khai tử lưu động: not offered online
    assert not level_1.accepts_online_submission

    response = client.post(PROCEDURE, {"id_number": citizen.id_number, "procedure": level_1.code}, **EN)

    dossier = Dossier.objects.get(applicant=citizen)
    assert response.status_code == 302 and response["Location"] == url("documents", dossier)
    assert dossier.procedure == level_1 and dossier.channel == Channel.COUNTER


def test_a_procedure_received_for_other_agencies_asks_which_one_processes_it(client_at_desk, catalogue):
    """Intake regardless of boundary: the ward's centre receives a procedure it does not handle; when several agencies
    could process it, the desk chooses, and the dossier is routed there on acceptance."""
    client = client_at_desk
    citizen = register_citizen(client)
    centre = Agency.objects.get(code=HAC_THANH)
    licence = Procedure.objects.get(code=DRIVING_LICENCE)
    assert centre.receives_dossiers and licence.any_centre and licence.agencies.count() == 2

    first = client.post(PROCEDURE, {"id_number": citizen.id_number, "procedure": licence.code}, **EN)
    assert first.status_code == 200 and not Dossier.objects.filter(applicant=citizen).exists()
    offered = set(first.context["form"].fields["agency"].queryset)
    assert offered == set(licence.agencies.all()) and centre not in offered
    missing = client.post(PROCEDURE, {"id_number": citizen.id_number, "procedure": licence.code, "choose": "1"}, **EN)
    assert missing.status_code == 400 and set(missing.context["form"].errors) == {"agency"}

    office = licence.agencies.order_by("code").first()
    response = client.post(
        PROCEDURE, {"id_number": citizen.id_number, "procedure": licence.code, "agency": office.pk, "choose": "1"}, **EN
    )

    dossier = Dossier.objects.get(applicant=citizen)
    assert response.status_code == 302 and dossier.agency == office and dossier.received_by == centre
    assert dossier.is_routed and dossier.case == licence.cases.get()


# --- The citizen record ---------------------------------------------------------------------------------------


def test_a_citizen_with_a_record_is_found_by_cccd(client_at_desk, catalogue):
    known = User.objects.get(username="congdan")  # the demo citizen, CCCD 038090001234
    response = client_at_desk.post(START, {"id_number": "038 090 001 234", "find": "1"}, **EN)
    assert response.context["citizen"] == known and known.full_name in response.content.decode()
    # Back at step 1 from a later step: the record's number in the address names the citizen.
    again = client_at_desk.get(START, {"citizen": citizen_reference(known)}, **EN)
    assert again.context["citizen"] == known
    # Only a reference the desk's pages signed names anyone: counting through record numbers lists nobody, and an
    # official's own record is no citizen.
    for guess in (known.pk, str(known.pk), "x", citizen_reference(User.objects.get(username="tiepnhan"))):
        assert client_at_desk.get(START, {"citizen": guess}, **EN).context["citizen"] is None, guess
    forged = citizen_reference(known).replace(":", ";", 1)
    assert client_at_desk.get(PROCEDURE, {"citizen": forged}, **EN).status_code == 302  # back to step 1


def test_the_desk_is_warned_when_the_cccd_found_was_only_typed_at_an_online_registration(client_at_desk, catalogue):
    """Anyone may register on the portal with someone else's CCCD: a paper dossier registered under it would show
    in their account. The desk sees that the number was never checked; a desk's own record is not flagged."""
    typed = User.objects.get(username="congdan")  # registered online with a password, never signed in via VNeID
    assert typed.has_usable_password() and not hasattr(typed, "identity")
    found = client_at_desk.post(START, {"id_number": typed.id_number, "find": "1"}, **EN)
    assert "has not been verified" in found.content.decode()

    record, _created = find_or_create_citizen_record(id_number="038095001111", full_name="Lê Văn Cường")
    record.set_password("mot-mat-khau-dai-123")  # claimed later through the desk's link
    record.save()
    seen = client_at_desk.post(START, {"id_number": record.id_number, "find": "1"}, **EN)
    assert seen.context["citizen"] == record and "has not been verified" not in seen.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_desks_registering_the_same_citizen_at_once_make_one_record():
    workers = 6
    barrier = threading.Barrier(workers)

    def register(_):
        try:
            barrier.wait(timeout=10)
            user, created = find_or_create_citizen_record(id_number=NEW_CCCD, full_name="Lê Thị Hoa")
            return user.pk, created
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(register, range(workers)))

    assert User.objects.filter(id_number=NEW_CCCD).count() == 1
    assert {pk for pk, _created in results} == {User.objects.get(id_number=NEW_CCCD).pk}
    assert sum(created for _pk, created in results) == 1


def test_the_desk_sends_a_record_a_link_to_choose_a_password_and_the_citizen_then_sees_the_dossier(
    client_at_desk,
):
    from django.test import Client

    dossier, citizen = ready_draft(client_at_desk)
    client_at_desk.post(url("review", dossier), {"decision": "accept"}, **EN)
    dossier.refresh_from_db()
    mail.outbox.clear()

    response = client_at_desk.post(reverse("admin:dossiers_dossier_counter_claim"), {"id_number": NEW_CCCD}, **EN)

    assert response.status_code == 302 and len(mail.outbox) == 1 and mail.outbox[0].to == ["hoa.le@example.vn"]
    link = re.search(r"https?://[^/\s]+(/\S+/)", mail.outbox[0].body).group(1)
    visitor = Client()
    form = visitor.get(link, follow=True)
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = visitor.post(set_url, {"new_password1": "HoaLe@2026xyz", "new_password2": "HoaLe@2026xyz"})
    assert done.status_code == 302
    citizen.refresh_from_db()
    assert citizen.has_usable_password()
    visitor.force_login(citizen)
    mine = visitor.get(reverse("dossiers:mine")).content.decode()
    assert dossier.code in mine


# --- Access -------------------------------------------------------------------------------------------------


def test_only_the_desk_of_the_centre_registers_and_continues_its_paper_dossiers(client_at_desk, client, catalogue):
    dossier = start_birth(client_at_desk, register_citizen(client_at_desk))
    outsider = official(Role.DESK, OTHER_AGENCY, name="motcua_khac")
    specialist = User.objects.get(username="chuyenvien")

    client.force_login(outsider)
    for name in ("review", "documents", "declaration"):
        assert client.get(url(name, dossier)).status_code == 403
    assert client.post(url("review", dossier), {"decision": "accept"}).status_code == 403
    client.force_login(specialist)
    assert client.get(START).status_code == 403
    assert client.get(url("review", dossier)).status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT


def test_the_dashboard_offers_counter_intake_to_the_desk_only(client_at_desk, client, catalogue):
    dashboard = reverse("admin:dossiers_dossier_dashboard")
    assert START in client_at_desk.get(dashboard).content.decode()
    client.force_login(User.objects.get(username="chuyenvien"))
    assert START not in client.get(dashboard).content.decode()


def test_a_counter_draft_cannot_be_changed_or_submitted_by_the_citizen(client_at_desk):
    from dossiers import services

    dossier, citizen = ready_draft(client_at_desk)
    with pytest.raises(services.DossierError):
        services.submit_dossier(dossier=dossier, by=citizen)
    with pytest.raises(services.DossierError):
        services.save_declaration(dossier=dossier, data={})
    assert Dossier.objects.get(pk=dossier.pk).status == Status.DRAFT


def test_registering_online_with_the_cccd_of_a_record_points_to_the_desk(client, catalogue):
    cache.clear()  # registrations are rate-limited per address in the shared cache
    find_or_create_citizen_record(id_number=NEW_CCCD, full_name="Lê Thị Hoa")
    response = client.post(
        reverse("accounts:register"),
        {"full_name": "Lê Thị Hoa", "email": "hoa@example.vn", "phone": "0912345678", "id_number": NEW_CCCD,
         "password1": "HoaLe@2026xyz", "password2": "HoaLe@2026xyz"},
        **EN,
    )  # fmt: skip
    assert response.status_code == 200
    assert "send you a link to set your password" in " ".join(response.context["form"].errors["id_number"])
    assert User.objects.filter(id_number=NEW_CCCD).count() == 1


def test_the_citizen_supplements_a_paper_dossier_online_replacing_a_paper_not_digitised(
    client_at_desk, client, django_capture_on_commit_callbacks
):
    dossier, citizen = ready_draft(client_at_desk)
    _certificate, identity = birth_slots()
    client_at_desk.post(url("review", dossier), {"decision": "supplement", "missing": "Bản chụp căn cước rõ nét"})
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    citizen.set_password("HoaLe@2026xyz")
    citizen.save()
    client.force_login(citizen)
    supplement_url = reverse("dossiers:supplement", kwargs={"public_id": dossier.public_id})
    assert "Only shown for comparison" in client.get(supplement_url, **EN).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            supplement_url, {f"document-{identity.pk}": file("can-cuoc.pdf", pdf_bytes(1)), "send": "1"}, **EN
        )

    assert response.status_code == 302
    replaced = dossier.documents.get(required_document=identity)
    assert replaced.file and not replaced.exemption and not replaced.scanned_at_intake
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED  # back to intake, as any supplemented dossier


def test_a_paper_dossier_the_citizen_takes_back_is_discarded_with_its_scans(
    client_at_desk, django_capture_on_commit_callbacks
):
    dossier, _citizen = ready_draft(client_at_desk)
    scan = dossier.documents.exclude(file="").get()
    storage, name = scan.file.storage, scan.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client_at_desk.post(url("review", dossier), {"decision": "discard"}, **EN)

    assert response.status_code == 302 and response["Location"] == START
    assert not Dossier.objects.filter(pk=dossier.pk).exists() and not storage.exists(name)


# --- Papers the citizen gave before: from their document store, not scanned again ----------------------------------


AGREED = {"consent": "yes"}  # the citizen at the counter agreed to the use of their stored paper


def stored_paper(owner: User, kind: str, content: bytes) -> StoredDocument:
    paper = StoredDocument(
        owner=owner,
        kind=kind,
        title=str(PaperKind(kind).label),
        origin=StoredOrigin.UPLOAD,
        origin_code="000.20.30.H56-261101-0007",
        original_name="cccd.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    paper.file.save("stored", ContentFile(content), save=False)
    paper.save()
    return paper


def test_the_citizens_stored_paper_is_used_instead_of_scanning_it_again(
    client_at_desk, django_capture_on_commit_callbacks
):
    client = client_at_desk
    citizen = register_citizen(client)
    dossier = start_birth(client, citizen)
    declare(client, dossier)
    certificate, identity = birth_slots()
    content = pdf_bytes(note="cccd")
    paper = stored_paper(citizen, PaperKind.ID_DOCUMENT, content)
    someone_elses = stored_paper(
        User.objects.create_user("khac", id_number="038090009999"), PaperKind.ID_DOCUMENT, content
    )

    page = client.get(url("documents", dossier), **EN).content.decode()
    offered = page[page.index(f'id="document-{identity.pk}"') :].split("</tr>")[0]
    assert "In the citizen's document store" in offered and "from dossier 000.20.30.H56-261101-0007" in offered
    assert f'name="stored" value="{paper.pk}"' in offered and f'value="{someone_elses.pk}"' not in offered
    assert (
        "In the citizen's document store" not in page[page.index(f'id="document-{certificate.pk}"') :].split("</tr>")[0]
    )

    refused = client.post(
        url("documents", dossier),
        {"document": identity.pk, "action": "reuse", "stored": someone_elses.pk, **AGREED},
        **EN,
    )
    assert refused.status_code == 400 and "Choose one of the citizen&#x27;s stored papers." in refused.content.decode()
    for bad in ("", "x", "99999999999999999999"):  # no number, or no paper of the citizen's
        answer = client.post(
            url("documents", dossier), {"document": identity.pk, "action": "reuse", "stored": bad, **AGREED}, **EN
        )
        assert answer.status_code == 400
    wrong_kind = client.post(
        url("documents", dossier), {"document": certificate.pk, "action": "reuse", "stored": paper.pk, **AGREED}, **EN
    )
    assert wrong_kind.status_code == 409 and "not the kind of paper this slot asks for" in wrong_kind.content.decode()
    assert not dossier.documents.exists()

    unasked = client.post(
        url("documents", dossier), {"document": identity.pk, "action": "reuse", "stored": paper.pk}, **EN
    )
    assert unasked.status_code == 400 and "tick that they agree" in unasked.content.decode()
    assert not dossier.documents.exists()

    used = client.post(
        url("documents", dossier), {"document": identity.pk, "action": "reuse", "stored": paper.pk, **AGREED}, **EN
    )

    assert used.status_code == 302
    document = dossier.documents.get(required_document=identity)
    assert document.reused_from == paper and not document.scanned_at_intake
    assert document.file.read() == content and document.file.name != paper.file.name
    page = client.get(url("documents", dossier), **EN).content.decode()
    assert "Reused from dossier 000.20.30.H56-261101-0007" in page
    identity_row = page[page.index(f'id="document-{identity.pk}"') :].split("</tr>")[0]
    assert f'name="stored" value="{paper.pk}"' not in identity_row  # the file the slot holds is not offered again
    assert scan(client, dossier, certificate, file("trang-1.pdf", pdf_bytes(1))).status_code == 302
    review = client.get(url("review", dossier), **EN).content.decode()
    assert "From the citizen's document store (dossier 000.20.30.H56-261101-0007)" in review

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("review", dossier), {"decision": "accept"}, **EN).status_code == 302
    dossier.refresh_from_db()
    as_citizen = Client()
    as_citizen.force_login(citizen)
    listing = as_citizen.get(reverse("dossiers:store"), **EN).content.decode()
    row = listing[listing.index(reverse("dossiers:stored_document", kwargs={"pk": paper.pk})) :].split("</tr>")[0]
    assert f">{dossier.code}</a>" in row  # the citizen sees which dossier the desk used it for


def test_the_cccd_never_goes_into_an_address(client_at_desk, catalogue):
    """Addresses end up in access logs and browser history: the desk's pages post the CCCD and carry the citizen's
    record number from step to step (a search by CCCD used to be a GET, and each step's link carried it on)."""
    client = client_at_desk
    citizen = register_citizen(client)  # its redirect carries the record's number
    found = client.post(START, {"id_number": NEW_CCCD, "find": "1"}, **EN).content.decode()
    assert re.search(r'<form method="post" id="counter-lookup"', found)
    group = reverse("admin:dossiers_dossier_counter_linked_start", args=["khai-sinh-thuong-tru-bhyt"])
    pages = [found, client.get(PROCEDURE, {"citizen": citizen_reference(citizen)}, **EN).content.decode()]
    pages.append(client.get(group, {"citizen": citizen_reference(citizen)}, **EN).content.decode())
    addresses = [a for html in pages for a in re.findall(r'(?:href|action|src)="([^"]*)"', html)]
    assert addresses and not [a for a in addresses if NEW_CCCD in a]
    claimed = client.post(reverse("admin:dossiers_dossier_counter_claim"), {"id_number": NEW_CCCD}, **EN)
    assert claimed.status_code == 302 and NEW_CCCD not in claimed["Location"]


def test_the_counters_supplement_days_show_the_default_they_get(settings):
    """The field was empty and the portal's default of working days was applied without a word."""
    from dossiers.counter_forms import FilingSupplementForm, SupplementForm

    settings.SUPPLEMENT_DAYS = 7
    for form in (SupplementForm(), FilingSupplementForm()):
        assert 'value="7"' in str(form["days"])
