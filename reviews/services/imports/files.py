"""An import's stored file: a local path to read it from, and its deletion once no run will
read it again."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.utils import timezone

from reviews.models import BatchStatus, ImportBatch


@contextmanager
def _local_path(batch: ImportBatch) -> Iterator[Path]:
    """A path on this machine for the batch's file (a temporary copy for remote storage)."""
    try:
        local = Path(batch.file.path)
    except NotImplementedError:  # remote storage (S3 ...) has no local path
        local = None
    if local is not None:
        yield local
        return
    with tempfile.NamedTemporaryFile(suffix=".import") as tmp:
        with batch.file.open("rb") as remote:
            shutil.copyfileobj(remote, tmp, 1024 * 1024)
        tmp.flush()
        yield Path(tmp.name)


# Batches whose file nothing will read again: the lead uploads a failed file again, and
# an undone or cancelled import is never run again (its records' raw text stays).
FINISHED_WITHOUT_FILE = (BatchStatus.FAILED, BatchStatus.UNDONE, BatchStatus.CANCELLED)
# A stored file with no batch row yet may be an upload whose row is being written.
ORPHAN_GRACE = dt.timedelta(hours=1)
IMPORTS_DIR = "imports"


def _drop_file(batch_id: int) -> None:
    """Delete a finished batch's stored file (after commit: no file I/O in a transaction)
    and forget its name. Issue #16: files of failed and undone imports stayed forever."""
    batch = ImportBatch.objects.filter(pk=batch_id, status__in=FINISHED_WITHOUT_FILE).first()
    if batch is None or not batch.file:
        return
    name = batch.file.name
    if name and ImportBatch.objects.filter(pk=batch_id, file=name).update(file=""):
        batch.file.storage.delete(name)


def import_files_sweep(*, now: dt.datetime | None = None) -> list[str]:
    """Delete the stored files no import will read: those of failed, undone and cancelled
    batches (left by a crash between the commit and the delete, or by an older Sift), and
    files under imports/ that no batch names, once older than ORPHAN_GRACE (a worker or web
    process killed between storing an upload and writing its row). Safe to run any time and
    twice; returns the names deleted. Run by `manage.py sweep_import_files` and whenever a
    worker starts."""
    now = now or timezone.now()
    deleted = []
    for batch_id in (
        ImportBatch.objects.filter(status__in=FINISHED_WITHOUT_FILE)
        .exclude(file="")
        .values_list("pk", flat=True)
    ):
        name = ImportBatch.objects.values_list("file", flat=True).get(pk=batch_id)
        _drop_file(batch_id)
        deleted.append(name)
    storage = ImportBatch._meta.get_field("file").storage
    named = set(ImportBatch.objects.exclude(file="").values_list("file", flat=True))
    for name in _stored_files(storage, IMPORTS_DIR):
        if name in named:
            continue
        try:
            if now - storage.get_modified_time(name) < ORPHAN_GRACE:
                continue
        except (NotImplementedError, FileNotFoundError):
            continue
        # Named meanwhile (a row committed since the list was read): keep it.
        if not ImportBatch.objects.filter(file=name).exists():
            storage.delete(name)
            deleted.append(name)
    return deleted


def _stored_files(storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_files(storage, f"{folder}/{sub}")
