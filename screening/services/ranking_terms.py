"""The records' term counts for ranking, kept on disk per import batch.

A record's words and word pairs depend on its text alone, and records never change their
text, so each batch's counts are computed once (in the background when deduplication has
taken the batch in, or by the first training that needs them) and kept in one file in
`settings.RANKING_CACHE_DIR`. A training run reads the files of the batches its records
come from and only weights the counts (`lib.ranking.tfidf`). The files are a cache: delete
them and they are computed again; nothing else reads them.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from django.conf import settings

from config import jobs
from lib import ranking
from reviews.models import BatchStatus, ImportBatch, Record
from reviews.services import register_cluster_listener

log = logging.getLogger(__name__)


def _path(batch: ImportBatch) -> Path:
    # The creation time tells apart two batches that had the same id (SQLite reuses the
    # highest id after a rollback).
    stamp = int(batch.created_at.timestamp() * 1_000_000)
    return Path(settings.RANKING_CACHE_DIR) / f"terms-{batch.pk}-{stamp}.npz"


def _read(path: Path) -> tuple[np.ndarray, ranking.TermCounts] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            counts = ranking.TermCounts(data["indptr"], data["terms"], data["counts"])
            return data["records"], counts
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # missing, or a file cut short: compute it again


def _write(path: Path, records: np.ndarray, counts: ranking.TermCounts) -> None:
    """Whole or not at all: a reader never sees half a file (write, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".terms-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            # numpy's stub types **kwds beside its `allow_pickle: bool` keyword, so any
            # unpacked dict of arrays is flagged; these names are the arrays' own.
            np.savez(out, records=records, **counts.arrays())  # type: ignore[arg-type]
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def batch_terms(batch: ImportBatch) -> tuple[np.ndarray, ranking.TermCounts]:
    """The batch's record ids (ascending) and their term counts, row for row."""
    path = _path(batch)
    found = _read(path)
    if found is not None:
        return found
    rows = (
        Record.objects.filter(batch=batch)
        .order_by("pk")
        .values_list("pk", "title", "abstract")
        .iterator(chunk_size=2000)
    )
    ids, texts = [], []
    for pk, title, abstract in rows:
        ids.append(pk)
        texts.append(ranking.text_of(title, abstract))
    records = np.asarray(ids, dtype=np.int64)
    counts = ranking.term_counts(texts)
    _write(path, records, counts)
    return records, counts


def record_terms(review_id: int, ids: list[int]) -> ranking.TermCounts:
    """The term counts of the review's records `ids`, row i for ids[i] (an id no longer
    there, e.g. merged away since `ids` was read, gets an empty row)."""
    wanted = set(ids)
    batch_ids = {
        batch
        for pk, batch in Record.objects.filter(review_id=review_id).values_list("pk", "batch_id")
        if pk in wanted
    }
    batches = ImportBatch.objects.filter(review_id=review_id, pk__in=batch_ids)
    parts: list[ranking.TermCounts] = []
    where: dict[int, int] = {}  # record id -> row in the concatenation
    base = 0
    for batch in batches:
        records, counts = batch_terms(batch)
        where.update(zip(records.tolist(), range(base, base + len(records)), strict=True))
        parts.append(counts)
        base += len(records)
    empty = ranking.TermCounts(np.zeros(2, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32))
    parts.append(empty)  # row `base`: the empty row
    every = ranking.TermCounts.concat(parts)
    return every.take(np.array([where.get(pk, base) for pk in ids], dtype=np.int64))


def ranking_prepare(*, review_id: int) -> int:
    """Compute the term counts of the review's finished batches that have none yet; returns
    how many batches it computed. Safe to run twice or side by side (the last rename wins,
    and both wrote the same)."""
    done = 0
    batches = ImportBatch.objects.filter(review_id=review_id, status=BatchStatus.DONE)
    for batch in batches.order_by("pk"):
        if not _path(batch).exists():  # written whole or not at all
            batch_terms(batch)
            done += 1
    return done


def ranking_prepare_request(review_id: int) -> None:
    """After the current transaction commits, queue the computation of new batches' term
    counts (deduplication has just taken records in)."""
    # Nothing waits on it if the broker is down: the first training computes what is missing.
    jobs.enqueue_on_commit("screening.tasks.ranking_prepare_task", review_id)


@register_cluster_listener
def _prepare_when_records_enter(review_id: int) -> None:
    # Deduplication has taken new records in (or moved clusters): their batches' counts
    # are computed now rather than by the first training that needs them.
    ranking_prepare_request(review_id)
