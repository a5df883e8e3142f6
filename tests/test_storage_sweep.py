"""The sweep of stored files no row refers to, against the storage the suite runs on (the S3-compatible store)."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from dossiers import services
from dossiers.models import DossierDocument
from portal.storage_sweep import sweep_storage
from procedures.models import Agency, Procedure

from .conftest import BIRTH_REGISTRATION
from .factories import CitizenFactory
from .filing import HAC_THANH, PDF_BYTES

LATER = timedelta(minutes=5)  # a cut-off after every file the test stores: nothing is "too recent"


def folder_of(dossier) -> str:
    return f"dossiers/{dossier.public_id}/"


def stray_file(dossier) -> str:
    return default_storage.save(f"{folder_of(dossier)}{uuid.uuid4().hex}.pdf", ContentFile(PDF_BYTES))


def test_a_file_no_row_refers_to_is_removed_and_the_dossiers_own_files_are_kept(submitted):
    documents = [document.file.name for document in submitted.documents.all()]
    assert documents
    stray = stray_file(submitted)

    report = sweep_storage(prefix=folder_of(submitted), older_than=timezone.now() + LATER)

    assert report.removed == [stray]
    assert not default_storage.exists(stray)
    assert all(default_storage.exists(name) for name in documents)
    assert report.seen == len(documents) + 1 and report.kept == len(documents)
    for document in submitted.documents.all():  # still downloadable, byte for byte
        with document.file.open("rb") as stored:
            assert stored.read() == PDF_BYTES


def test_a_recent_file_is_never_judged(submitted):
    """An upload in flight is stored before its row commits: the grace period keeps it."""
    stray = stray_file(submitted)

    report = sweep_storage(prefix=folder_of(submitted), older_than=timezone.now() - timedelta(hours=1))

    assert report.removed == [] and default_storage.exists(stray)
    default_storage.delete(stray)


def test_the_scan_of_a_rolled_back_upload_is_removed(catalogue):
    """What the sweep is for: the upload reached the store, then its transaction rolled back."""

    procedure = Procedure.objects.get(code=BIRTH_REGISTRATION)
    draft = services.start_draft(
        procedure=procedure,
        applicant=CitizenFactory(),
        agency=Agency.objects.get(code=HAC_THANH),
        case=procedure.cases.get(),
    )
    slot = draft.case.documents.filter(is_required=True).first()
    with pytest.raises(RuntimeError), transaction.atomic():
        document = services.attach_document(
            dossier=draft, required_document=slot, upload=SimpleUploadedFile("scan.pdf", PDF_BYTES)
        )
        left_behind = document.file.name
        raise RuntimeError("the request failed after the upload")
    assert not DossierDocument.objects.filter(dossier=draft).exists()
    assert default_storage.exists(left_behind)

    report = sweep_storage(prefix=folder_of(draft), older_than=timezone.now() + LATER)

    assert report.removed == [left_behind] and not default_storage.exists(left_behind)


def test_the_command_can_list_without_removing(submitted):
    stray = stray_file(submitted)
    out = StringIO()

    call_command("sweep_storage", prefix=folder_of(submitted), hours=-1, dry_run=True, stdout=out)

    assert f"would remove {stray}" in out.getvalue()
    assert default_storage.exists(stray)
    call_command("sweep_storage", prefix=folder_of(submitted), hours=-1, stdout=StringIO())
    assert not default_storage.exists(stray)
    assert all(default_storage.exists(document.file.name) for document in submitted.documents.all())


def test_local_files_are_swept_the_same_way(submitted, tmp_path):
    """`make run` keeps files on the local disk: the same sweep walks the folder."""
    local = FileSystemStorage(location=tmp_path)
    kept = [local.save(document.file.name, ContentFile(PDF_BYTES)) for document in submitted.documents.all()]
    stray = local.save(f"{folder_of(submitted)}issued/{uuid.uuid4().hex}.pdf", ContentFile(PDF_BYTES))
    elsewhere = local.save("form-templates/other/mau.pdf", ContentFile(PDF_BYTES))

    report = sweep_storage(prefix=folder_of(submitted), older_than=timezone.now() + LATER, storage=local)

    assert report.removed == [stray]
    assert all(local.exists(name) for name in kept) and local.exists(elsewhere)
