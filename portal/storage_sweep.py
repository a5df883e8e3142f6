"""Removing stored files that no row refers to (orphans).

A file reaches storage before the row that names it is committed: an upload streams to the store, then the
document row is saved; a PDF is rendered and stored, then the dossier row is updated. When the transaction rolls
back, the process is killed between the two steps, or a deferred delete finds the store unreachable, the file
stays behind with nothing pointing at it. Nobody can download it (files are served only through a row), but it
holds a citizen's data and costs space, so a periodic sweep removes it.

The sweep walks the default storage in key order, takes files last modified before a cut-off (a day ago by default,
so uploads still in flight are never touched), asks every file field of every model which of a batch of names it
refers to, and deletes the rest. On the S3-compatible store a listing page holds 1,000 keys, so the walk over a
province's millions of files is a few thousand requests; each batch is a handful of indexed-or-hashed lookups.
"""

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import models
from django.utils import timezone

log = logging.getLogger(__name__)

BATCH = 1000
DEFAULT_GRACE = timedelta(days=1)


@dataclass
class SweepReport:
    seen: int = 0
    kept: int = 0  # referenced, or too recent to judge
    removed: list[str] = field(default_factory=list)


def stored_files(storage: Storage, prefix: str = "") -> Iterator[tuple[str, datetime]]:
    """(name, last modified, aware) of every file under ``prefix``, without loading the listing in memory."""
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:  # django-storages' S3 backend: page through ListObjectsV2
        location = (getattr(storage, "location", "") or "").strip("/")
        base = f"{location}/" if location else ""
        for summary in bucket.objects.filter(Prefix=base + prefix):
            yield summary.key[len(base) :], summary.last_modified
    elif isinstance(storage, FileSystemStorage):
        root = storage.path("")
        top = os.path.join(root, prefix) if prefix else root
        for folder, folders, files in os.walk(top):
            folders.sort()
            for filename in sorted(files):
                path = os.path.join(folder, filename)
                name = os.path.relpath(path, root).replace(os.sep, "/")
                yield name, datetime.fromtimestamp(os.path.getmtime(path), tz=UTC)
    else:  # any other backend, through the Storage API alone
        yield from _walk(storage, prefix.rstrip("/"))


def _walk(storage: Storage, folder: str) -> Iterator[tuple[str, datetime]]:
    folders, files = storage.listdir(folder)
    for filename in sorted(files):
        name = f"{folder}/{filename}" if folder else filename
        yield name, storage.get_modified_time(name)
    for sub in sorted(folders):
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def file_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, file field) whose files live in the default storage."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField) and model_field.storage is default_storage:
                found.append((model, model_field.name))
    return found


def referenced(names: list[str], fields: list[tuple[type[models.Model], str]]) -> set[str]:
    found: set[str] = set()
    for model, name in fields:
        found.update(model._base_manager.filter(**{f"{name}__in": names}).values_list(name, flat=True))
    return found


def sweep_storage(
    *, prefix: str = "", older_than: datetime | None = None, dry_run: bool = False, storage: Storage | None = None
) -> SweepReport:
    """Delete files under ``prefix`` that no row refers to and that were last modified before ``older_than``."""
    storage = storage or default_storage
    cutoff = older_than or timezone.now() - DEFAULT_GRACE
    fields = file_fields()
    report = SweepReport()
    batch: list[str] = []

    def settle() -> None:
        known = referenced(batch, fields)
        for name in batch:
            if name in known:
                report.kept += 1
                continue
            if not dry_run:
                storage.delete(name)
            report.removed.append(name)
            log.info("storage sweep: %s %s", "would remove" if dry_run else "removed", name)
        batch.clear()

    for name, modified in stored_files(storage, prefix):
        report.seen += 1
        if modified >= cutoff:
            report.kept += 1
            continue
        batch.append(name)
        if len(batch) >= BATCH:
            settle()
    if batch:
        settle()
    return report
