"""Issued documents (portal.issued): one registry, each document stored once, swept while missing, downloaded alike."""

import dataclasses
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from dossiers import processing
from dossiers.models import Dossier, DossierNotice
from dossiers.receipts import RECEIPT
from payments import services as payments
from payments.models import PaymentRequest, Receipt
from portal import issued
from portal.tasks import render_issued
from postal import services as postal
from postal.models import Shipment
from procedures.models import Agency

from .filing import HAC_THANH
from .payments_support import file_dossier, official, to_result_ready
from .test_postal import give_range

pytestmark = pytest.mark.django_db

# name: (model, file field, rendered ahead and swept when missing)
KINDS = {
    "dossiers.receipt": (Dossier, "receipt", True),
    "dossiers.notice": (DossierNotice, "file", True),
    "payments.receipt": (Receipt, "file", True),
    "postal.label": (Shipment, "label", False),
}


def stored(file) -> bytes:
    with file.open("rb") as fh:
        return fh.read()


def files_beside(file) -> list[str]:
    folder, _name = file.name.rsplit("/", 1)
    return default_storage.listdir(folder)[1]


def two_minutes_ago(queryset, field: str) -> None:
    queryset.update(**{field: F(field) - timedelta(minutes=2)})


def test_every_issued_document_is_registered_once():
    kinds = issued.kinds()

    assert {k.name: (k.model, k.field, k.should_have is not None) for k in kinds} == KINDS
    assert issued.get("dossiers.receipt") is RECEIPT
    issued.register(RECEIPT)  # an app registering again changes nothing
    assert issued.kinds() == kinds
    with pytest.raises(ImproperlyConfigured, match="Two issued documents"):
        issued.register(dataclasses.replace(RECEIPT, field="result_file"))


def test_storing_twice_keeps_the_first_file(submitted):
    first = issued.store(RECEIPT, submitted.pk)
    content = stored(first.receipt)

    second = issued.store(RECEIPT, submitted.pk)

    assert second.receipt.name == first.receipt.name and stored(second.receipt) == content
    assert content.startswith(b"%PDF-")
    assert files_beside(first.receipt) == [first.receipt.name.rsplit("/", 1)[1]]


def test_a_file_stored_while_rendering_is_kept_and_the_second_render_dropped(submitted):
    def render_while_a_download_stores_it(dossier):
        issued.store(RECEIPT, dossier.pk)  # a download finishes first, while this render runs
        return b"%PDF- the second render"

    racing = dataclasses.replace(RECEIPT, name="tests.racing", render=render_while_a_download_stores_it, sealed_by=None)

    row = issued.store(racing, submitted.pk)

    assert stored(row.receipt) != b"%PDF- the second render" and stored(row.receipt).startswith(b"%PDF-")
    assert len(files_beside(row.receipt)) == 1


def test_a_draft_has_no_receipt_to_store(catalogue):
    dossier = file_dossier(place=None)
    Dossier.objects.filter(pk=dossier.pk).update(status=0, code=None, submitted_at=None)

    assert not issued.store(RECEIPT, dossier.pk).receipt


def test_the_sweep_renders_only_what_is_missing_a_minute_after_issue(catalogue):
    missing, rendered, fresh = (file_dossier(place=None) for _ in range(3))
    processing.accept(dossier=missing, by=official("tiepnhan"))  # notice 01, not rendered either
    issued.store(RECEIPT, rendered.pk)
    two_minutes_ago(Dossier.objects.filter(pk__in=[missing.pk, rendered.pk]), "submitted_at")
    two_minutes_ago(DossierNotice.objects.filter(dossier=missing), "issued_at")

    counts = issued.sweep()

    assert counts == {"dossiers.receipt": 1, "dossiers.notice": 1, "payments.receipt": 0}
    receipts = dict(Dossier.objects.filter(pk__in=[missing.pk, fresh.pk]).values_list("pk", "receipt"))
    assert receipts[missing.pk] and not receipts[fresh.pk]  # the fresh one is left to its task
    assert DossierNotice.objects.get(dossier=missing).file
    assert issued.sweep() == {"dossiers.receipt": 0, "dossiers.notice": 0, "payments.receipt": 0}


def test_the_sweep_renders_a_batch_at_a_time(catalogue):
    dossiers = [file_dossier(place=None) for _ in range(3)]
    two_minutes_ago(Dossier.objects.filter(pk__in=[d.pk for d in dossiers]), "submitted_at")

    assert issued.sweep(batch=2)["dossiers.receipt"] == 2
    assert issued.sweep(batch=2)["dossiers.receipt"] == 1


def test_the_task_renders_and_a_store_that_is_down_leaves_it_to_the_sweep(submitted, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the storage expects a directory")
    monkeypatch.setattr(Dossier._meta.get_field("receipt"), "storage", FileSystemStorage(location=blocker / "media"))

    render_issued.apply(args=["dossiers.receipt", submitted.pk])  # in-process: no retry loop, nothing raised

    submitted.refresh_from_db()
    assert not submitted.receipt
    monkeypatch.undo()
    render_issued.apply(args=["dossiers.receipt", submitted.pk])
    submitted.refresh_from_db()
    assert stored(submitted.receipt).startswith(b"%PDF-")


def test_every_download_of_an_issued_document_renders_it_once_as_a_private_attachment(client, catalogue):
    give_range(Agency.objects.get(code=HAC_THANH))
    dossier = file_dossier()
    payments.record_counter_payment(request=PaymentRequest.objects.get(dossier=dossier), by=official("thuphi"))
    dossier = to_result_ready(dossier)
    shipment = postal.post_result(dossier=dossier, by=official("tiepnhan"))
    notice = dossier.notices.order_by("pk").first()
    receipt = Receipt.objects.get(transaction__request__dossier=dossier)
    citizen, desk = dossier.applicant, official("tiepnhan")
    downloads = [
        (citizen, reverse("dossiers:receipt", kwargs={"public_id": dossier.public_id}), f"bien-nhan-{dossier.code}"),
        (
            citizen,
            reverse("dossiers:notice", kwargs={"public_id": dossier.public_id, "pk": notice.pk}),
            f"mau-{notice.kind}-{dossier.code}",
        ),
        (desk, reverse("admin:dossiers_dossier_notice", args=[dossier.pk, notice.pk]), f"mau-01-{dossier.code}"),
        (citizen, receipt.get_absolute_url(), f"bien-lai-{receipt.number}"),
        (desk, reverse("admin:postal_shipment_label", args=[shipment.pk]), f"nhan-{shipment.tracking_number}"),
    ]

    for user, url, name in downloads:
        client.force_login(user)
        first, again = client.get(url), client.get(url)
        assert first.status_code == 200, url
        assert first["Content-Type"] == "application/pdf"
        assert first["Content-Disposition"] == f'attachment; filename="{name}.pdf"'
        assert first["X-Content-Type-Options"] == "nosniff"
        cache = {part.strip() for part in first["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache and "public" not in cache  # the back office adds no-cache too
        assert b"".join(first.streaming_content) == b"".join(again.streaming_content)  # stored once, served twice

    dossier.refresh_from_db()
    notice.refresh_from_db()
    receipt.refresh_from_db()
    shipment.refresh_from_db()
    assert all(f.name for f in (dossier.receipt, notice.file, receipt.file, shipment.label))


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_never_render_the_same_document(load_demo):
    dossier = file_dossier(place=None)
    two_minutes_ago(Dossier.objects.filter(pk=dossier.pk), "submitted_at")
    locked, release = threading.Event(), threading.Event()

    def another_sweep_holds_the_row():
        with transaction.atomic():
            Dossier.objects.select_for_update().get(pk=dossier.pk)
            locked.set()
            release.wait(timeout=30)
        connection.close()

    other = threading.Thread(target=another_sweep_holds_the_row)
    other.start()
    try:
        assert locked.wait(timeout=30)
        assert issued.sweep()["dossiers.receipt"] == 0  # skipped, not waited for
    finally:
        release.set()
        other.join(timeout=30)

    assert not Dossier.objects.get(pk=dossier.pk).receipt
    assert issued.sweep()["dossiers.receipt"] == 1
