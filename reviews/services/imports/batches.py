"""An import batch's life on the web: upload, the lead's confirmation (or remap, or cancel),
queueing again, undo. The runs that read the file are in `runs`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import ngettext

from config import jobs
from lib.imports import TARGET_FIELDS
from reviews.models import (
    ACTIVE_BATCH_STATUSES,
    AuditKind,
    BatchStatus,
    ImportBatch,
    Record,
    Review,
    Search,
    Source,
)
from reviews.services.dedup import dedup_forget_batch, dedup_lock, dedup_request
from reviews.services.imports.common import PROBLEM_LABELS, _audit
from reviews.services.imports.files import _drop_file

UndoGuard = Callable[[ImportBatch], str | None]
_undo_guards: list[UndoGuard] = []


def register_undo_guard(guard: UndoGuard) -> UndoGuard:
    """Later stages (screening) register a check that says why a batch can no longer be
    undone, e.g. "12 of its records have screening decisions". Returns the guard."""
    _undo_guards.append(guard)
    return guard


class DuplicateFileWarning(ValidationError):
    """The same content was imported to this review before (scripted imports refuse it
    unless told; the web preview shows the warning and lets the lead decide)."""

    def __init__(self, previous: ImportBatch):
        self.previous = previous
        super().__init__(duplicate_message(previous))


IN_PROGRESS = (BatchStatus.PREVIEWING, BatchStatus.READY, *ACTIVE_BATCH_STATUSES)


def _twin(review_id: int, sha256: str, *, statuses, exclude: int | None = None):
    """The earliest other batch of this review with the same file content, if any."""
    twins = ImportBatch.objects.filter(review_id=review_id, sha256=sha256, status__in=statuses)
    if exclude is not None:
        twins = twins.exclude(pk=exclude)
    return twins.select_related("source").order_by("created_at").first()


def duplicate_message(previous: ImportBatch) -> str:
    when = timezone.localtime(previous.created_at).strftime("%d %b %Y %H:%M")
    done = previous.status == BatchStatus.DONE
    what = "was already imported" if done else "was already uploaded"
    n = previous.records_stored
    state = (
        f"{n} {ngettext('record', 'records', n)}" if done else previous.get_status_display().lower()
    )
    return (
        f"This file (same content) {what} to this review on {when} as batch #{previous.pk} "
        f"({previous.filename}, {state}, source {previous.source.name}). Importing it again "
        "would add every record twice."
    )


def _hash_and_size(chunks: Iterable[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def import_batch_start(
    *,
    review: Review,
    source: Source,
    upload: File,
    filename: str,
    user=None,
    search: Search | None = None,
    allow_duplicate: bool = False,
    column_mapping: dict[str, str] | None = None,
    preview: bool = True,
    enqueue: bool = True,
) -> ImportBatch:
    """Store the uploaded file and queue its preview (or, with `preview=False`, its import).
    `enqueue=False`: the caller runs the job itself, as the management command does.
    Without a preview, a file whose content was already imported to this review raises
    DuplicateFileWarning unless `allow_duplicate`; with one, the preview shows it."""
    if source.review_id != review.pk:
        raise ValidationError("That source belongs to another review.")
    if search is not None and search.source_id != source.pk:
        raise ValidationError("That search belongs to another source.")
    sha256, size = _hash_and_size(upload.chunks())
    if size == 0:
        raise ValidationError(f"{filename} is empty (0 bytes): there is nothing to import.")
    previous = _twin(review.pk, sha256, statuses=[*IN_PROGRESS, BatchStatus.DONE])
    if previous is not None and not allow_duplicate and not preview:
        raise DuplicateFileWarning(previous)
    batch = ImportBatch(
        review=review,
        source=source,
        search=search,
        uploaded_by=user if user and user.is_authenticated else None,
        filename=Path(filename).name[:300],
        size=size,
        sha256=sha256,
        status=BatchStatus.PREVIEWING if preview else BatchStatus.QUEUED,
        queued_at=timezone.now(),
        warnings=[duplicate_message(previous)] if previous else [],
        column_mapping=dict(source.column_mapping if column_mapping is None else column_mapping),
    )
    upload.seek(0)
    # File I/O first, outside any transaction; the row follows, and the job after commit.
    batch.file.save(batch.filename, upload, save=False)
    try:
        with transaction.atomic():
            batch.save()
            if enqueue:
                _enqueue_on_commit(batch)
    except Exception:
        batch.file.delete(save=False)
        raise
    return batch


IMPORT_TASK = "reviews.tasks.import_batch_task"
PREVIEW_TASK = "reviews.tasks.import_batch_preview_task"


def _enqueue_on_commit(batch: ImportBatch) -> None:
    task = PREVIEW_TASK if batch.status == BatchStatus.PREVIEWING else IMPORT_TASK
    # The batch waits if the broker is down, and its page says the queue could not be reached.
    jobs.enqueue_on_commit(task, batch.pk, mark=partial(import_batch_mark_sent, batch_id=batch.pk))


def import_batch_mark_sent(*, batch_id: int, sent: bool) -> None:
    """Record whether the batch's job reached the broker, after the attempt to send it
    (on commit, outside any transaction). A waiting batch whose job was not sent says so on
    its page at once; a message sent later or a worker claiming the batch clears it."""
    waiting = Q(status__in=[BatchStatus.QUEUED, BatchStatus.PREVIEWING], heartbeat_at__isnull=True)
    jobs.mark_sent(ImportBatch.objects.filter(pk=batch_id), sent=sent, waiting=waiting)


def import_batches_requeue(
    *, batch_ids: list[int] | None = None, worker_start: bool = False
) -> list[int]:
    """Queue again batches waiting for a worker: their message may never have reached one
    (broker down at upload time), or their run went silent. Safe to repeat: a second message
    finds the batch claimed or done and does nothing. Returns the ids queued. `worker_start`:
    also runs that still look alive (jobs.requeue_stale says why)."""
    waiting = jobs.requeue_stale(
        ImportBatch.objects.all(),
        kind="import",
        waiting=Q(status=BatchStatus.QUEUED),
        working=[BatchStatus.RUNNING, BatchStatus.PREVIEWING],
        worker_start=worker_start,
    )
    if batch_ids is not None:
        waiting = waiting.filter(pk__in=batch_ids)
    batches = list(waiting.only("pk", "status"))
    ImportBatch.objects.filter(pk__in=[b.pk for b in batches], heartbeat_at__isnull=True).update(
        queued_at=Now()
    )
    for batch in batches:
        _enqueue_on_commit(batch)
    return [batch.pk for batch in batches]


@transaction.atomic
def import_batch_confirm(
    *, batch: ImportBatch, exclude_problems: Sequence[str] = (), allow_duplicate: bool = False
) -> ImportBatch:
    """The lead accepts the preview: import it, leaving out records with the given problems.
    The file's column choices are remembered for the source's next files. The same content
    imported (or on its way) meanwhile needs `allow_duplicate`."""
    unknown = set(exclude_problems) - set(PROBLEM_LABELS)
    if unknown:
        raise ValidationError(f"Unknown problem kinds: {', '.join(sorted(unknown))}.")
    if batch.preview.get("needs_mapping"):
        raise ValidationError("Choose which column holds the titles before importing.")
    if not batch.preview.get("records"):
        raise ValidationError("The preview found no records to import.")
    twin = _twin(
        batch.review_id,
        batch.sha256,
        statuses=[*ACTIVE_BATCH_STATUSES, BatchStatus.DONE],
        exclude=batch.pk,
    )
    if twin and not allow_duplicate:
        raise ValidationError(
            f"{duplicate_message(twin)} Tick “import it anyway” to import it a second time."
        )
    batch = _next_job(batch, BatchStatus.QUEUED, exclude_problems=sorted(exclude_problems))
    columns = batch.preview.get("columns") or []
    if columns:
        # This file's headers take this file's choices; "automatic" forgets an old choice.
        source = Source.objects.select_for_update().get(pk=batch.source_id)
        kept = {h: f for h, f in source.column_mapping.items() if h not in columns}
        source.column_mapping = {**kept, **batch.column_mapping}
        source.save(update_fields=["column_mapping"])
    return batch


def _next_job(batch: ImportBatch, status: str, **fields) -> ImportBatch:
    """From the lead's preview (READY) to the next job, queued on commit."""
    updated = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.READY).update(
        status=status, heartbeat_at=None, queued_at=Now(), attempts=0, bytes_done=0, **fields
    )
    if not updated:
        raise ValidationError("This import is not waiting for confirmation.")
    batch.refresh_from_db()
    _enqueue_on_commit(batch)
    return batch


@transaction.atomic
def import_batch_remap(*, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    """Read the file again with the lead's column mapping (header -> Sift field)."""
    columns = set(batch.preview.get("columns") or [])
    if not columns:
        raise ValidationError("Only spreadsheet files (CSV, TSV, XLSX) have columns to map.")
    stray = set(mapping) - columns
    if stray:
        raise ValidationError(f"No column named {sorted(stray)[0]!r} in this file.")
    bad = {v for v in mapping.values() if v not in (*TARGET_FIELDS, "ignore")}
    if bad:
        raise ValidationError(f"Unknown field {sorted(bad)[0]!r}.")
    return _next_job(batch, BatchStatus.PREVIEWING, column_mapping=mapping)


def import_batch_cancel(*, batch: ImportBatch, user=None) -> ImportBatch:
    with transaction.atomic():
        updated = ImportBatch.objects.filter(
            pk=batch.pk, status__in=[BatchStatus.READY, BatchStatus.PREVIEWING]
        ).update(status=BatchStatus.CANCELLED, finished_at=timezone.now())
        if not updated:
            raise ValidationError("Only an import that has not started can be cancelled.")
        _audit(batch, AuditKind.IMPORT_CANCEL, f"Import of {batch.filename} cancelled", user)
    batch.refresh_from_db()
    batch.file.delete(save=True)
    return batch


def import_batch_undo(*, batch: ImportBatch, user) -> int:
    """Remove a finished batch's records (nothing else). Refused once any has been screened."""
    with transaction.atomic():
        # The review's deduplication row first (as every cluster change takes it), so no
        # merge can move a screened paper onto this batch between the guards and the delete.
        dedup_lock(review_id=batch.review_id)
        # Locked while the guards look, so no decision can slip in between check and delete
        # (screening locks the same row when it records a decision on a batch's record).
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.DONE:
            raise ValidationError("Only a finished import can be undone.")
        for guard in _undo_guards:
            reason = guard(locked)
            if reason:
                raise ValidationError(f"This import can no longer be undone: {reason}.")
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.UNDONE, undone_at=Now(), undone_by=user
        )
        dedup_forget_batch(batch_id=batch.pk)
        removed, _ = Record.objects.filter(batch_id=batch.pk).delete()
        _audit(locked, AuditKind.IMPORT_UNDO,
               f"Import of {locked.filename} undone: {removed} records removed", user,
               records_removed=removed)  # fmt: skip
        dedup_request(review_id=locked.review_id)
        transaction.on_commit(partial(_drop_file, batch.pk), robust=True)
    batch.refresh_from_db()
    return removed
