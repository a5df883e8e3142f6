"""Issued documents: the PDFs the portal renders once and keeps (receipts, notices, labels), in one mechanism.

Each app describes its documents as a ``DocumentKind`` (model, file field, how to render and name the file, what
to ``select_related`` for the render, which rows should have a file) and registers it in its ``AppConfig.ready``.
Then, for every kind alike:

* ``issue(kind, pk)``: once the row is saved, render it off the request path (``portal.tasks.render_issued``,
  published after commit; a broker that is down is logged, never raised into the request);
* ``store(kind, pk)``: render outside any lock, then lock the row and store the file once: a second call, a
  retried task or a download at the same moment keeps the first file;
* ``sweep()``: periodic (Celery beat), renders every document still missing a minute after it was issued, so
  none waits for its first download when the broker was down at commit;
* ``download(kind, obj)`` and ``file_response(...)``: every download of an issued document, rendered on the spot
  if it is still missing, as an attachment nobody may sniff or cache.

When signing is configured (``portal.signing``), every kind with ``sealed_by`` is sealed by its agency right after
it is rendered, in the same worker; a document that cannot be sealed is not stored (the task retries, the sweep
tries again), so no unsealed copy is ever handed out.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import FileMissing, FileStoreUnavailable, storage_errors

logger = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(minutes=1)  # the task published at commit normally renders well within a minute
SWEEP_BATCH = 50  # per kind and sweep: a sweep renders at most this many documents of each kind


@dataclass(frozen=True)
class DocumentKind:
    """One kind of issued document, stored in ``model.<field>``."""

    name: str  # stable: task arguments carry it
    model: type[models.Model]
    field: str
    render: Callable[[Any], bytes]
    filename: Callable[[Any], str]  # also the name the file is stored under (before the field's upload_to)
    select_related: tuple[str, ...] = ()
    # Rows that should have a file, and the time they were issued at (the sweep waits ``SWEEP_AFTER`` from it).
    # Without ``should_have`` the document is only rendered on demand and never swept (postal labels).
    should_have: Q | None = None
    issued_at: str = ""
    content_type: str = "application/pdf"
    # The agency whose seal the document carries and the dossier code it is about: ``row -> (agency, code)``.
    sealed_by: Callable[[Any], tuple[Any, str]] | None = None
    # Offered to the applicant among the dossier's documents (the API's ``downloads``): the lookup from the row to
    # its dossier's id (``"dossier_id"``), the download's path (from the row and its dossier) and the document's
    # title (from the row's own fields: the list reads the rows alone).
    of_dossier: str = ""
    download_path: Callable[[Any, Any], str] | None = None
    title: Callable[[Any], str] | None = None

    def __post_init__(self) -> None:
        if self.should_have is not None and not self.issued_at:
            raise ImproperlyConfigured(f"Issued document {self.name!r} is swept: name its issued_at field.")

    def missing(self, *, before: datetime) -> QuerySet:
        """Rows that should have a file, have none, and were issued before ``before``, oldest first."""
        return (
            self.model.objects.filter(self.should_have)
            .filter(**{self.field: "", f"{self.issued_at}__lt": before})
            .order_by(self.issued_at, "pk")
        )


_kinds: dict[str, DocumentKind] = {}


def register(*kinds: DocumentKind) -> None:
    """Called from the apps' ``AppConfig.ready``; registering the same kind again is harmless."""
    for kind in kinds:
        known = _kinds.setdefault(kind.name, kind)
        if known != kind:
            raise ImproperlyConfigured(f"Two issued documents are named {kind.name!r}.")


def kinds() -> list[DocumentKind]:
    return list(_kinds.values())


def get(kind: DocumentKind | str) -> DocumentKind:
    return _kinds[kind] if isinstance(kind, str) else kind


def produce(kind: DocumentKind | str, row: models.Model) -> bytes:
    """The document of ``row``, rendered, and sealed by its agency when signing is on (``SigningError`` if not)."""
    kind = get(kind)
    content = kind.render(row)
    if kind.sealed_by is None:
        return content
    from .signing import sign

    if not sign.enabled():
        return content
    agency, code = kind.sealed_by(row)
    return sign.seal(content, agency_code=agency.code, agency_name=agency.name, dossier_code=code)


def issue(kind: DocumentKind | str, pk: int) -> None:
    """Render the document off the request path: after the commit inside a transaction, at once outside one."""
    from .tasks import render_issued

    render_issued.delay(get(kind).name, pk)


def store(kind: DocumentKind | str, pk: int) -> models.Model:
    """Render and store the document of row ``pk`` once, and return the row (loaded with ``select_related``).

    A row that already has its file is returned as it is; so is a row that should have none (a draft dossier).
    """
    kind = get(kind)
    row = kind.model.objects.select_related(*kind.select_related).get(pk=pk)
    if getattr(row, kind.field):
        return row
    if kind.should_have and not kind.model.objects.filter(kind.should_have, pk=pk).exists():
        return row
    content = produce(kind, row)  # the slow part, outside the lock
    with transaction.atomic():
        locked = kind.model.objects.select_for_update().get(pk=pk)
        if not getattr(locked, kind.field):  # a download or another task may have stored it meanwhile
            _save(kind, locked, kind.filename(row), content)
    setattr(row, kind.field, getattr(locked, kind.field).name)
    return row


def _save(kind: DocumentKind, locked: models.Model, filename: str, content: bytes) -> None:
    try:
        getattr(locked, kind.field).save(filename, ContentFile(content), save=False)
    except storage_errors() as error:
        logger.error("Could not store issued document %s %s: %s", kind.name, locked.pk, error)
        raise FileStoreUnavailable(
            _("The document could not be stored: the file store is not answering. Try again in a few minutes.")
        ) from None
    fields = [kind.field]
    if any(f.name == "updated_at" for f in kind.model._meta.concrete_fields):
        fields.append("updated_at")
    locked.save(update_fields=fields)


def sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Periodic: render the documents still missing ``SWEEP_AFTER`` after issue; how many of each kind.

    Each row is claimed with ``SKIP LOCKED`` and rendered under its lock: two sweeps at once never render the same
    document, and a row locked elsewhere (a download rendering it, an official's action) waits for the next sweep.
    """
    before = (now or timezone.now()) - SWEEP_AFTER
    rendered = {}
    for kind in kinds():
        if kind.should_have is None:
            continue
        rendered[kind.name] = 0
        for pk in list(kind.missing(before=before).values_list("pk", flat=True)[:batch]):
            try:
                rendered[kind.name] += _sweep_one(kind, pk)
            except Exception:  # one document that cannot be rendered must not hold up the others
                logger.exception("Could not render issued document %s %s; the next sweep tries again.", kind.name, pk)
    return rendered


def _sweep_one(kind: DocumentKind, pk: int) -> bool:
    with transaction.atomic():
        locked = kind.model.objects.select_for_update(skip_locked=True).filter(pk=pk, **{kind.field: ""}).first()
        if locked is None:  # rendered meanwhile, or being rendered by someone else
            return False
        row = kind.model.objects.select_related(*kind.select_related).get(pk=pk)
        _save(kind, locked, kind.filename(row), produce(kind, row))
    return True


@dataclass(frozen=True)
class Download:
    kind: str
    name: str
    issued_at: datetime | None
    signed: bool
    path: str


def downloads_for(dossier) -> list[Download]:
    """Every document issued for ``dossier`` that its applicant may download (kinds with ``download_path``), in the
    order the kinds were registered; each is rendered (and sealed) on its first download if no task has yet."""
    from .signing.sign import enabled

    found = []
    for kind in kinds():
        if not (kind.of_dossier and kind.download_path):
            continue
        rows = kind.model.objects.filter(**{kind.of_dossier: dossier.pk})
        if kind.should_have is not None:
            rows = rows.filter(kind.should_have)
        for row in rows.order_by("pk"):
            found.append(
                Download(
                    kind=kind.name,
                    name=str(kind.title(row)) if kind.title else kind.filename(row),
                    issued_at=getattr(row, kind.issued_at, None) if kind.issued_at else None,
                    signed=kind.sealed_by is not None and enabled(),
                    path=kind.download_path(row, dossier),
                )
            )
    return found


# --- Downloads -------------------------------------------------------------------------------------------------


def open_stored(file: FieldFile) -> FieldFile:
    """A stored file opened for reading (and usable with ``with``): ``FileMissing`` when the store no longer has it
    (a page that says so, where a 500 was), ``FileStoreUnavailable`` when the store does not answer."""
    try:
        return file.open("rb")
    except FileNotFoundError:  # the disk's, and django-storages' for an S3 key that is gone
        logger.error("Stored file %s is missing", file.name)
        raise FileMissing(
            _("This file is no longer in the portal's file store. Please tell the agency, which can add it again.")
        ) from None
    except storage_errors() as error:
        logger.error("Could not open stored file %s: %s", file.name, error)
        raise FileStoreUnavailable(_("The file store is not answering. Try again in a few minutes.")) from error


def file_response(
    file, filename: str, content_type: str = "application/pdf", *, cache_control: str = "private, no-store"
) -> FileResponse:
    """Every download of a stored file: an attachment browsers must not sniff, kept by no shared cache (unless
    public). A file the store no longer has raises ``FileMissing`` (a page that says so, not a 500)."""
    if isinstance(file, FieldFile):
        file = open_stored(file)
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    return response


def download(kind: DocumentKind | str, row: models.Model) -> FileResponse:
    """The document of ``row`` (whose access the view has checked); rendered now, once, if no task has yet."""
    kind = get(kind)
    if not getattr(row, kind.field):
        row = store(kind, row.pk)
    file = getattr(row, kind.field)
    if not file:  # a row that has no document (a draft dossier's receipt)
        raise Http404
    try:
        return file_response(file, kind.filename(row), kind.content_type)
    except FileMissing:  # what the portal issued is rendered again from its row, as on the first download
        kind.model.objects.filter(pk=row.pk).update(**{kind.field: ""})
        row = store(kind, row.pk)
        return file_response(getattr(row, kind.field), kind.filename(row), kind.content_type)
