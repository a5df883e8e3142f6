"""The citizen's side of processing: supplementing on request, notices and the result."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import processing
from dossiers.constants import DeliveryMethod, Status
from portal.accounts.constants import Role
from portal.accounts.models import User

from .factories import CitizenFactory
from .filing import HAC_THANH, PDF_BYTES
from .payments_support import pay_at_counter

pytestmark = pytest.mark.django_db


def staff(role):
    return User.objects.get(agency__code=HAC_THANH, role=role)


@pytest.fixture
def waiting(submitted):
    processing.accept(dossier=submitted, by=staff(Role.DESK))
    processing.assign(dossier=submitted, by=staff(Role.DESK), handler=staff(Role.SPECIALIST))
    processing.request_supplement(
        dossier=submitted, by=staff(Role.SPECIALIST), missing="Bản sao Giấy chứng sinh có dấu đỏ của bệnh viện"
    )
    submitted.refresh_from_db()
    return submitted


def test_the_citizen_sees_what_is_missing_and_where_to_add_it(client, waiting):
    client.force_login(waiting.applicant)

    detail = client.get(waiting.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    mine = client.get(reverse("dossiers:mine"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    supplement_url = reverse("dossiers:supplement", kwargs={"public_id": waiting.public_id})
    assert "Bản sao Giấy chứng sinh có dấu đỏ của bệnh viện" in detail and supplement_url in detail
    assert "Cần bổ sung" in mine and supplement_url in mine


def test_the_citizen_uploads_a_new_scan_and_the_dossier_goes_back_to_processing(client, waiting):
    client.force_login(waiting.applicant)
    slot = waiting.case.documents.get(position=1)
    url = reverse("dossiers:supplement", kwargs={"public_id": waiting.public_id})

    response = client.post(
        url,
        {f"document-{slot.pk}": SimpleUploadedFile("chung-sinh-moi.pdf", PDF_BYTES), "send": "1", "note": "Đã bổ sung"},
    )

    waiting.refresh_from_db()
    assert response.status_code == 302
    assert waiting.status == Status.PROCESSING
    assert waiting.documents.get(required_document=slot).original_name == "chung-sinh-moi.pdf"
    assert waiting.events.last().action == "supplement" and waiting.events.last().public_note == "Đã bổ sung"
    supplied = waiting.events.last().note  # the officials read which paper came back, as what file
    assert supplied.startswith("Giấy tờ bổ sung: ") and f"{slot.name} (chung-sinh-moi.pdf)" in supplied
    shown = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Hồ sơ bổ sung đã được gửi đến cơ quan." in shown  # said on the dossier's page it lands on
    client.force_login(staff(Role.SPECIALIST))  # the officials read whose words these are, not a "message to" them
    page = client.get(reverse("admin:dossiers_dossier_change", args=[waiting.pk]), HTTP_ACCEPT_LANGUAGE="en").text
    assert "<em>From the citizen:</em> Đã bổ sung" in page


def test_a_bad_file_keeps_the_dossier_waiting_and_says_why(client, waiting):
    client.force_login(waiting.applicant)
    slot = waiting.case.documents.get(position=1)
    url = reverse("dossiers:supplement", kwargs={"public_id": waiting.public_id})

    response = client.post(url, {f"document-{slot.pk}": SimpleUploadedFile("anh.pdf", b"GIF89a..."), "send": "1"})

    assert response.status_code == 400 and "anh.pdf" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.SUPPLEMENT_REQUESTED


def test_a_bad_file_keeps_the_message_typed_for_the_agency(client, waiting):
    client.force_login(waiting.applicant)
    slot = waiting.case.documents.get(position=1)
    url = reverse("dossiers:supplement", kwargs={"public_id": waiting.public_id})
    bad = SimpleUploadedFile("anh.pdf", b"GIF89a...")

    response = client.post(url, {f"document-{slot.pk}": bad, "send": "1", "note": "Bản sao có dấu đỏ"})

    assert response.status_code == 400
    assert '<textarea id="id_note" name="note" rows="3" maxlength="2000">Bản sao có dấu đỏ</textarea>' in (
        response.content.decode()
    )


def test_a_message_with_a_nul_character_is_refused_beside_the_field_and_nothing_is_sent(client, waiting):
    client.force_login(waiting.applicant)
    slot = waiting.case.documents.get(position=1)
    url = reverse("dossiers:supplement", kwargs={"public_id": waiting.public_id})
    scan = SimpleUploadedFile("chung-sinh-moi.pdf", PDF_BYTES)

    response = client.post(url, {f"document-{slot.pk}": scan, "send": "1", "note": "Đã\x00"}, HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 400  # it answered 500: PostgreSQL refused the NUL in the timeline's note
    page = response.content.decode()
    assert 'aria-invalid="true" aria-describedby="id_note-error"' in page
    assert '<p class="field-error" id="id_note-error">Không được dùng ký tự rỗng (NUL).</p>' in page
    waiting.refresh_from_db()
    assert waiting.status == Status.SUPPLEMENT_REQUESTED
    assert waiting.documents.get(required_document=slot).original_name == "chung-sinh-moi.pdf"  # the scan is kept


def test_another_citizen_cannot_supplement(client, waiting):
    client.force_login(CitizenFactory())
    url = reverse("dossiers:supplement", kwargs={"public_id": waiting.public_id})

    assert client.get(url).status_code == 404
    assert client.post(url, {"send": "1"}).status_code == 404


def test_the_citizen_downloads_the_agencys_notices(client, waiting):
    client.force_login(waiting.applicant)
    notice = waiting.notices.get(kind="02")

    response = client.get(reverse("dossiers:notice", kwargs={"public_id": waiting.public_id, "pk": notice.pk}))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(CitizenFactory())
    assert (
        client.get(reverse("dossiers:notice", kwargs={"public_id": waiting.public_id, "pk": notice.pk})).status_code
        == 404
    )


def test_the_result_is_available_online_once_ready_for_online_delivery(client, waiting):
    processing.supplement(dossier=waiting, by=waiting.applicant)
    type(waiting).objects.filter(pk=waiting.pk).update(delivery_method=DeliveryMethod.ONLINE)
    url = reverse("dossiers:result", kwargs={"public_id": waiting.public_id})
    client.force_login(waiting.applicant)
    assert client.get(url).status_code == 404  # nothing yet

    processing.approve(
        dossier=waiting,
        by=staff(Role.LEADER),
        result=SimpleUploadedFile("kq.pdf", PDF_BYTES, "application/pdf"),
        pin=settings.SIGNATURE_DEMO_PIN,
    )
    assert client.get(url).status_code == 404  # held while the fees are owed
    pay_at_counter(waiting)

    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def desk_url(dossier) -> str:
    return reverse("admin:dossiers_dossier_supplement_at_desk", args=[dossier.pk])


def test_the_desk_records_the_papers_a_citizen_brings_for_a_supplement(client, waiting):
    """A citizen recorded at a counter has no account to supplement online: their dossier waited until it expired."""
    desk = User.objects.get(username="tiepnhan")
    slot = waiting.case.documents.get(position=1)
    client.force_login(desk)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[waiting.pk])).content.decode()
    assert desk_url(waiting) in page

    form = client.get(desk_url(waiting)).content.decode()
    assert "Bản sao Giấy chứng sinh có dấu đỏ của bệnh viện" in form  # what was asked, beside the scans
    empty = client.post(desk_url(waiting), {"version": waiting.version, "note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Scan the papers the citizen brought" in empty.content.decode()
    response = client.post(
        desk_url(waiting),
        {
            "version": waiting.version,
            "note": "Bản sao có dấu đỏ, đã đối chiếu bản chính",
            f"document-{slot.pk}": [  # a paper of two pages, scanned a page at a time, as at the counter
                SimpleUploadedFile("giay-chung-sinh.pdf", PDF_BYTES),
                SimpleUploadedFile("trang-2.pdf", PDF_BYTES),
            ],
        },
    )

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.PROCESSING  # back where it was when the supplement was asked for
    scan = waiting.documents.get(required_document=slot)
    assert scan.original_name == "giay-chung-sinh.pdf, trang-2.pdf"
    assert (scan.scanned_at_intake, scan.pages) == (True, 2)  # digitised by the desk, one PDF: counted as such
    event = waiting.events.last()
    assert event.action == "supplement" and event.actor == desk
    assert f"{slot.name} (giay-chung-sinh.pdf, trang-2.pdf)" in event.note and "đã đối chiếu bản chính" in event.note
    assert event.public_note.startswith("Giấy tờ bổ sung nộp tại bộ phận một cửa")


def test_only_the_receiving_centres_desk_records_papers_brought_to_it(client, waiting):
    for who in ("chuyenvien", "tiepnhan.hamrong"):
        client.force_login(User.objects.get(username=who))
        response = client.post(desk_url(waiting), {"version": waiting.version, "note": "x"})
        assert response.status_code in (302, 404)
    waiting.refresh_from_db()
    assert waiting.status == Status.SUPPLEMENT_REQUESTED and not waiting.events.filter(action="supplement").exists()


def test_a_scan_the_desk_cannot_take_is_refused_and_nothing_changes(client, waiting):
    slot = waiting.case.documents.get(position=1)
    before = waiting.documents.get(required_document=slot).original_name
    client.force_login(User.objects.get(username="tiepnhan"))

    response = client.post(
        desk_url(waiting),
        {
            "version": waiting.version,
            "note": "Giấy chứng sinh",
            f"document-{slot.pk}": SimpleUploadedFile("anh.pdf", b"GIF89a..."),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = response.content.decode()
    assert (
        response.status_code == 200 and "anh.pdf" in page and "Giấy chứng sinh" in page
    )  # the reason, and the note kept
    waiting.refresh_from_db()
    assert waiting.status == Status.SUPPLEMENT_REQUESTED
    assert waiting.documents.get(required_document=slot).original_name == before


def test_a_paper_the_supplement_replaces_is_kept_as_first_filed(client, waiting, django_capture_on_commit_callbacks):
    """The new scan took the slot and the first one was deleted: nobody could see what had been filed."""
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from dossiers import services
    from portal.storage_sweep import sweep_storage

    from .filing import pdf_bytes

    slot = waiting.case.documents.get(position=1)
    first = waiting.documents.get(required_document=slot)
    first_bytes = first.file.open("rb").read()
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.attach_document(
            dossier=waiting, required_document=slot, upload=SimpleUploadedFile("nhap.pdf", pdf_bytes(note="nhap"))
        )
        services.attach_document(
            dossier=waiting, required_document=slot, upload=SimpleUploadedFile("moi.pdf", pdf_bytes(note="moi"))
        )
    processing.supplement(dossier=waiting, by=waiting.applicant)

    kept = waiting.replaced_documents.get()  # the first scan; not the draft replaced before the supplement was sent
    assert (kept.required_document, kept.original_name, kept.sha256) == (slot, first.original_name, first.sha256)
    assert not default_storage.exists(draft.file.name)
    sweep_storage(prefix=f"dossiers/{waiting.public_id}/", older_than=timezone.now() + timedelta(days=1))
    assert default_storage.exists(kept.file.name)  # referenced by its row: not an orphan the sweep removes
    client.force_login(staff(Role.SPECIALIST))
    page = client.get(reverse("admin:dossiers_dossier_change", args=[waiting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("dossiers:replaced_document", kwargs={"public_id": waiting.public_id, "pk": kept.pk})
    assert "Replaced or removed during a supplement" in page.content.decode() and url in page.content.decode()
    assert b"".join(client.get(url).streaming_content) == first_bytes
    client.force_login(User.objects.get(username="tiepnhan.hamrong"))  # another agency's official
    assert client.get(url).status_code == 404
