"""Relevance ranking and stopping early: training in the background, and the lead's
decision to stop with the rest excluded by the automation tool.

Blinding: each reviewer's order comes from a model trained on the labels that reviewer may
know: the final verdict of papers that are settled (agreed by every required reviewer, or
resolved), and otherwise that reviewer's own votes. Another reviewer's vote on a paper that
is still open never reaches a model that orders someone else's records, so the order in
which records are offered cannot reveal it. Reviewers who share the same labels (all, when
nobody has voted on an open paper) share one trained model. Scores are never shown to
reviewers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from functools import partial

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from config import jobs
from lib import ranking
from reviews.access import is_lead_of, team_ids
from reviews.models import AuditKind, ImportBatch, Record, Review
from reviews.services import register_undo_guard
from reviews.services.audit import audit_log, audit_log_records
from screening.models import (
    AutomationExclusion,
    AutomationStop,
    DecisionEvent,
    Order,
    RankingModel,
    RankingScore,
    Resolution,
    Stage,
    StageSettings,
    Verdict,
)
from screening.outcomes import (
    decide,
    newest_per_reviewer,
    papers,
    resolutions,
    stage_settings,
    votes_by_paper,
)
from screening.selectors import ranking_statistics
from screening.services.ranking_terms import record_terms

log = logging.getLogger(__name__)

STOP_RULES = {
    "hypergeometric": "Hypergeometric test (Callaghan & Müller-Hansen 2020)",
    "consecutive": "Consecutive records excluded since the last include",
    "judgement": "The lead's judgement",
}


def decision_count(review: Review, stage: str) -> int:
    """The model's version: every change of a vote and every resolution counts, so the
    number only grows (a withdrawal is a change too)."""
    return (
        DecisionEvent.objects.filter(review=review, stage=stage).count()
        + Resolution.objects.filter(review=review, stage=stage).count()
    )


def ranking_request(
    *, review: Review, stage: str, settings: StageSettings, force: bool = False
) -> None:
    """Queue a training run after the current transaction commits, if enough decisions are
    new since the last one queued (`lib.ranking.retrain_due`). A compare-and-set on
    `requested` makes a burst of decisions from several reviewers queue one run."""
    if settings.order != Order.RELEVANCE:
        return
    model, _ = RankingModel.objects.get_or_create(review=review, stage=stage)
    count = decision_count(review, stage)
    if not force and not ranking.retrain_due(model.version, count - model.requested):
        return
    won = RankingModel.objects.filter(pk=model.pk, requested=model.requested).update(
        requested=count
    )
    if not force and _broker_failed_lately(model):
        # The broker refused a message moments ago: a decision must not wait on it again
        # (each try costs the connection's retries). A worker that starts queues this run
        # (ranking_requeue), and a decision after the pause tries again.
        return
    if won or force:
        _enqueue_on_commit(review.pk, stage)


RANKING_TASK = "screening.tasks.ranking_train_task"


def _enqueue_on_commit(review_id: int, stage: str) -> None:
    # Screening goes on in the last model's order (or the random one) if the broker is
    # down, and the lead's panel says why; the next decisions, or a worker that starts,
    # queue training again.
    mark = partial(ranking_mark_sent, review_id=review_id, stage=stage)
    jobs.enqueue_on_commit(RANKING_TASK, review_id, stage, mark=mark)


#: After the broker refused a training message, decisions leave it alone this long.
QUEUE_RETRY_AFTER = dt.timedelta(seconds=60)


def _broker_failed_lately(model: RankingModel) -> bool:
    failed = model.queue_failed_at
    return failed is not None and timezone.now() - failed < QUEUE_RETRY_AFTER


def ranking_mark_sent(*, review_id: int, stage: str, sent: bool) -> None:
    """Record whether a training run's message reached the broker (on commit, after the
    attempt): the lead's panel says so when it did not. A message sent later or a run
    starting clears it."""
    jobs.mark_sent(RankingModel.objects.filter(review_id=review_id, stage=stage), sent=sent)


def ranking_requeue() -> list[tuple[int, str]]:
    """Queue again the training runs whose message never reached the broker (worker
    start-up): otherwise the order waits for the next decisions, which may never come."""
    waiting = list(
        RankingModel.objects.filter(queue_failed_at__isnull=False).values_list("review_id", "stage")
    )
    for review_id, stage in waiting:
        _enqueue_on_commit(review_id, stage)
    return waiting


def _labels(review: Review, stage: str, settings: StageSettings) -> dict[int, dict[int, int]]:
    """member -> paper -> 1/0: settled papers' final verdicts, then the member's own votes
    on open ones. Maybe is an include when it counts as one, otherwise left out."""

    def binary(verdict: str) -> int | None:
        if verdict == Verdict.MAYBE:
            return 1 if settings.maybe_counts_as_include else None
        return int(verdict == Verdict.INCLUDE)

    resolved = resolutions(review, stage)
    final: dict[int, int] = {p: int(v == Verdict.INCLUDE) for p, v in resolved.items()}
    own: dict[int, dict[int, int]] = {}
    for paper, by in votes_by_paper(review, stage).items():
        if paper in final:
            continue
        outcome = decide(by, settings)
        if outcome in (Verdict.INCLUDE, Verdict.EXCLUDE):
            final[paper] = int(outcome == Verdict.INCLUDE)
            continue
        for reviewer, (verdict, _) in newest_per_reviewer(by).items():
            label = binary(verdict)
            if label is not None:
                own.setdefault(reviewer, {})[paper] = label
    members = team_ids(review)
    return {m: {**final, **own.get(m, {})} for m in members}


# Features depend only on the records' texts (they are unsupervised), so a worker keeps the
# last few reviews' matrices and a retrain after a decision is only the classifier's fit.
_FEATURES: OrderedDict[tuple, object] = OrderedDict()
_FEATURES_LOCK = threading.Lock()
_FEATURES_KEPT = 4


def _features(review: Review, stage: str, ids: list[int]):
    """The features of the stage's papers `ids` (in that order): from the worker's memory
    when the set is unchanged, else weighted from the records' stored term counts."""
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    # Records never change their text; created_at guards against ids reused after a
    # rolled-back transaction (SQLite), as between tests.
    key = (review.pk, review.created_at, stage, digest)
    with _FEATURES_LOCK:
        if key in _FEATURES:
            _FEATURES.move_to_end(key)
            return _FEATURES[key]
    # Each record's term counts come from its batch's file (computed once); only the
    # weighting over this set of records is done here.
    X = ranking.tfidf(record_terms(review.pk, ids))
    with _FEATURES_LOCK:
        _FEATURES[key] = X
        while len(_FEATURES) > _FEATURES_KEPT:
            _FEATURES.popitem(last=False)
    return X


def ranking_train(*, review_id: int, stage: str) -> RankingModel | None:
    """Train the review's ranking for every reviewer and store the per-record scores. Safe
    to run twice or side by side: a run that finds nothing new does nothing, and a run that
    finishes after a newer one does not write over it."""
    review = Review.objects.filter(pk=review_id).first()
    if review is None or stage not in Stage.values:
        return None
    settings = stage_settings(review, stage)
    model, _ = RankingModel.objects.get_or_create(review=review, stage=stage)
    RankingModel.objects.filter(pk=model.pk, queue_failed_at__isnull=False).update(
        queue_failed_at=None
    )
    count = decision_count(review, stage)
    if model.trained_at is not None and count <= model.version:
        return model
    started = time.perf_counter()
    ids = list(papers(review, stage).order_by("pk").values_list("pk", flat=True))
    index = {pk: i for i, pk in enumerate(ids)}
    labels = _labels(review, stage, settings)
    groups: dict[frozenset, list[int]] = {}
    for member, known in labels.items():
        known = {p: y for p, y in known.items() if p in index}
        groups.setdefault(frozenset(known.items()), []).append(member)
    scores: list[tuple] = []
    trained: dict[str, list[int]] = {}
    fits = 0
    X = None
    for pairs, members in groups.items():
        y = np.array([label for _, label in pairs], dtype=np.int64)
        if len(y) == 0 or y.min() == y.max():
            continue  # needs one include and one exclude
        if X is None:
            # CPU only, outside any transaction: the features of every record of the stage.
            X = _features(review, stage, ids)
        labelled = np.array([index[p] for p, _ in pairs], dtype=np.int64)
        values = ranking.score(X, labelled, y)
        fits += 1
        for member in members:
            trained[str(member)] = [int(y.sum()), int(len(y) - y.sum())]
            scores.extend(
                (review.pk, stage, member, pk, float(values[i])) for i, pk in enumerate(ids)
            )
    with transaction.atomic():
        locked = RankingModel.objects.select_for_update().get(pk=model.pk)
        if locked.trained_at is not None and locked.version >= count:
            return locked  # a newer run finished first
        RankingScore.objects.filter(review=review, stage=stage).delete()
        _insert_scores(scores)
        locked.version = count
        locked.method = ranking.METHOD
        locked.trained_at = timezone.now() if scores else None
        locked.seconds = round(time.perf_counter() - started, 3)
        locked.models_trained = fits
        locked.labels = trained
        locked.error = ""
        locked.save()
    return locked


def _insert_scores(rows: list[tuple]) -> None:
    # Plain executemany: tens of thousands of rows per run, and model instances for each
    # cost more than the insert itself.
    table = RankingScore._meta.db_table
    sql = (
        f"INSERT INTO {table} (review_id, stage, reviewer_id, record_id, score) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


# --- stopping early ----------------------------------------------------------------------


def _require_lead(review: Review, user) -> None:
    if not is_lead_of(review, user):
        raise ValidationError("Only a lead decides to stop screening.")


@transaction.atomic
def screening_stop_early(
    *, review: Review, stage: str, user, rule: str, params: dict | None = None, note: str = ""
) -> AutomationStop:
    """Stop screening: every paper that no reviewer has voted to include (or Maybe) and
    that has no final verdict yet is excluded "by automation tool", with the rule relied on,
    its parameters and the figures at the time. Papers with an include or Maybe vote stay
    for their remaining reviewers; conflicts stay for resolution."""
    _require_lead(review, user)
    if stage != Stage.TITLE_ABSTRACT:
        raise ValidationError(
            "Stopping early excludes records at title and abstract (PRISMA 2020: records "
            "excluded by automation tools); full texts are all assessed."
        )
    if rule not in STOP_RULES:
        raise ValidationError("Choose the rule the decision to stop relies on.")
    if AutomationStop.objects.filter(review=review, stage=stage, undone_at=None).exists():
        raise ValidationError("Screening of this stage has already been stopped.")
    settings = stage_settings(review, stage)
    params = params or {}
    # Lock the stage's papers: a vote cast meanwhile either lands first (and is seen
    # below) or waits and is then refused (the paper is excluded by the tool).
    ids = list(papers(review, stage).select_for_update(of=("self",)).values_list("pk", flat=True))
    resolved = set(resolutions(review, stage))
    votes = votes_by_paper(review, stage)
    candidates = []
    for pk in ids:
        by = votes.get(pk, {})
        if pk in resolved or any(v != Verdict.EXCLUDE for v, _ in by.values()):
            continue
        if by and decide(by, settings) != "awaiting":
            continue  # settled (excluded by people) or a conflict
        candidates.append(pk)
    stats = ranking_statistics(review, stage, settings)
    stop = AutomationStop.objects.create(
        review=review, stage=stage, rule=rule, params=params, note=note, stopped_by=user,
        statistics={
            "records": stats.papers, "screened": stats.screened, "includes": stats.includes,
            "consecutive_excludes": stats.consecutive, "excluded": len(candidates),
            "estimate_remaining": round(stats.remaining.estimate, 2),
            "estimate_method": stats.remaining.method,
            "model_version": stats.model_version,
        },
    )  # fmt: skip
    AutomationExclusion.objects.bulk_create(
        [
            AutomationExclusion(stop=stop, review=review, stage=stage, paper_id=pk)
            for pk in candidates
        ],
        batch_size=2000,
    )
    _audit_stop(
        stop,
        AuditKind.STOP,
        user,
        candidates,
        summary=f"Screening stopped early ({STOP_RULES[rule]}): {len(candidates)} "
        f"{ngettext('record', 'records', len(candidates))} "
        "excluded by the automation tool",
        each="Excluded by the automation tool (screening stopped early)",
    )
    return stop


@transaction.atomic
def screening_stop_undo(*, review: Review, stop: AutomationStop, user) -> AutomationStop:
    """Take a stop back: its papers are screenable again; the stop row stays, marked."""
    _require_lead(review, user)
    if stop.review_id != review.pk:
        raise ValidationError("That stop is not in this review.")
    locked = AutomationStop.objects.select_for_update().get(pk=stop.pk)
    if locked.undone_at is not None:
        raise ValidationError("That stop has already been undone.")
    papers_back = list(locked.exclusions.values_list("paper_id", flat=True))
    locked.exclusions.all().delete()
    locked.undone_at, locked.undone_by = timezone.now(), user
    locked.save(update_fields=["undone_at", "undone_by"])
    _audit_stop(
        locked,
        AuditKind.STOP_UNDO,
        user,
        papers_back,
        summary=f"Early stop undone: {len(papers_back)} "
        f"{ngettext('record', 'records', len(papers_back))} to screen again",
        each="Exclusion by the automation tool undone (early stop undone)",
    )
    return locked


def _audit_stop(
    stop: AutomationStop, kind: str, user, paper_ids: list[int], *, summary: str, each: str
) -> None:
    """One event for the stop (or its undo) and one per paper it excluded (or gave back),
    so each record's history says so; one multi-row insert, in the caller's transaction."""
    detail = {
        "rule": stop.rule,
        "params": stop.params,
        "note": stop.note,
        "records": len(paper_ids),
        "stopped_at": stop.stopped_at.isoformat(),
        "statistics": stop.statistics,
    }
    audit_log(
        review=stop.review_id, kind=kind, summary=summary, actor=user, stage=stop.stage,
        detail=detail,
    )  # fmt: skip
    audit_log_records(
        review=stop.review_id, kind=kind, summary=each, actor=user, record_ids=paper_ids,
        stage=stop.stage, detail={"rule": stop.rule},
    )  # fmt: skip


def is_excluded_by_automation(paper: Record, stage: str) -> bool:
    return AutomationExclusion.objects.filter(paper=paper, stage=stage).exists()


@register_undo_guard
def _automation_excluded_records_stay(batch: ImportBatch) -> str:
    records = Record.objects.filter(batch=batch).values("pk")
    if AutomationExclusion.objects.filter(Q(paper__in=records)).exists():
        return "some of its records were excluded by the automation tool (undo that first)"
    return ""


__all__ = [
    "STOP_RULES",
    "decision_count",
    "is_excluded_by_automation",
    "ranking_mark_sent",
    "ranking_request",
    "ranking_requeue",
    "ranking_train",
    "screening_stop_early",
    "screening_stop_undo",
]
