"""What the import modules share: limits, the batch's run errors, its audit events."""

from __future__ import annotations

import logging

from reviews.models import ImportBatch
from reviews.services.audit import audit_log

log = logging.getLogger("reviews.services.imports")

CHUNK = 1000
MAX_LISTED_WARNINGS = 100
MAX_ATTEMPTS = 3  # tries of one job (preview or import) before the batch fails

SAMPLE_SIZE = 10  # records shown in the preview table
MAX_PROBLEM_RECORDS = 200  # records with problems listed in the preview (all are counted)
PROBLEM_LABELS = {
    "no-title": "no title",
    "no-abstract": "no abstract",
    "bad-year": "a year that could not be read",
    "suspicious-encoding": "characters that look wrongly decoded",
}


class BatchBusy(Exception):
    """Another live run holds this batch; try again later."""


class RunSuperseded(Exception):
    """Another run took this batch over (this one was presumed dead): stop writing."""


def _owned(batch_id: int, attempt: int, status: str):
    return ImportBatch.objects.filter(pk=batch_id, status=status, attempts=attempt)


def _audit(batch: ImportBatch, kind: str, summary: str, actor, **facts) -> None:
    """The batch's audit event, in the caller's transaction. The batch's id in `detail`
    ties a record's history to the import that brought it in."""
    audit_log(
        review=batch.review_id, kind=kind, summary=summary, actor=actor,
        detail={"batch_id": batch.pk, "filename": batch.filename, **facts},
    )  # fmt: skip
