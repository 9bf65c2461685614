"""Deduplication: the background run of the matcher and the leads' decisions.

The facts are the records themselves, the leads' DedupDecision rows ("same paper" /
"different papers") and the primary a lead pinned. Each run of `lib.dedup` derives from
them which record is a duplicate of which (Record.duplicate_of) and which pairs a lead
should look at (DedupPair), so a run never loses a decision and running it twice changes
nothing. A lead's decision takes effect at once on the clusters it touches and then asks
for a run, which brings everything else in line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now, Substr
from django.utils import timezone

from config import jobs
from lib.dedup import Citation, Result, Rule, deduplicate
from lib.dedup.normalise import completeness
from reviews.models import (
    BatchStatus,
    DedupAction,
    DedupDecision,
    DedupEvent,
    DedupPair,
    DedupRun,
    DedupStatus,
    Record,
    Review,
    Verdict,
)
from reviews.signals import dedup_failed

log = logging.getLogger(__name__)

DEDUP_TASK = "reviews.tasks.dedup_task"
_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid")


ClusterListener = Callable[[int], None]
_cluster_listeners: list[ClusterListener] = []


def register_cluster_listener(listener: ClusterListener) -> ClusterListener:
    """Called with the review id, inside the transaction, whenever clusters change (a run
    wrote its result, a lead merged, split or chose a primary). Screening uses it to keep
    each decision with its paper. Reviews does not import screening: it registers itself."""
    _cluster_listeners.append(listener)
    return listener


def _clusters_changed(review_id: int) -> None:
    for listener in _cluster_listeners:
        listener(review_id)


class DedupBusy(Exception):
    """A live run holds the review's deduplication; the task looks again later."""


class _Superseded(Exception):
    pass


# --- requesting and running --------------------------------------------------------------


def dedup_request(*, review_id: int, enqueue: bool = True) -> None:
    """Mark the review's clusters out of date and queue a run after commit. Called when an
    import finishes or is undone and after each lead's decision."""
    run, _ = DedupRun.objects.get_or_create(review_id=review_id)
    DedupRun.objects.filter(pk=run.pk).update(version=F("version") + 1)
    DedupRun.objects.filter(pk=run.pk, status__in=[DedupStatus.IDLE, DedupStatus.FAILED]).update(
        status=DedupStatus.QUEUED, queued_at=Now(), error=""
    )
    if enqueue:
        _enqueue_on_commit(review_id)


def _enqueue_on_commit(review_id: int) -> None:
    jobs.enqueue_on_commit(
        DEDUP_TASK, review_id, mark=partial(dedup_mark_sent, review_id=review_id)
    )


def dedup_requeue() -> list[int]:
    """Queue again runs waiting for a worker or whose worker died (worker start-up), and
    runs still looking alive (jobs.requeue_stale says why); the task retries on DedupBusy
    until the heartbeat is stale."""
    ids = list(
        jobs.requeue_stale(
            DedupRun.objects.all(),
            kind="dedup",
            waiting=Q(status=DedupStatus.QUEUED),
            working=[DedupStatus.RUNNING],
            worker_start=True,
        ).values_list("review_id", flat=True)
    )
    for review_id in ids:
        _enqueue_on_commit(review_id)
    return ids


def dedup_mark_sent(*, review_id: int, sent: bool) -> None:
    """Record whether a queued run's message reached the broker (on commit, after the
    attempt). A queued run whose message was not sent says so on its page at once; a message
    sent later or a worker claiming the run clears it."""
    jobs.mark_sent(
        DedupRun.objects.filter(review_id=review_id),
        sent=sent,
        waiting=Q(status=DedupStatus.QUEUED),
    )


def _claim(review_id: int) -> int | None:
    """Compare-and-set the job to RUNNING with a new token; None when there is nothing to
    do, DedupBusy when a live run holds it."""
    claimed = jobs.claim(
        DedupRun.objects.filter(review_id=review_id),
        kind="dedup",
        waiting=Q(status__in=[DedupStatus.QUEUED, DedupStatus.IDLE, DedupStatus.FAILED]),
        working=DedupStatus.RUNNING,
        busy=DedupBusy(f"review {review_id} is being deduplicated by another run"),
        token=F("token") + 1,
        phase="reading records",
        done=0,
        total=0,
        error="",
    )
    if not claimed:
        return None
    return DedupRun.objects.values_list("token", flat=True).get(review_id=review_id)


def dedup_run(*, review_id: int) -> DedupRun | None:
    """Bring the review's clusters up to date. Safe to run twice and at any time."""
    DedupRun.objects.get_or_create(review_id=review_id)
    token = _claim(review_id)
    if token is None:
        return None
    mine = DedupRun.objects.filter(review_id=review_id, token=token, status=DedupStatus.RUNNING)
    # A run also beats from a second thread, so a long phase of the matcher between two
    # progress reports is not presumed dead.
    beating = jobs.Heartbeat(mine, error=_Superseded(), label=f"deduplication of {review_id}")
    try:
        with beating:
            while True:
                version, done_version = DedupRun.objects.values_list("version", "done_version").get(
                    review_id=review_id
                )
                unchecked = Record.objects.filter(
                    review_id=review_id, batch__status=BatchStatus.DONE, dedup_checked=False
                )
                if version == done_version and not unchecked.exists():
                    mine.update(status=DedupStatus.IDLE, phase="")  # a second message: no work
                    break
                started = time.monotonic()
                records, state = _load(review_id)
                same, different = _decisions(review_id)

                def progress(phase: str, done: int, total: int) -> None:
                    if not jobs.beat(mine, phase=phase, done=done, total=total):
                        raise _Superseded

                result = deduplicate(
                    records,
                    same=same,
                    different=different,
                    keep_primary=[rid for rid, s in state.items() if s[3] and s[0] is None],
                    pinned=[rid for rid, s in state.items() if s[4]],
                    progress=progress,
                )
                jobs.beat(mine, phase="saving")
                with transaction.atomic():
                    row = DedupRun.objects.select_for_update().get(review_id=review_id)
                    if row.token != token or row.status != DedupStatus.RUNNING:
                        raise _Superseded
                    if row.version != version:
                        continue  # an import or a decision arrived meanwhile: read again
                    _write(review_id, result, state, seconds=time.monotonic() - started)
                    mine.update(
                        status=DedupStatus.IDLE,
                        done_version=version,
                        phase="",
                        finished_at=Now(),
                        seconds=round(time.monotonic() - started, 2),
                    )
                break
    except _Superseded:
        log.warning("deduplication of review %s: run %s was taken over", review_id, token)
        return None
    except Exception:
        log.exception("deduplication of review %s failed", review_id)
        mine.update(
            status=DedupStatus.FAILED,
            phase="",
            error="Deduplication stopped with an internal error; the administrators can see "
            "the details in the worker log. Nothing was changed. Run it again from this page.",
        )
        dedup_failed.send(sender=DedupRun, review_id=review_id)
        raise
    return DedupRun.objects.get(review_id=review_id)


def _load(review_id: int) -> tuple[list[Citation], dict[int, tuple]]:
    rows = (
        Record.objects.filter(review_id=review_id, batch__status=BatchStatus.DONE)
        .order_by("pk")
        .annotate(abstract_start=Substr("abstract", 1, 600))
        .values_list(
            "pk",
            *_FIELDS,
            "abstract_start",
            "type",
            "duplicate_of_id",
            "dedup_rule",
            "dedup_score",
            "dedup_checked",
            "primary_pinned",
        )
    )
    records, state = [], {}
    for (
        pk,
        title,
        authors,
        year,
        journal,
        vol,
        issue,
        pages,
        doi,
        pmid,
        abstract,
        type_,
        *s,
    ) in rows:
        records.append(
            Citation(
                id=pk,
                title=title,
                authors=tuple(authors or ()),
                year=year,
                journal=journal,
                volume=vol,
                issue=issue,
                pages=pages,
                doi=doi,
                pmid=pmid,
                abstract=abstract,
                type=type_,
            )
        )
        # (duplicate_of, rule, score, checked, pinned)
        state[pk] = (s[0], s[1], s[2], s[3], s[4])
    return records, state


def _decisions(review_id: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    same: list[tuple[int, int]] = []
    different: list[tuple[int, int]] = []
    for a, b, verdict in DedupDecision.objects.filter(review_id=review_id).values_list(
        "record_a_id", "record_b_id", "verdict"
    ):
        (same if verdict == Verdict.SAME else different).append((a, b))
    return same, different


def _write(review_id: int, result: Result, state: dict[int, tuple], *, seconds: float) -> None:
    wanted: dict[int, tuple] = {rid: (None, "", None) for rid in state}
    for cluster in result.clusters:
        for member, link in cluster.via.items():
            # lib.dedup's ids are whatever it was given: here the records' pks (ints).
            wanted[int(member)] = (cluster.primary, link.match.rule.value, link.match.score)
    primaries, changed = [], []
    newly = 0
    for rid, (dup_of, rule, score) in wanted.items():
        old = state[rid]
        if old[:3] == (dup_of, rule, score) and old[3]:
            continue
        if dup_of is None:
            primaries.append(rid)
        else:
            changed.append(
                Record(
                    pk=rid,
                    duplicate_of_id=dup_of,
                    dedup_rule=rule,
                    dedup_score=score,
                    dedup_checked=True,
                )
            )
            newly += old[0] is None
    for chunk in _chunks(primaries, 2000):
        Record.objects.filter(pk__in=chunk).update(
            duplicate_of=None, dedup_rule="", dedup_score=None, dedup_checked=True
        )
    Record.objects.bulk_update(
        changed, ["duplicate_of", "dedup_rule", "dedup_score", "dedup_checked"], batch_size=500
    )
    if primaries or changed:
        _clusters_changed(review_id)
    queue_before, _ = DedupPair.objects.filter(review_id=review_id).delete()
    DedupPair.objects.bulk_create(
        [
            DedupPair(
                review_id=review_id,
                record_a_id=min(link.a, link.b),
                record_b_id=max(link.a, link.b),
                kind=link.match.kind.value,
                rule=link.match.rule.value,
                score=link.match.score,
            )
            for link in result.queue
        ],
        batch_size=1000,
    )
    if not primaries and not changed and queue_before == len(result.queue):
        return  # nothing moved: the log keeps the runs that changed something
    DedupEvent.objects.create(
        review_id=review_id,
        action=DedupAction.RUN,
        detail={
            "records": len(state),
            "clusters": len(result.clusters),
            "duplicates": result.removed,
            "changed": len(primaries) + len(changed),
            "new_duplicates": newly,
            "queued_pairs": len(result.queue),
            "compared_pairs": result.compared,
            "seconds": round(seconds, 2),
        },
    )


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def dedup_forget_batch(*, batch_id: int) -> None:
    """Clear every deduplication reference to a batch's records before they are deleted
    (the references are DO_NOTHING so the delete stays one statement). Duplicates of a
    record that goes away wait for the next run to find their new primary, rather than
    all appearing as papers of their own. The log (DedupEvent) names records by plain
    numbers and is left as it is: history keeps saying which records they were."""
    of_batch = Record.objects.filter(batch_id=batch_id).values("pk")
    Record.objects.filter(duplicate_of__in=of_batch).exclude(batch_id=batch_id).update(
        duplicate_of=None, dedup_rule="", dedup_score=None, dedup_checked=False
    )
    Record.objects.filter(batch_id=batch_id).update(duplicate_of=None)
    for model in (DedupDecision, DedupPair):
        model.objects.filter(Q(record_a__in=of_batch) | Q(record_b__in=of_batch)).delete()


# --- a lead's decisions ------------------------------------------------------------------


def _primary_id(record: Record) -> int:
    return record.duplicate_of_id or record.pk


def _members(primary_id: int) -> list[int]:
    return [
        primary_id,
        *Record.objects.filter(duplicate_of_id=primary_id).values_list("pk", flat=True),
    ]


def _check(review: Review, *records: Record) -> None:
    for record in records:
        if record.review_id != review.pk or not record.dedup_checked:
            raise ValidationError("That record is not (yet) part of this review's clusters.")
    if len({r.pk for r in records}) != len(records):
        raise ValidationError("Choose two different records.")


def dedup_lock(*, review_id: int) -> None:
    """Take the review's deduplication row lock (inside a transaction). Serialises leads'
    decisions with each other, with a run's write (which checks `version` under the same
    lock and reads again when a decision slipped in) and with undoing an import."""
    DedupRun.objects.get_or_create(review_id=review_id)
    DedupRun.objects.select_for_update().get(review_id=review_id)


def _lock(review: Review) -> None:
    dedup_lock(review_id=review.pk)


def _set_decision(review: Review, a: int, b: int, verdict: str, user) -> None:
    a, b = min(a, b), max(a, b)
    DedupDecision.objects.update_or_create(
        record_a_id=a,
        record_b_id=b,
        defaults={
            "review": review,
            "verdict": verdict,
            "decided_by": user,
            "decided_at": timezone.now(),
        },
    )


def _drop_pairs_between(review: Review, left: list[int], right: list[int]) -> None:
    DedupPair.objects.filter(review=review).filter(
        Q(record_a_id__in=left, record_b_id__in=right)
        | Q(record_a_id__in=right, record_b_id__in=left)
    ).delete()


def _citation(record: Record) -> Citation:
    return Citation(
        id=record.pk,
        title=record.title,
        authors=tuple(record.authors),
        year=record.year,
        journal=record.journal,
        volume=record.volume,
        issue=record.issue,
        pages=record.pages,
        doi=record.doi,
        pmid=record.pmid,
        abstract=record.abstract,
        type=record.type,
    )


def _richest(ids: list[int]) -> int:
    """The run's own choice among records: pinned, else most complete, else oldest."""
    records = list(Record.objects.filter(pk__in=ids))
    return min(records, key=lambda r: (not r.primary_pinned, -completeness(_citation(r)), r.pk)).pk


@transaction.atomic
def dedup_decide(*, review: Review, record: Record, other: Record, verdict: str, user) -> None:
    """A lead's answer about two records: the same paper (their clusters merge now) or
    different papers (they are kept apart now and by every later run)."""
    if verdict not in Verdict.values:
        raise ValidationError("Answer 'same paper' or 'different papers'.")
    _check(review, record, other)
    _lock(review)
    record.refresh_from_db()
    other.refresh_from_db()
    left, right = _primary_id(record), _primary_id(other)
    left_members, right_members = _members(left), _members(right)
    _set_decision(review, record.pk, other.pk, verdict, user)
    _drop_pairs_between(review, left_members, right_members)
    if verdict == Verdict.SAME:
        # "Same paper" now overrides any earlier "different papers" between the clusters,
        # which would otherwise keep blocking their other links in every later run.
        DedupDecision.objects.filter(verdict=Verdict.DIFFERENT).filter(
            Q(record_a_id__in=left_members, record_b_id__in=right_members)
            | Q(record_a_id__in=right_members, record_b_id__in=left_members)
        ).delete()
    if verdict == Verdict.SAME:
        if left != right:
            keep = _richest([left, right])
            lose = right if keep == left else left
            Record.objects.filter(pk__in=_members(lose)).exclude(pk=lose).update(
                duplicate_of_id=keep
            )
            Record.objects.filter(pk=lose).update(
                duplicate_of_id=keep,
                dedup_rule=Rule.MANUAL.value,
                dedup_score=1.0,
                primary_pinned=False,
            )
    elif left == right:
        # Both in one cluster: the one that is not its primary leaves it.
        leaving = other if other.pk != left else record
        _detach(leaving.pk, left)
    _clusters_changed(review.pk)
    DedupEvent.objects.create(
        review=review,
        actor=user,
        action=DedupAction.SAME if verdict == Verdict.SAME else DedupAction.DIFFERENT,
        record_id=record.pk,
        other_id=other.pk,
        detail={"titles": [record.title[:200], other.title[:200]]},
    )
    dedup_request(review_id=review.pk)


def _detach(record_id: int, primary_id: int) -> None:
    """Take a record out of its cluster now; if it was the primary, the richest of the rest
    becomes primary."""
    rest = [m for m in _members(primary_id) if m != record_id]
    Record.objects.filter(pk=record_id).update(
        duplicate_of=None, dedup_rule="", dedup_score=None, primary_pinned=False
    )
    if record_id == primary_id and rest:
        new = _richest(rest)
        Record.objects.filter(pk=new).update(duplicate_of=None, dedup_rule="", dedup_score=None)
        Record.objects.filter(pk__in=[m for m in rest if m != new]).update(duplicate_of_id=new)


@transaction.atomic
def dedup_split(*, review: Review, record: Record, user) -> None:
    """Take `record` out of its cluster: it is a different paper from every other member,
    now and in every later run."""
    _check(review, record)
    _lock(review)
    record.refresh_from_db()
    primary = _primary_id(record)
    members = _members(primary)
    if len(members) < 2:
        raise ValidationError("This record is not in a cluster.")
    for other in members:
        if other != record.pk:
            _set_decision(review, record.pk, other, Verdict.DIFFERENT, user)
    _detach(record.pk, primary)
    _clusters_changed(review.pk)
    DedupEvent.objects.create(
        review=review,
        actor=user,
        action=DedupAction.SPLIT,
        record_id=record.pk,
        other_id=primary if primary != record.pk else None,
        detail={"title": record.title[:200], "cluster_size": len(members)},
    )
    dedup_request(review_id=review.pk)


@transaction.atomic
def dedup_set_primary(*, review: Review, record: Record, user) -> None:
    """Make `record` its cluster's primary: the one screening shows, kept by later runs."""
    _check(review, record)
    _lock(review)
    record.refresh_from_db()
    primary = _primary_id(record)
    members = _members(primary)
    if len(members) < 2:
        raise ValidationError("This record is not in a cluster.")
    if primary != record.pk:
        Record.objects.filter(pk=primary).update(
            duplicate_of_id=record.pk, dedup_rule=record.dedup_rule, dedup_score=record.dedup_score
        )
        Record.objects.filter(pk__in=members).exclude(pk__in=[primary, record.pk]).update(
            duplicate_of_id=record.pk
        )
    Record.objects.filter(pk__in=members).update(primary_pinned=False)
    Record.objects.filter(pk=record.pk).update(
        duplicate_of=None, dedup_rule="", dedup_score=None, primary_pinned=True
    )
    _clusters_changed(review.pk)
    DedupEvent.objects.create(
        review=review,
        actor=user,
        action=DedupAction.PRIMARY,
        record_id=record.pk,
        other_id=primary if primary != record.pk else None,
        detail={"title": record.title[:200]},
    )
    dedup_request(review_id=review.pk)
