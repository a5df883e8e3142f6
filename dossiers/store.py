"""The citizen's document store (kho dữ liệu): papers given once, results issued once, reused in later filings.

Every scanned document of a submitted dossier, and every result returned, is copied into the applicant's store
with its kind (``procedures.kinds``; blank for a paper of no known kind: kept and listed, offered to no slot), origin
dossier and date. When a later filing asks for a paper of that kind, the documents step offers "dùng lại":
``reuse`` copies the stored file into the new dossier (``DossierDocument.reused_from``, ``reused_from_dossier``).
Copies, never shared files: deleting a stored document never touches a dossier, and replacing a dossier's scan never
touches the store.

Copies are made after the submission or the return commits (``transaction.on_commit``); a store that is down then
costs the citizen an offer, never the submission (logged).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.errors import AccessDenied, FileMissing, FileStoreUnavailable, storage_errors
from portal.issued import open_stored
from procedures.kinds import PaperKind, kind_of_document, result_kind_of
from procedures.models import RequiredDocument

from .constants import DocumentKind, Status
from .models import Dossier, DossierDocument, StoredDocument, StoredOrigin
from .services import DossierError, _locked_draft, fits, held_document, put_document

logger = logging.getLogger(__name__)


# --- Reads -----------------------------------------------------------------------------------------------------------


def documents_of(user) -> QuerySet[StoredDocument]:
    """The citizen's own stored documents, newest first."""
    return StoredDocument.objects.filter(owner_id=user.pk).select_related("origin_dossier")


def used_in(documents: QuerySet[StoredDocument]) -> QuerySet[StoredDocument]:
    """``documents`` with, as ``used_for``, the submitted dossiers each was used in, online or by the desk at the
    counter: the citizen sees where their papers went (two queries in all)."""
    uses = (
        DossierDocument.objects.exclude(dossier__status=Status.DRAFT)
        .select_related("dossier")
        .only("reused_from_id", "dossier__public_id", "dossier__code", "dossier__status")
        .order_by("dossier__submitted_at")
    )
    return documents.prefetch_related(Prefetch("reuses", queryset=uses, to_attr="used_for"))


def offers_for(dossier: Dossier, held: dict[int, DossierDocument]) -> dict[int, list[StoredDocument]]:
    """For each required document of the dossier's case with a paper kind: the applicant's stored papers of that kind
    (by required-document id), but not the very file the slot already holds (``held``: the dossier's documents by
    required-document id), which offering again would only copy it onto itself."""
    if dossier.case_id is None:
        return {}
    slots = {slot.pk: kind_of_document(slot) for slot in dossier.case.documents.all()}
    kinds = {kind for kind in slots.values() if kind}
    if not kinds:
        return {}
    by_kind: dict[str, list[StoredDocument]] = {}
    for stored in documents_of(dossier.applicant).filter(kind__in=kinds):
        by_kind.setdefault(stored.kind, []).append(stored)
    offers = {}
    for pk, kind in slots.items():
        same_file = held[pk].sha256 if pk in held else None
        if kind in by_kind:
            offers[pk] = [stored for stored in by_kind[kind] if stored.sha256 != same_file]
    return offers


# --- Writes ----------------------------------------------------------------------------------------------------------


def copy_file(source, target_field, name: str) -> None:
    """A copy of ``source``'s content saved into ``target_field`` (never a shared file)."""
    with open_stored(source) as handle:  # FileMissing when the store lost it: "not answering" is no help then
        target_field.save(name, File(handle), save=False)


def _store(*, owner_id: int, kind: str, title: str, origin: str, dossier: Dossier, source, original_name: str,
           content_type: str, size: int, sha256: str) -> StoredDocument | None:  # fmt: skip
    if StoredDocument.objects.filter(owner_id=owner_id, kind=kind, sha256=sha256).exists():
        return None
    stored = StoredDocument(
        owner_id=owner_id,
        kind=kind,
        title=title[:255],
        origin=origin,
        origin_dossier=dossier,
        origin_code=dossier.code or "",
        original_name=original_name[:255],
        content_type=content_type,
        size=size,
        sha256=sha256,
    )
    try:
        copy_file(source, stored.file, "stored")
    except (FileMissing, *storage_errors()) as error:  # after the submission: one paper lost is skipped, not fatal
        logger.error("Could not copy a document of dossier %s into the store: %s", dossier.pk, error)
        return None
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:  # the same paper stored at the same moment by another request
        stored.file.storage.delete(stored.file.name)
        return None
    return stored


def store_dossier_documents(dossier: Dossier) -> list[StoredDocument]:
    """Copy the dossier's scans that are papers of a known kind into its applicant's store (once per content)."""
    stored = []
    documents = (
        DossierDocument.objects.filter(dossier=dossier, reused_from__isnull=True)
        .exclude(file="")
        .select_related("required_document")
    )
    for document in documents:
        kind = kind_of_document(document.required_document)  # "": kept, but offered to no other slot
        row = _store(
            owner_id=dossier.applicant_id,
            kind=kind,
            title=str(PaperKind(kind).label) if kind else document.required_document.name,
            origin=StoredOrigin.UPLOAD,
            dossier=dossier,
            source=document.file,
            original_name=document.original_name,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
        )
        if row is not None:
            stored.append(row)
    return stored


def store_result(dossier: Dossier) -> StoredDocument | None:
    """Copy a returned result into the applicant's store when the procedure issues a paper of a known kind."""
    import hashlib

    kind = result_kind_of(dossier.procedure)  # "": kept, but offered to no slot
    if not dossier.result_file:
        return None
    digest = hashlib.sha256()
    try:
        with dossier.result_file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
        size = dossier.result_file.size
    except storage_errors() as error:
        logger.error("Could not read the result of dossier %s for the store: %s", dossier.pk, error)
        return None
    return _store(
        owner_id=dossier.applicant_id,
        kind=kind,
        origin=StoredOrigin.RESULT,
        dossier=dossier,
        title=str(PaperKind(kind).label)
        if kind
        else _("Result: %(procedure)s") % {"procedure": dossier.procedure.name},
        source=dossier.result_file,
        original_name=f"ket-qua-{dossier.code}.pdf",
        content_type=DocumentKind.PDF,
        size=size,
        sha256=digest.hexdigest(),
    )


def after_submission(dossier: Dossier) -> None:
    """Called by the submission, inside its transaction: store the papers once it has committed."""
    pk = dossier.pk
    transaction.on_commit(lambda: store_dossier_documents(Dossier.objects.get(pk=pk)))


def after_return(dossier: Dossier) -> None:
    """Called by the return of the result, inside its transaction: store the result once it has committed."""
    pk = dossier.pk
    transaction.on_commit(lambda: store_result(Dossier.objects.select_related("procedure").get(pk=pk)))


@transaction.atomic
def reuse(*, dossier: Dossier, required_document: RequiredDocument, stored: StoredDocument, by) -> DossierDocument:
    """The citizen puts a copy of a stored paper into a slot of their draft (replacing an earlier scan)."""
    dossier = _locked_draft(dossier, supplementing=True)
    if by.pk != dossier.applicant_id:
        raise AccessDenied(_("This stored document is not yours."))
    return copy_stored(dossier=dossier, required_document=required_document, stored=stored)


def copy_stored(*, dossier: Dossier, required_document: RequiredDocument, stored: StoredDocument) -> DossierDocument:
    """A copy of the applicant's stored paper into the dossier's slot, in place of what it held: only the
    applicant's own papers, of the slot's kind, within the dossier's size limit. The caller holds the dossier's lock
    and has checked who acts (the citizen: ``reuse``; the desk at the counter: ``counter.reuse_stored``)."""
    if stored.owner_id != dossier.applicant_id:
        raise AccessDenied(_("This stored document is not yours."))
    if required_document.case_id != dossier.case_id:
        raise DossierError(_("This document is not part of the chosen case."))
    if not stored.kind or kind_of_document(required_document) != stored.kind:  # a paper of no kind: offered nowhere
        raise DossierError(_("This stored document is not the kind of paper this slot asks for."))
    if not fits(dossier, required_document, stored.size):
        raise DossierError(
            _("This paper would take the dossier over its limit of %(max)s in all.")
            % {"max": filesizeformat(settings.DOSSIER_MAX_TOTAL_SIZE)}
        )
    document = DossierDocument(
        dossier=dossier,
        required_document=required_document,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        reused_from=stored,
        reused_from_dossier=stored.origin_code,
    )
    try:
        copy_file(stored.file, document.file, "upload")
    except storage_errors() as error:
        logger.error("Could not copy stored document %s into dossier %s: %s", stored.pk, dossier.pk, error)
        raise FileStoreUnavailable(_("The file store is not answering; try again in a few minutes.")) from None
    return put_document(document, replacing=held_document(dossier, required_document))


@transaction.atomic
def delete_stored(*, stored: StoredDocument, by) -> None:
    """The owner removes a paper from their store; dossiers that used it keep their own copies."""
    stored = StoredDocument.objects.select_for_update().get(pk=stored.pk)
    if stored.owner_id != by.pk:
        raise AccessDenied(_("This stored document is not yours."))
    file = stored.file
    stored.delete()
    transaction.on_commit(lambda: file.storage.delete(file.name))
