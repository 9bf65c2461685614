"""Rows in the state the import and deduplication pipeline leaves them, written directly.

Most tests need records that were imported and compared by deduplication, but are not about
importing or deduplicating. The pipeline (a reader thread, a writer thread, a heartbeat,
the matcher, then every cluster listener of screening) costs a few hundred milliseconds a
test; `imported` writes the same rows in a few: the batch is stored by the real
`import_batch_start`, its records are parsed by the real reader and built by the import's
own row builder, and the matcher itself confirms that they are all distinct papers before
the run's result is written as `dedup_run` writes it.

Whenever that shortcut would not leave exactly the pipeline's world (the review has screening
work or duplicates already, or the matcher finds a duplicate or a pair to check) the real
pipeline runs instead. `tests/reviews/test_factories.py` compares the two worlds field by
field, so the shortcut cannot drift from the pipeline unnoticed. Tests of the import and of
deduplication keep using the pipeline itself (`tests/reviews/test_dedup_service.py`:
`import_text`, `run`).
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now

from lib.dedup import deduplicate
from lib.imports import open_export
from reviews import services
from reviews.models import (
    AuditKind,
    BatchStatus,
    DedupAction,
    DedupEvent,
    DedupPair,
    DedupRun,
    DedupStatus,
    ImportBatch,
    Record,
)
from reviews.services import dedup as dedup_services
from reviews.services.imports import common as import_common
from reviews.services.imports import rows as import_rows
from reviews.services.imports.numbers import record_numbers_assign
from tests.conftest import ris_upload


def _pipeline(review, source, user, text: str, name: str) -> ImportBatch:
    from tests.reviews.test_dedup_service import import_text, run

    batch = import_text(review, source, user, text, name)
    run(review)
    return ImportBatch.objects.get(pk=batch.pk)


def _untouched(review) -> bool:
    """No screening work and no duplicates yet: screening's cluster listeners have nothing
    to move, so skipping them changes nothing."""
    from screening.models import Decision, Report, Resolution

    return not (
        Decision.objects.filter(review=review).exists()
        or Report.objects.filter(review=review).exists()
        or Resolution.objects.filter(review=review).exists()
        or DedupPair.objects.filter(review=review).exists()
        or Record.objects.filter(review=review, duplicate_of__isnull=False).exists()
        or Record.objects.filter(review=review, dedup_checked=False).exists()
    )


def imported(review, source, user, text: str, name: str = "results.ris") -> ImportBatch:
    """The batch of `text` (an export file's content), imported and deduplicated: what
    `import_text` then `run` leave, without their threads and listeners when that is safe."""
    if not _untouched(review):
        return _pipeline(review, source, user, text, name)
    with transaction.atomic():
        batch = services.import_batch_start(
            review=review, source=source, upload=ris_upload(text, name), filename=name,
            user=user, preview=False, enqueue=False, allow_duplicate=True,
        )  # fmt: skip
        with open_export(batch.file.path, filename=batch.filename) as reader:
            parsed = list(reader)
            fmt, encoding, warnings = reader.format, reader.encoding, list(reader.warnings)
        records_warn = [
            f"Record {p.ordinal} (line {p.line}): {w}" for p in parsed for w in p.warnings
        ]
        if records_warn or warnings:  # the run's summary of warnings: left to the pipeline
            transaction.set_rollback(True)
    if records_warn or warnings:
        batch.file.delete(save=False)
        return _pipeline(review, source, user, text, name)
    with transaction.atomic():
        import_rows._insert_records([import_rows._record_row(batch, p) for p in parsed])
        record_numbers_assign(review_id=review.pk, batch_id=batch.pk)  # as the import's end
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE, format=fmt, encoding=encoding, attempts=1,
            started_at=Now(), heartbeat_at=Now(), finished_at=Now(), records_found=len(parsed),
            records_stored=len(parsed), bytes_done=batch.size,
        )  # fmt: skip
        batch.refresh_from_db()
        import_common._audit(
            batch, AuditKind.IMPORT,
            f"Imported {len(parsed)} records from {batch.filename} ({batch.source.name})",
            batch.uploaded_by, records_found=len(parsed), records_stored=len(parsed),
            format=fmt,
        )  # fmt: skip
        services.dedup_request(review_id=review.pk)  # as import_batch_run asks, on commit
        if not _deduplicated_as_distinct(review):
            transaction.set_rollback(True)
            fast = False
        else:
            fast = True
    if not fast:
        batch.file.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).delete()
        return _pipeline(review, source, user, text, name)
    return batch


def _deduplicated_as_distinct(review) -> bool:
    """Write the run's result when the matcher finds every record distinct (no cluster, no
    pair to check); False, writing nothing, otherwise."""
    services.dedup_request(review_id=review.pk, enqueue=False)
    started = time.monotonic()
    records, state = dedup_services._load(review.pk)
    last = [(0, 0)]

    def progress(phase: str, done: int, total: int) -> None:
        last[0] = (done, total)

    result = deduplicate(records, progress=progress)
    if result.clusters or result.queue:
        return False
    done, total = last[0]
    # As dedup_run's _write: the records whose state changes (here: the new ones, now
    # compared) are written, and a run that changed something leaves an event.
    changed = [rid for rid, s in state.items() if not s[3] or s[:3] != (None, "", None)]
    Record.objects.filter(pk__in=changed).update(
        duplicate_of=None, dedup_rule="", dedup_score=None, dedup_checked=True
    )
    # What dedup_run's claim and finish write (token, heartbeat, progress, finished).
    seconds = round(time.monotonic() - started, 2)
    DedupRun.objects.filter(review=review).update(
        status=DedupStatus.IDLE, token=F("token") + 1, done_version=F("version"), phase="",
        done=done, total=total, heartbeat_at=Now(), queue_failed_at=None, error="",
        finished_at=Now(), seconds=seconds,
    )  # fmt: skip
    if changed:
        DedupEvent.objects.create(
            review=review,
            action=DedupAction.RUN,
            detail={
                "records": len(state), "clusters": 0, "duplicates": 0, "changed": len(changed),
                "new_duplicates": 0, "queued_pairs": 0, "compared_pairs": result.compared,
                "seconds": seconds,
            },
        )  # fmt: skip
    # The one cluster listener with work on a fresh review: ranking term counts, on commit.
    from screening.services.ranking_terms import ranking_prepare_request

    ranking_prepare_request(review.pk)
    return True
