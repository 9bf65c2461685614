"""Import batches: upload, background run, confirm/cancel when held, undo.

All or nothing: records are written in chunks (no transaction spans file I/O), keyed by
(batch, ordinal) so a retried run upserts; until the batch is done its records are invisible
(`Record.objects.visible()`), and a failed run deletes whatever it wrote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import OperationalError, connection, transaction
from django.db.models import F, JSONField, Q
from django.utils import timezone

from lib.imports import ImportFileError, ParsedRecord, open_export
from reviews.models import (
    ACTIVE_BATCH_STATUSES,
    BatchStatus,
    ImportBatch,
    Record,
    Review,
    Search,
    Source,
)

log = logging.getLogger(__name__)

CHUNK = 1000
MAX_LISTED_WARNINGS = 100
# A run writes a heartbeat with every chunk; one silent for this long is presumed dead
# (worker killed) and another run may take the batch over.
STALE_AFTER = dt.timedelta(seconds=60)

UndoGuard = Callable[[ImportBatch], str | None]
_undo_guards: list[UndoGuard] = []


def register_undo_guard(guard: UndoGuard) -> UndoGuard:
    """Later stages (screening) register a check that says why a batch can no longer be
    undone, e.g. "12 of its records have screening decisions". Returns the guard."""
    _undo_guards.append(guard)
    return guard


class BatchBusy(Exception):
    """Another live run holds this batch; try again later."""


class DuplicateFileWarning(Exception):
    def __init__(self, batch: ImportBatch, previous: ImportBatch):
        self.batch, self.previous = batch, previous
        super().__init__(duplicate_message(previous))


def duplicate_message(previous: ImportBatch) -> str:
    when = timezone.localtime(previous.created_at).strftime("%d %b %Y %H:%M")
    return (
        f"This file (same content) was already imported to this review on {when} "
        f"as batch #{previous.pk} ({previous.filename}, {previous.records_stored} records, "
        f"source {previous.source.name}). Importing it again would add every record twice."
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
    enqueue: bool = True,
) -> ImportBatch:
    """Store the uploaded file and queue its import (`enqueue=False`: the caller runs it,
    as the management command does). A file whose content was already imported to this
    review is held for the lead's confirmation instead (status held)."""
    if source.review_id != review.pk:
        raise ValidationError("That source belongs to another review.")
    if search is not None and search.source_id != source.pk:
        raise ValidationError("That search belongs to another source.")
    sha256, size = _hash_and_size(upload.chunks())
    if size == 0:
        raise ValidationError(f"{filename} is empty (0 bytes): there is nothing to import.")
    previous = (
        ImportBatch.objects.filter(review=review, sha256=sha256)
        .filter(status__in=[*ACTIVE_BATCH_STATUSES, BatchStatus.DONE])
        .select_related("source")
        .order_by("created_at")
        .first()
    )
    held = previous is not None and not allow_duplicate
    batch = ImportBatch(
        review=review,
        source=source,
        search=search,
        uploaded_by=user if user and user.is_authenticated else None,
        filename=Path(filename).name[:300],
        size=size,
        sha256=sha256,
        status=BatchStatus.HELD if held else BatchStatus.QUEUED,
        warnings=[duplicate_message(previous)] if previous else [],
    )
    upload.seek(0)
    # File I/O first, outside any transaction; the row follows, and the job after commit.
    batch.file.save(batch.filename, upload, save=False)
    try:
        with transaction.atomic():
            batch.save()
            if not held and enqueue:
                _enqueue_on_commit(batch)
    except Exception:
        batch.file.delete(save=False)
        raise
    return batch


def _enqueue_on_commit(batch: ImportBatch) -> None:
    from reviews.tasks import enqueue_import

    # robust: a broker that is down must not turn a stored upload into an error page;
    # the batch stays queued and the page says it is waiting for the worker.
    transaction.on_commit(partial(enqueue_import, batch.pk), robust=True)


def import_batches_requeue(*, batch_ids: list[int] | None = None) -> list[int]:
    """Queue again batches waiting for a worker: their message may never have reached one
    (broker down at upload time). Safe to repeat: a second message finds the batch claimed
    or done and does nothing. Returns the ids queued."""
    now = timezone.now()
    waiting = ImportBatch.objects.filter(
        Q(status=BatchStatus.QUEUED)
        | Q(status=BatchStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    )
    if batch_ids is not None:
        waiting = waiting.filter(pk__in=batch_ids)
    ids = list(waiting.values_list("pk", flat=True))
    from reviews.tasks import enqueue_import

    for batch_id in ids:
        transaction.on_commit(partial(enqueue_import, batch_id), robust=True)
    return ids


@transaction.atomic
def import_batch_confirm(*, batch: ImportBatch) -> ImportBatch:
    updated = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.HELD).update(
        status=BatchStatus.QUEUED
    )
    if not updated:
        raise ValidationError("This import is not waiting for confirmation.")
    batch.refresh_from_db()
    _enqueue_on_commit(batch)
    return batch


def import_batch_cancel(*, batch: ImportBatch) -> ImportBatch:
    with transaction.atomic():
        updated = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.HELD).update(
            status=BatchStatus.CANCELLED, finished_at=timezone.now()
        )
        if not updated:
            raise ValidationError("Only an import waiting for confirmation can be cancelled.")
    batch.refresh_from_db()
    batch.file.delete(save=True)
    return batch


def import_batch_undo(*, batch: ImportBatch, user) -> int:
    """Remove a finished batch's records (nothing else). Refused once any has been screened."""
    if batch.status != BatchStatus.DONE:
        raise ValidationError("Only a finished import can be undone.")
    for guard in _undo_guards:
        reason = guard(batch)
        if reason:
            raise ValidationError(f"This import can no longer be undone: {reason}.")
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.DONE).update(
            status=BatchStatus.UNDONE, undone_at=timezone.now(), undone_by=user
        )
        if not claimed:
            raise ValidationError("This import was undone already.")
        removed, _ = Record.objects.filter(batch_id=batch.pk).delete()
    batch.refresh_from_db()
    return removed


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


def _record_row(batch: ImportBatch, parsed: ParsedRecord) -> dict:
    return {
        "review_id": batch.review_id,
        "batch_id": batch.pk,
        "ordinal": parsed.ordinal,
        "source_line": parsed.line,
        "title": parsed.title,
        "abstract": parsed.abstract,
        "authors": parsed.authors,
        "authors_text": "; ".join(parsed.authors),
        "year": parsed.year,
        "journal": parsed.journal,
        "volume": parsed.volume[:100],
        "issue": parsed.issue[:100],
        "pages": parsed.pages[:100],
        "doi": parsed.doi[:300],
        "pmid": parsed.pmid[:20],
        "keywords": parsed.keywords,
        "url": parsed.url,
        "language": parsed.language[:100],
        "type": parsed.type[:100],
        "raw_text": parsed.raw_text,
        "warnings": parsed.warnings,
    }


ROWS_PER_INSERT = 400  # x 21 columns stays under SQLite's and PostgreSQL's parameter limits


@cache
def _record_columns() -> tuple[tuple[str, ...], frozenset[str]]:
    fields = [f for f in Record._meta.concrete_fields if not f.primary_key]
    names = tuple(f.attname for f in fields)
    return names, frozenset(f.attname for f in fields if isinstance(f, JSONField))


@cache
def _insert_statement(rows: int) -> str:
    """A multi-row INSERT of every Record column but the id, skipping rows already written
    (a retry). The ORM's bulk_create spends more time preparing values than the database
    spends storing them, and one statement per row makes the writer thread take the GIL
    back once per row; one statement per few hundred rows avoids both."""
    names, _ = _record_columns()
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(names))})"
    # Only quoted model names and placeholders go into the text: no value is interpolated.
    table, columns = quote(Record._meta.db_table), ", ".join(quote(n) for n in names)
    conflict = f"ON CONFLICT ({quote('batch_id')}, {quote('ordinal')}) DO NOTHING"
    values = ", ".join([row] * rows)
    return f"INSERT INTO {table} ({columns}) VALUES {values} {conflict}"  # noqa: S608


def _record_values(rows: list[dict]) -> list:
    """Flat parameter list for _insert_statement, JSON columns serialised."""
    names, json_names = _record_columns()
    dumps = json.dumps
    return [
        dumps(row[n], ensure_ascii=False) if n in json_names else row[n]
        for row in rows
        for n in names
    ]


def _insert_records(rows: list[dict]) -> None:
    width = len(_record_columns()[0])
    values = _record_values(rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_INSERT):
            count = min(ROWS_PER_INSERT, len(rows) - start)
            cursor.execute(
                _insert_statement(count), values[start * width : (start + count) * width]
            )


def _summarise(file_warnings: list[str], record_warnings: list[str], extra: int) -> list[str]:
    listed = record_warnings[:MAX_LISTED_WARNINGS]
    more = len(record_warnings) - len(listed) + extra
    tail = [f"... and {more} more record warnings"] if more > 0 else []
    return [*file_warnings, *listed, *tail]


def import_batch_run(*, batch_id: int) -> ImportBatch | None:
    """Read the batch's file and store its records. Safe to run twice: a finished batch is
    left alone, a half-done one whose run died is redone over its own rows (upsert), and
    a batch another live run holds raises BatchBusy."""
    now = timezone.now()
    claimable = Q(status=BatchStatus.QUEUED) | Q(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER),
        status=BatchStatus.RUNNING,
    )
    claimed = ImportBatch.objects.filter(claimable, pk=batch_id).update(
        status=BatchStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        if ImportBatch.objects.filter(pk=batch_id, status=BatchStatus.RUNNING).exists():
            raise BatchBusy(f"import batch {batch_id} is being imported by another run")
        return None
    batch = ImportBatch.objects.get(pk=batch_id)
    record_warnings: list[str] = []
    overflow = 0
    try:
        with (
            _local_path(batch) as path,
            open_export(path, filename=batch.filename) as reader,
            ChunkWriter(batch_id) as writer,
        ):
            ImportBatch.objects.filter(pk=batch_id).update(
                format=reader.format, encoding=reader.encoding
            )
            found, chunk = 0, []
            for parsed in reader:
                found += 1
                chunk.append(_record_row(batch, parsed))
                for warning in parsed.warnings:
                    if len(record_warnings) < MAX_LISTED_WARNINGS:
                        record_warnings.append(
                            f"Record {parsed.ordinal} (line {parsed.line}): {warning}"
                        )
                    else:
                        overflow += 1
                if len(chunk) >= CHUNK:
                    writer.put(chunk, reader.bytes_read, found)
                    chunk = []
            writer.put(chunk, reader.bytes_read, found)
            file_warnings = list(reader.warnings)
    except ImportFileError as error:
        import_batch_fail(batch_id=batch_id, message=error.message)
        return ImportBatch.objects.get(pk=batch_id)
    except OperationalError:
        raise  # database busy or gone: the task retries, the rows written so far are upserted
    except Exception:
        log.exception("import batch %s failed", batch_id)
        import_batch_fail(
            batch_id=batch_id,
            message="Sift hit an internal error while importing this file; nothing was kept. "
            "The administrators can see the details in the worker log.",
        )
        raise
    stored = Record.objects.filter(batch_id=batch_id).count()
    ImportBatch.objects.filter(pk=batch_id, status=BatchStatus.RUNNING).update(
        status=BatchStatus.DONE,
        records_found=found,
        records_stored=stored,
        bytes_done=batch.size,
        warnings=[*batch.warnings, *_summarise(file_warnings, record_warnings, overflow)],
        finished_at=timezone.now(),
    )
    return ImportBatch.objects.get(pk=batch_id)


class ChunkWriter:
    """Writes chunks on a second thread while the caller parses the next ones.

    The database driver releases the GIL while it executes, so parsing and writing overlap
    (the import benchmark's ratio to rispy depends on it). At most two chunks wait in the
    queue, so memory stays bounded. Inside an outer transaction (a test's), a second
    connection could not see the batch row, so chunks are written inline instead.
    """

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.inline = connection.in_atomic_block
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.thread = None if self.inline else threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ChunkWriter:
        if self.thread:
            self.thread.start()
        return self

    def put(self, rows: list[dict], bytes_read: int, found: int) -> None:
        if self.inline:
            _write_chunk(self.batch_id, rows, bytes_read, found)
            return
        self._raise_if_failed()
        self.queue.put((rows, bytes_read, found))

    def __exit__(self, *exc_info) -> None:
        if self.thread:
            self.queue.put(None)
            self.thread.join()
            if exc_info[0] is None:
                self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                _write_chunk(self.batch_id, *item)
        except BaseException as error:  # handed to the producer thread, which raises it
            self.error = error
            while self.queue.get() is not None:  # drain, so the producer never blocks
                pass
        finally:
            connection.close()


def _write_chunk(batch_id: int, rows: list[dict], bytes_read: int, found: int) -> None:
    with transaction.atomic():
        if rows:
            _insert_records(rows)
        ImportBatch.objects.filter(pk=batch_id).update(
            bytes_done=bytes_read, records_found=found, heartbeat_at=timezone.now()
        )


def import_batch_fail(*, batch_id: int, message: str) -> None:
    """Mark the batch failed with `message` and remove every record it wrote."""
    with transaction.atomic():
        Record.objects.filter(batch_id=batch_id).delete()
        ImportBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED,
            errors=[message],
            records_stored=0,
            finished_at=timezone.now(),
        )
