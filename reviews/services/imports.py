"""Import batches: upload, background preview, confirm (or remap, or cancel), import, undo.

Nothing is stored as records until the lead confirms the preview (the web flow); scripted
imports (the management command, the demo) skip the preview.

All or nothing: records are written in chunks (no transaction spans file I/O); until the
batch is done its records are invisible (`Record.objects.visible()`), a failed run deletes
whatever it wrote, and a run taking over from a dead one deletes its rows and starts again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import queue
import random
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
from django.db.models import F, Max, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import ngettext

from lib.imports import TARGET_FIELDS, ImportFileError, ParsedRecord, open_export
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
from reviews.services.audit import audit_log
from reviews.services.dedup import dedup_forget_batch, dedup_lock, dedup_request
from reviews.services.queueing import queue_mark_sent

log = logging.getLogger(__name__)

CHUNK = 1000
MAX_LISTED_WARNINGS = 100
# A run writes a heartbeat with every chunk; one silent for this long is presumed dead
# (worker killed) and another run may take the batch over.
STALE_AFTER = dt.timedelta(seconds=60)
# A run also beats on its own clock, from a second thread, while a library call holds it
# (openpyxl reading a workbook's shared strings, a format's first scan): issue #16's
# workbook took 364 s without a record, was presumed dead at 60 s and read twice at once.
HEARTBEAT_EVERY = dt.timedelta(seconds=15)
MAX_ATTEMPTS = 3  # tries of one job (preview or import) before the batch fails

SAMPLE_SIZE = 10  # records shown in the preview table
MAX_PROBLEM_RECORDS = 200  # records with problems listed in the preview (all are counted)
PROBLEM_LABELS = {
    "no-title": "no title",
    "no-abstract": "no abstract",
    "bad-year": "a year that could not be read",
    "suspicious-encoding": "characters that look wrongly decoded",
}

UndoGuard = Callable[[ImportBatch], str | None]
_undo_guards: list[UndoGuard] = []


def register_undo_guard(guard: UndoGuard) -> UndoGuard:
    """Later stages (screening) register a check that says why a batch can no longer be
    undone, e.g. "12 of its records have screening decisions". Returns the guard."""
    _undo_guards.append(guard)
    return guard


class BatchBusy(Exception):
    """Another live run holds this batch; try again later."""


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
    return twins.exclude(pk=exclude).select_related("source").order_by("created_at").first()


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


def _enqueue_on_commit(batch: ImportBatch) -> None:
    from reviews.tasks import enqueue_import, enqueue_preview

    job = enqueue_preview if batch.status == BatchStatus.PREVIEWING else enqueue_import
    # robust: a broker that is down must not turn a stored upload into an error page;
    # the batch waits and its page says the queue could not be reached.
    transaction.on_commit(partial(job, batch.pk), robust=True)


def import_batch_mark_sent(*, batch_id: int, sent: bool) -> None:
    """Record whether the batch's job reached the broker, after the attempt to send it
    (on commit, outside any transaction). A waiting batch whose job was not sent says so on
    its page at once; a message sent later or a worker claiming the batch clears it."""
    waiting = Q(status__in=[BatchStatus.QUEUED, BatchStatus.PREVIEWING], heartbeat_at__isnull=True)
    queue_mark_sent(ImportBatch.objects.filter(pk=batch_id), sent=sent, waiting=waiting)


def import_batches_requeue(
    *, batch_ids: list[int] | None = None, worker_start: bool = False
) -> list[int]:
    """Queue again batches waiting for a worker: their message may never have reached one
    (broker down at upload time). Safe to repeat: a second message finds the batch claimed
    or done and does nothing. Returns the ids queued.

    `worker_start`: also runs that still look alive. A worker killed and restarted within
    STALE_AFTER leaves a fresh heartbeat, and Redis gives its unacknowledged message back
    only after the visibility timeout (an hour); the new message meets BatchBusy and retries
    until the heartbeat is stale, then takes the batch over (or finds a live run finished)."""
    now = timezone.now()
    stale = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER)
    if worker_start:
        stale = Q()
    waiting = ImportBatch.objects.filter(
        Q(status=BatchStatus.QUEUED)
        | Q(stale, status=BatchStatus.RUNNING)
        | Q(stale, status=BatchStatus.PREVIEWING)
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
    *, batch: ImportBatch, exclude_problems: list[str] = (), allow_duplicate: bool = False
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


# Record's columns in the order _record_row fills them (tests check this is every column).
RECORD_COLUMNS = (
    "review_id", "batch_id", "ordinal", "source_line", "title", "abstract", "authors",
    "authors_text", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "keywords",
    "url", "language", "type", "raw_text", "warnings", "shuffle_a", "shuffle_b",
)  # fmt: skip
# Left to the database's defaults: deduplication fills them in after the import.
DEFAULTED_COLUMNS = (
    "number",  # record_numbers_assign(), when the import finishes
    "duplicate_of_id", "dedup_rule", "dedup_score", "dedup_checked", "primary_pinned",
)  # fmt: skip
_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(**kw) builds one per call


def _record_row(batch: ImportBatch, parsed: ParsedRecord) -> tuple:
    """One Record row in RECORD_COLUMNS order, JSON already serialised: built by the parsing
    thread, so that the writer thread only executes SQL (in the driver, GIL released)."""
    authors = parsed.authors
    return (
        batch.review_id,
        batch.pk,
        parsed.ordinal,
        parsed.line,
        parsed.title,
        parsed.abstract,
        _to_json(authors) if authors else "[]",
        "; ".join(authors),
        parsed.year,
        parsed.journal,
        parsed.volume[:100],
        parsed.issue[:100],
        parsed.pages[:100],
        parsed.doi[:300],
        parsed.pmid[:20],
        _to_json(parsed.keywords) if parsed.keywords else "[]",
        parsed.url,
        parsed.language[:100],
        parsed.type[:100],
        parsed.raw_text,
        _to_json(parsed.warnings) if parsed.warnings else "[]",
        _random_key(31),
        _random_key(31),
    )


_random_key = random.getrandbits  # screening order keys: uniform, not secret
ROWS_PER_INSERT = 400  # x 23 columns stays under SQLite's parameter limit


@cache
def _insert_statement(rows: int) -> str:
    """A multi-row INSERT of every Record column but the id. The ORM's bulk_create spends
    more time preparing values than the database spends storing them, and one statement
    per row makes the writer thread take the GIL back once per row."""
    names = RECORD_COLUMNS
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(names))})"
    # Only quoted model names and placeholders go into the text: no value is interpolated.
    table, columns = quote(Record._meta.db_table), ", ".join(quote(n) for n in names)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * rows)}"  # noqa: S608


def _insert_records(rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times faster than INSERT for 100,000 rows of abstracts.
            quote = connection.ops.quote_name
            table, columns = quote(Record._meta.db_table), ", ".join(map(quote, RECORD_COLUMNS))
            # psycopg's own errors, converted as Django converts them for execute().
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            cursor.execute(_insert_statement(len(chunk)), [v for row in chunk for v in row])


def _summarise(file_warnings: list[str], record_warnings: list[str], extra: int) -> list[str]:
    listed = record_warnings[:MAX_LISTED_WARNINGS]
    more = len(record_warnings) - len(listed) + extra
    tail = [f"... and {more} more record warnings"] if more > 0 else []
    return [*file_warnings, *listed, *tail]


class RunSuperseded(Exception):
    """Another run took this batch over (this one was presumed dead): stop writing."""


def _claim(batch_id: int, *, waiting: str, working: str) -> int | None:
    """Compare-and-set: move the batch from `waiting` (or a `working` run whose heartbeat is
    stale) to `working`, and return this run's attempt number, which every later write of
    the run filters on, so a run presumed dead can never overwrite its successor's work.
    Heartbeats use the database's clock, so workers on other hosts agree on staleness.
    Returns None if the batch is in neither state; raises BatchBusy if a live run holds it."""
    stale = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=Now() - STALE_AFTER)
    claimed = ImportBatch.objects.filter(
        Q(status=waiting, heartbeat_at__isnull=True) | Q(stale, status=working), pk=batch_id
    ).update(
        status=working,
        started_at=Now(),
        heartbeat_at=Now(),
        attempts=F("attempts") + 1,
        queue_failed_at=None,
    )
    if not claimed:
        if ImportBatch.objects.filter(pk=batch_id, status=working).exists():
            raise BatchBusy(f"batch {batch_id} is being read by another run")
        return None
    return ImportBatch.objects.values_list("attempts", flat=True).get(pk=batch_id)


def _owned(batch_id: int, attempt: int, status: str):
    return ImportBatch.objects.filter(pk=batch_id, status=status, attempts=attempt)


def import_batch_run(*, batch_id: int, request_dedup: bool = True) -> ImportBatch | None:
    """Read the batch's file and store its records. Safe to run twice: a finished batch is
    left alone, a half-done one whose run died is redone from the start, and a batch another
    live run holds raises BatchBusy."""
    attempt = _claim(batch_id, waiting=BatchStatus.QUEUED, working=BatchStatus.RUNNING)
    if attempt is None:
        return None
    if attempt > MAX_ATTEMPTS:
        return _give_up(batch_id, attempt, "import")
    batch = ImportBatch.objects.select_related("source", "uploaded_by").get(pk=batch_id)
    # A run that takes over from a dead one starts again from the top of the file.
    Record.objects.filter(batch_id=batch_id).delete()
    record_warnings: list[str] = []
    overflow = 0
    try:
        with (
            Heartbeat(batch_id, attempt, BatchStatus.RUNNING) as heartbeat,
            _local_path(batch) as path,
            open_export(
                path, filename=batch.filename, column_mapping=batch.column_mapping or None
            ) as reader,
            ChunkWriter(batch_id, attempt) as writer,
        ):
            heartbeat.check()
            _owned(batch_id, attempt, BatchStatus.RUNNING).update(
                format=reader.format, encoding=reader.encoding
            )
            found, chunk = 0, []
            excluded = set(batch.exclude_problems)
            left_out = 0
            for parsed in reader:
                found += 1
                if excluded.intersection(parsed.problems):
                    left_out += 1
                    continue
                chunk.append(_record_row(batch, parsed))
                for warning in parsed.warnings:
                    if len(record_warnings) < MAX_LISTED_WARNINGS:
                        record_warnings.append(
                            f"Record {parsed.ordinal} (line {parsed.line}): {warning}"
                        )
                    else:
                        overflow += 1
                if len(chunk) >= CHUNK:
                    heartbeat.check()
                    writer.put(chunk, reader.bytes_read, found)
                    chunk = []
            writer.put(chunk, reader.bytes_read, found)
            file_warnings = list(reader.warnings)
            if left_out:
                labels = ", ".join(PROBLEM_LABELS[code] for code in sorted(excluded))
                file_warnings.insert(
                    0,
                    f"{left_out} {ngettext('record', 'records', left_out)} left out at your request ({labels}).",
                )
    except RunSuperseded:
        log.warning("import batch %s: attempt %s was taken over; stopped", batch_id, attempt)
        return None
    except ImportFileError as error:
        import_batch_fail(batch_id=batch_id, message=error.message, attempt=attempt)
        return ImportBatch.objects.get(pk=batch_id)
    except OperationalError:
        raise  # database busy or gone: the task retries, and the retry starts again
    except BaseException:
        log.exception("import batch %s failed", batch_id)
        import_batch_fail(batch_id=batch_id, message=INTERNAL_ERROR, attempt=attempt)
        raise
    stored = Record.objects.filter(batch_id=batch_id).count()
    with transaction.atomic():
        if _owned(batch_id, attempt, BatchStatus.RUNNING).update(
            status=BatchStatus.DONE,
            records_found=found,
            records_stored=stored,
            bytes_done=batch.size,
            warnings=[*batch.warnings, *_summarise(file_warnings, record_warnings, overflow)],
            finished_at=Now(),
        ):
            # Numbered in the transaction that shows them, under the review's row lock.
            record_numbers_assign(review_id=batch.review_id, batch_id=batch_id)
            _audit(batch, AuditKind.IMPORT,
                   f"Imported {stored} records from {batch.filename} ({batch.source.name})",
                   batch.uploaded_by, records_found=found, records_stored=stored,
                   format=reader.format)  # fmt: skip
    # The new records are compared with themselves and with everything already imported;
    # screening offers them only once that is done. (A caller importing several files in a
    # row, as the demo does, asks once at the end instead.)
    if request_dedup:
        dedup_request(review_id=batch.review_id)
    return ImportBatch.objects.get(pk=batch_id)


def record_numbers_assign(*, review_id: int, batch_id: int) -> None:
    """Give the batch's records the review's next numbers (1, 2, 3 ... in import order: the
    review's highest number, then file order), inside the caller's transaction. The review's
    row lock serialises imports of one review finishing at once; the unique constraint
    (review, number) is the safety net."""
    Review.objects.select_for_update().filter(pk=review_id).exists()
    top = Record.objects.filter(review_id=review_id).aggregate(top=Max("number"))["top"] or 0
    quote = connection.ops.quote_name
    table = quote(Record._meta.db_table)
    # One statement for 100,000 rows; only quoted names are interpolated.
    sql = (
        f"UPDATE {table} SET {quote('number')} = %s + ranked.n FROM ("  # noqa: S608
        f"SELECT {quote('id')} AS rid, ROW_NUMBER() OVER (ORDER BY {quote('ordinal')}) AS n "
        f"FROM {table} WHERE {quote('batch_id')} = %s) AS ranked "
        f"WHERE {table}.{quote('id')} = ranked.rid"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [top, batch_id])


def record_numbers_fill(*, review_id: int) -> int:
    """Number the review's records that have none (an archive made before records had
    numbers), after its highest number, by primary key as the migration did. Returns how
    many were numbered."""
    Review.objects.select_for_update().filter(pk=review_id).exists()
    top = Record.objects.filter(review_id=review_id).aggregate(top=Max("number"))["top"] or 0
    ids = Record.objects.filter(review_id=review_id, number__isnull=True).order_by("pk")
    rows = [
        Record(pk=pk, number=top + n) for n, pk in enumerate(ids.values_list("pk", flat=True), 1)
    ]
    Record.objects.bulk_update(rows, ["number"], batch_size=CHUNK)
    return len(rows)


INTERNAL_ERROR = (
    "Sift hit an internal error while reading this file; nothing was kept. "
    "The administrators can see the details in the worker log."
)


def _give_up(batch_id: int, attempt: int, job: str) -> ImportBatch:
    """A file that keeps killing its worker (out of memory, a crash) is not retried forever."""
    import_batch_fail(
        batch_id=batch_id,
        message=f"The {job} stopped after {MAX_ATTEMPTS} attempts that did not finish (the "
        "worker was stopped or ran out of memory each time); nothing was kept.",
        attempt=attempt,
    )
    return ImportBatch.objects.get(pk=batch_id)


def import_batch_preview_run(*, batch_id: int) -> ImportBatch | None:
    """Read the whole file once without storing records: what the lead confirms.

    Safe to run twice: does nothing unless the batch waits for its preview, and only the
    latest run may write its result (a remap starts a new one). A spreadsheet whose title
    column is not recognised is not a failure: the preview asks the lead to map it."""
    attempt = _claim(batch_id, waiting=BatchStatus.PREVIEWING, working=BatchStatus.PREVIEWING)
    if attempt is None:
        return None
    if attempt > MAX_ATTEMPTS:
        return _give_up(batch_id, attempt, "preview")
    batch = ImportBatch.objects.get(pk=batch_id)
    builder = _PreviewBuilder(batch.column_mapping)
    try:
        with (
            Heartbeat(batch_id, attempt, BatchStatus.PREVIEWING) as heartbeat,
            _local_path(batch) as path,
            open_export(
                path, filename=batch.filename, column_mapping=batch.column_mapping or None
            ) as reader,
        ):
            for parsed in reader:
                builder.add(parsed)
                if builder.count % CHUNK == 0:
                    if heartbeat.superseded:
                        return None  # remapped, cancelled or taken over meanwhile
                    updated = _owned(batch_id, attempt, BatchStatus.PREVIEWING).update(
                        bytes_done=reader.bytes_read,
                        records_found=builder.count,
                        heartbeat_at=Now(),
                    )
                    if not updated:
                        return None  # remapped or cancelled meanwhile: this result is stale
            preview = builder.result(reader)
            if heartbeat.superseded:
                return None
    except ImportFileError as error:
        if not getattr(error, "columns", None):
            import_batch_fail(batch_id=batch_id, message=error.message, attempt=attempt)
            return ImportBatch.objects.get(pk=batch_id)
        preview = builder.needs_mapping(error)
    except OperationalError:
        raise
    except BaseException:
        log.exception("preview of import batch %s failed", batch_id)
        import_batch_fail(batch_id=batch_id, message=INTERNAL_ERROR, attempt=attempt)
        raise
    _owned(batch_id, attempt, BatchStatus.PREVIEWING).update(
        status=BatchStatus.READY,
        preview=preview,
        format=preview.get("format", ""),
        encoding=preview.get("encoding", ""),
        records_found=preview.get("records", 0),
        bytes_done=batch.size,
        heartbeat_at=None,
    )
    return ImportBatch.objects.get(pk=batch_id)


class _PreviewBuilder:
    """Accumulates what the preview page shows, in bounded memory."""

    def __init__(self, mapping: dict[str, str]):
        self.mapping = mapping
        self.count = 0
        self.sample: list[dict] = []
        self.problems: dict[str, int] = {}
        self.problem_records: list[dict] = []

    def add(self, parsed: ParsedRecord) -> None:
        self.count += 1
        if len(self.sample) < SAMPLE_SIZE:
            self.sample.append(
                {
                    "ordinal": parsed.ordinal,
                    "title": parsed.title,
                    "authors": parsed.authors[:3] + (["et al."] if len(parsed.authors) > 3 else []),
                    "year": parsed.year,
                    "journal": parsed.journal,
                    "doi": parsed.doi,
                    "abstract": parsed.abstract[:300],
                }
            )
        for code in parsed.problems:
            self.problems[code] = self.problems.get(code, 0) + 1
        if parsed.problems and len(self.problem_records) < MAX_PROBLEM_RECORDS:
            self.problem_records.append(
                {
                    "ordinal": parsed.ordinal,
                    "line": parsed.line,
                    "title": parsed.title[:200],
                    "problems": [PROBLEM_LABELS.get(c, c) for c in parsed.problems],
                }
            )

    def result(self, reader) -> dict:
        return {
            "format": reader.format,
            "encoding": reader.encoding,
            "records": self.count,
            "columns": reader.columns,
            "mapping": self.mapping,
            "unmapped_fields": reader.unmapped_fields,
            "sample": self.sample,
            "problems": self.problems,
            "problem_records": self.problem_records,
            "file_warnings": list(reader.warnings),
            "needs_mapping": False,
        }

    def needs_mapping(self, error: ImportFileError) -> dict:
        return {
            "records": 0,
            "columns": error.columns,
            "mapping": self.mapping,
            "needs_mapping": True,
            "error": error.message,
        }


class Heartbeat:
    """Keeps a live run's heartbeat fresh from a second thread, every HEARTBEAT_EVERY,
    however long the reading thread is held inside one call, so that no one presumes it
    dead and takes the batch over beside it. If the run was taken over (or cancelled) the
    beat finds no row to update and stops; `check()` then raises RunSuperseded in the
    reading thread at its next chunk. Inside an outer transaction (a test's) a second
    connection could not see the batch row: no thread, as ChunkWriter."""

    def __init__(self, batch_id: int, attempt: int, status: str):
        self.batch_id, self.attempt, self.status = batch_id, attempt, status
        self.superseded = False
        self.beats = 0
        self._stop = threading.Event()
        inline = connection.in_atomic_block
        self.thread = None if inline else threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Heartbeat:
        if self.thread:
            self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self.thread:
            self.thread.join()

    def check(self) -> None:
        if self.superseded:
            raise RunSuperseded(self.batch_id)

    def _run(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_EVERY.total_seconds()):
                try:
                    beat = _owned(self.batch_id, self.attempt, self.status).update(
                        heartbeat_at=Now()
                    )
                except OperationalError:
                    log.warning("import batch %s: heartbeat not written", self.batch_id)
                    continue  # the database is busy or gone: the next beat tries again
                if not beat:
                    self.superseded = True
                    return
                self.beats += 1
        finally:
            connection.close()


class ChunkWriter:
    """Writes chunks on a second thread while the caller parses the next ones.

    The database driver releases the GIL while it executes, so parsing and writing overlap
    (the import benchmark's ratio to rispy depends on it). At most two chunks wait in the
    queue, so memory stays bounded. Inside an outer transaction (a test's), a second
    connection could not see the batch row, so chunks are written inline instead.
    """

    def __init__(self, batch_id: int, attempt: int):
        self.batch_id, self.attempt = batch_id, attempt
        self.inline = connection.in_atomic_block
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.thread = None if self.inline else threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ChunkWriter:
        if self.thread:
            self.thread.start()
        return self

    def put(self, rows: list[tuple], bytes_read: int, found: int) -> None:
        if self.inline:
            _write_chunk(self.batch_id, self.attempt, rows, bytes_read, found)
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
                _write_chunk(self.batch_id, self.attempt, *item)
        except BaseException as error:  # handed to the producer thread, which raises it
            self.error = error
            while self.queue.get() is not None:  # drain, so the producer never blocks
                pass
        finally:
            connection.close()


def _write_chunk(
    batch_id: int, attempt: int, rows: list[tuple], bytes_read: int, found: int
) -> None:
    with transaction.atomic():
        # The heartbeat first: if another run took the batch over, write nothing.
        if not _owned(batch_id, attempt, BatchStatus.RUNNING).update(
            bytes_done=bytes_read, records_found=found, heartbeat_at=Now()
        ):
            raise RunSuperseded(batch_id)
        if rows:
            _insert_records(rows)
    # With DEBUG on (make run), Django keeps the text of every query: a 400-row INSERT is
    # about a megabyte, so a large import would hold gigabytes of SQL text in the worker.
    connection.queries_log.clear()


def import_batch_fail(*, batch_id: int, message: str, attempt: int | None = None) -> None:
    """Mark the batch failed with `message` and remove every record it wrote. With
    `attempt`, only if that run still owns the batch (a successor's rows are not touched)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if attempt is not None and batch.attempts != attempt:
            return
        Record.objects.filter(batch_id=batch_id).delete()
        ImportBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED,
            errors=[message],
            records_stored=0,
            heartbeat_at=None,
            finished_at=Now(),
        )
        during = "preview" if batch.status == BatchStatus.PREVIEWING else "import"
        _audit(batch, AuditKind.IMPORT_FAIL, f"Import of {batch.filename} failed: {message}",
               batch.uploaded_by, during=during, message=message)  # fmt: skip
        transaction.on_commit(partial(_drop_file, batch_id), robust=True)


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
    if ImportBatch.objects.filter(pk=batch_id, file=name).update(file=""):
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


def _audit(batch: ImportBatch, kind: str, summary: str, actor, **facts) -> None:
    """The batch's audit event, in the caller's transaction. The batch's id in `detail`
    ties a record's history to the import that brought it in."""
    audit_log(
        review=batch.review_id, kind=kind, summary=summary, actor=actor,
        detail={"batch_id": batch.pk, "filename": batch.filename, **facts},
    )  # fmt: skip
