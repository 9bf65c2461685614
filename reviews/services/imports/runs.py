"""The background runs of an import batch: the preview (read the whole file, store nothing)
and the import (store the records), each claimed through the job protocol (config.jobs),
and their failure."""

from __future__ import annotations

from functools import partial

from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import ngettext

from config import jobs
from lib.imports import ImportFileError, ParsedRecord, open_export
from reviews.models import AuditKind, BatchStatus, ImportBatch, Record
from reviews.services.dedup import dedup_request
from reviews.services.imports.common import (
    CHUNK,
    MAX_ATTEMPTS,
    MAX_LISTED_WARNINGS,
    MAX_PROBLEM_RECORDS,
    PROBLEM_LABELS,
    SAMPLE_SIZE,
    BatchBusy,
    RunSuperseded,
    _audit,
    _owned,
    log,
)
from reviews.services.imports.files import _drop_file, _local_path
from reviews.services.imports.numbers import record_numbers_assign
from reviews.services.imports.rows import ChunkWriter, _record_row


def _summarise(file_warnings: list[str], record_warnings: list[str], extra: int) -> list[str]:
    listed = record_warnings[:MAX_LISTED_WARNINGS]
    more = len(record_warnings) - len(listed) + extra
    tail = [f"... and {more} more record warnings"] if more > 0 else []
    return [*file_warnings, *listed, *tail]


def _claim(batch_id: int, *, waiting: str, working: str) -> int | None:
    """Compare-and-set: move the batch from `waiting` (or a `working` run whose heartbeat is
    stale) to `working`, and return this run's attempt number, which every later write of
    the run filters on, so a run presumed dead can never overwrite its successor's work.
    Returns None if the batch is in neither state; raises BatchBusy if a live run holds it."""
    kind = "preview" if working == BatchStatus.PREVIEWING else "import"
    claimed = jobs.claim(
        ImportBatch.objects.filter(pk=batch_id),
        kind=kind,
        waiting=Q(status=waiting, heartbeat_at__isnull=True),
        working=working,
        busy=BatchBusy(f"batch {batch_id} is being read by another run"),
        started_at=Now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return ImportBatch.objects.values_list("attempts", flat=True).get(pk=batch_id)


def _heartbeat(batch_id: int, attempt: int, status: str) -> jobs.Heartbeat:
    """This run's heartbeat from a second thread (a library call may hold the reading one)."""
    return jobs.Heartbeat(
        _owned(batch_id, attempt, status),
        error=RunSuperseded(batch_id),
        label=f"import batch {batch_id}",
    )


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
            _heartbeat(batch_id, attempt, BatchStatus.RUNNING) as heartbeat,
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
            _heartbeat(batch_id, attempt, BatchStatus.PREVIEWING) as heartbeat,
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
                    alive = jobs.beat(
                        _owned(batch_id, attempt, BatchStatus.PREVIEWING),
                        bytes_done=reader.bytes_read,
                        records_found=builder.count,
                    )
                    if not alive:
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
