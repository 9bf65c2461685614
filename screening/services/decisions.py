"""Every state change of screening. Keyword-only, validate then act, one transaction.

Locking: a decision or a resolution locks the paper's Record row (so decisions, changes and
resolutions of one paper are serialised: none is lost or counted twice) and the import
batch's row (so an import cannot be undone between the undo guard's check and a decision).
"""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from reviews.access import is_lead_of, is_member, member_of, role_of
from reviews.models import (
    AuditKind,
    Criterion,
    CriterionKind,
    ImportBatch,
    Record,
    Review,
    Role,
)
from reviews.services import register_cluster_listener, register_undo_guard
from reviews.services.audit import audit_log, audit_log_records
from reviews.validators import single_line
from screening.models import (
    AutomationExclusion,
    Decision,
    DecisionEvent,
    Report,
    Resolution,
    Retrieval,
    ReviewerCursor,
    Stage,
    StageSettings,
    Verdict,
)
from screening.outcomes import (
    automation_excluded,
    counted,
    decide,
    outcome_of,
    paper_outcomes,
    resolutions,
    stage_settings,
    votes_by_paper,
)
from screening.selectors import lane_for, paper_votes, votes_token
from screening.services.fulltexts import report_follow, study_follow
from screening.services.ranking import is_excluded_by_automation, ranking_request


class SlotTaken(ValidationError):
    """Another reviewer took the record's last place first: not the user's mistake."""


def _reason_text(reason: Criterion | None, other: str) -> str:
    parts = [reason.code] if reason is not None else []
    if other:
        parts.append(f"other: {other}")
    return "; ".join(parts)


def _check_reason(review: Review, verdict: str, reason: Criterion | None, other: str) -> None:
    single_line(other, what="The reason")  # it is written into RIS notes
    if verdict != Verdict.EXCLUDE and (reason is not None or other):
        raise ValidationError("A reason goes with an exclusion only.")
    if reason is not None and (
        reason.review_id != review.pk or reason.kind != CriterionKind.EXCLUDE
    ):
        raise ValidationError("That reason is not one of this review's exclusion criteria.")


def _lock_paper(record: Record) -> Record:
    """Lock the batch row (the undo protocol) and the paper's row; return the paper."""
    ImportBatch.objects.select_for_update().filter(pk=record.batch_id).exists()
    locked = Record.objects.select_for_update().only(*_PAPER_FIELDS).get(pk=record.pk)
    if locked.duplicate_of_id is None:
        return locked
    # Merged into another record since the page was shown: the vote goes to the paper.
    return Record.objects.select_for_update().only(*_PAPER_FIELDS).get(pk=locked.duplicate_of_id)


_PAPER_FIELDS = (
    "id", "review_id", "batch_id", "duplicate_of_id", "dedup_checked", "shuffle_a", "shuffle_b",
)  # fmt: skip


class Recorded(NamedTuple):
    """A vote recorded, and the reviewer's new place in their order (None: not moved)."""

    decision: Decision
    position: int | None


@transaction.atomic
def decision_record_placed(
    *,
    review: Review,
    record: Record,
    reviewer,
    stage: str,
    verdict: str,
    reason: Criterion | None = None,
    reason_other: str = "",
    note: str = "",
    advance: bool = False,
) -> Recorded:
    """`decision_record`, with the reviewer's new place in their order (when `advance`)."""
    if stage not in Stage.values:
        raise ValidationError("No such screening stage.")
    if verdict not in Verdict.values:
        raise ValidationError("Choose Include, Exclude or Maybe.")
    reason_other = reason_other.strip()[:300]
    _check_reason(review, verdict, reason, reason_other)
    if stage == Stage.FULL_TEXT and verdict == Verdict.EXCLUDE and not (reason or reason_other):
        raise ValidationError("Excluding a full text needs a reason (a criterion, or other).")
    if record.review_id != review.pk:
        raise ValidationError("That record is not in this review.")
    if member_of(review, reviewer) is None:
        raise ValidationError("Only members of the review screen its records.")
    paper = _lock_paper(record)
    if not paper.dedup_checked:
        raise ValidationError("This record is still being compared with the others.")
    if (
        stage == Stage.FULL_TEXT
        # Locked: a retrieval status change cannot slip in beside this vote.
        and not Report.objects.select_for_update()
        .filter(record=paper, retrieval=Retrieval.RETRIEVED, eligible=True)
        .exists()
    ):
        raise ValidationError(
            "This record is not up for full-text screening (not retrieved yet, or no longer "
            "included at title and abstract)."
        )
    if is_excluded_by_automation(paper, stage):
        raise ValidationError(
            "Screening was stopped early and this record was excluded by the automation "
            "tool; a lead can undo the stop."
        )
    settings = stage_settings(review, stage)
    votes = list(Decision.objects.filter(paper=paper, stage=stage).select_related("reason"))
    before = outcome_of(votes, settings)
    # A reviewer with votes on two records of the paper (merged after screening): all of
    # them count; a vote cast now is on the paper and replaces them all (the one on the
    # paper itself, else the newest, changes; the others are withdrawn, with history).
    theirs = [v for v in counted(votes) if v.reviewer_id == reviewer.pk]
    mine = next((v for v in theirs if v.record_id == paper.pk), theirs[-1] if theirs else None)
    # Blinding: someone without a vote here hears the same answer whatever the others voted
    # (agreed, in conflict or resolved), so the slot check comes before any other.
    if mine is None and len({v.reviewer_id for v in votes}) >= settings.reviewers_required:
        raise SlotTaken(
            "This record has already been screened by enough reviewers; here is the next."
        )
    new_reason = _reason_text(reason, reason_other)
    if mine is not None and len(theirs) == 1:
        old = (mine.verdict, mine.reason_id, mine.reason_other, mine.note)
        if old == (verdict, reason.pk if reason else None, reason_other, note):
            return Recorded(mine, None)  # a repeated click: nothing changed, nothing to log
    _check_open(votes, settings, paper, stage)
    for other in theirs:
        if other is not mine:
            DecisionEvent.objects.create(
                review=review, record_id=other.record_id, reviewer=reviewer, stage=stage,
                old_verdict=other.verdict, new_verdict="",
                old_reason=_reason_text(other.reason, other.reason_other),
            )  # fmt: skip
            other.delete()
    if mine is not None:
        old_verdict, old_reason = mine.verdict, _reason_text(mine.reason, mine.reason_other)
        mine.verdict, mine.reason, mine.reason_other, mine.note = (
            verdict,
            reason,
            reason_other,
            note,
        )
        mine.save()
    else:
        old_verdict = old_reason = ""
        mine = Decision.objects.create(
            review=review,
            record=paper,
            paper=paper,
            reviewer=reviewer,
            stage=stage,
            verdict=verdict,
            reason=reason,
            reason_other=reason_other,
            note=note,
        )
    DecisionEvent.objects.create(
        review=review,
        record_id=mine.record_id,
        reviewer=reviewer,
        stage=stage,
        old_verdict=old_verdict,
        new_verdict=verdict,
        old_reason=old_reason,
        new_reason=new_reason,
    )
    after = outcome_of([v for v in votes if v.reviewer_id != reviewer.pk] + [mine], settings)
    _follow(review, paper, stage, before, after)
    ranking_request(review=review, stage=stage, settings=settings)
    position = _advance(review, reviewer, stage, settings, paper) if advance else None
    return Recorded(mine, position)


@transaction.atomic
def decision_record(
    *,
    review: Review,
    record: Record,
    reviewer,
    stage: str,
    verdict: str,
    reason: Criterion | None = None,
    reason_other: str = "",
    note: str = "",
    advance: bool = False,
) -> Decision:
    """Record (or change) `reviewer`'s vote on `record`'s paper. Sending the same vote twice
    changes nothing. `advance` moves the reviewer's place in their order past this record
    (a decision made on the next record offered, not on a revisited one)."""
    return decision_record_placed(
        review=review,
        record=record,
        reviewer=reviewer,
        stage=stage,
        verdict=verdict,
        reason=reason,
        reason_other=reason_other,
        note=note,
        advance=advance,
    ).decision


FIXED = (
    "Every reviewer has voted on this record, so the votes are fixed: a lead can reopen "
    "your vote (with a reason) if it needs to change."
)


def _check_open(votes: list[Decision], settings: StageSettings, paper: Record, stage: str) -> None:
    """A vote is its reviewer's own only while a slot of the record is still open. Once every
    required reviewer has voted, the outcome (agreement or conflict) is a fact others act on
    and may learn: changing or withdrawing a vote then would let a reviewer who learnt the
    colleague's vote conform to it and make a conflict vanish. Changes go through a lead
    (`decision_reopen`) or a resolution."""
    if len({v.reviewer_id for v in votes}) >= settings.reviewers_required:
        raise ValidationError(FIXED)
    # Only a paper with votes can have been resolved (a lead lowered the number needed).
    if votes and Resolution.objects.filter(paper=paper, stage=stage).exists():
        raise ValidationError("This record's conflict has been resolved; its decisions are final.")


def _follow(review: Review, paper: Record, stage: str, before: str, after: str) -> None:
    """The paper's outcome at a stage moved: the next stage follows (title/abstract include
    -> a report to retrieve; full-text include -> a study)."""
    if before == after:
        return
    follow = report_follow if stage == Stage.TITLE_ABSTRACT else study_follow
    follow(review=review, paper=paper, before=before, after=after)


def _advance(review: Review, reviewer, stage: str, settings: StageSettings, paper: Record) -> int:
    lane = lane_for(review, reviewer, settings)
    position = getattr(paper, lane.column)
    # One upsert: two first decisions at once (two tabs) must not collide on creating it.
    ReviewerCursor.objects.bulk_create(
        [ReviewerCursor(review=review, reviewer=reviewer, stage=stage, lane=lane.name,
                        position=position)],
        update_conflicts=True,
        unique_fields=["review", "reviewer", "stage"],
        update_fields=["lane", "position"],
    )  # fmt: skip
    return position


@transaction.atomic
def decision_withdraw_last(*, review: Review, reviewer, stage: str) -> Record | None:
    """Undo: withdraw the reviewer's most recent vote at this stage (refused once the
    record's conflict is resolved). Returns the record, to be shown again."""
    last = (
        Decision.objects.filter(review=review, reviewer=reviewer, stage=stage)
        .order_by("-updated_at", "-pk")
        .select_related("record")
        .first()
    )
    if last is None:
        raise ValidationError("You have no decision to undo.")
    paper = _lock_paper(last.record)
    # Read again under the lock: another tab may have changed or withdrawn it meanwhile.
    last = Decision.objects.filter(pk=last.pk).select_related("record", "reason").first()
    if last is None:
        raise ValidationError("That decision was already withdrawn.")
    settings = stage_settings(review, stage)
    votes = list(Decision.objects.filter(paper=paper, stage=stage))
    _check_open(votes, settings, paper, stage)
    DecisionEvent.objects.create(
        review=review,
        record=last.record,
        reviewer=reviewer,
        stage=stage,
        old_verdict=last.verdict,
        new_verdict="",
        old_reason=_reason_text(last.reason, last.reason_other),
    )
    before = outcome_of(votes, settings)
    withdrawn = last.pk  # delete() clears it
    last.delete()
    remaining = [v for v in votes if v.pk != withdrawn]
    _follow(review, paper, stage, before, outcome_of(remaining, settings))
    ranking_request(review=review, stage=stage, settings=settings)
    return paper


@transaction.atomic
def decision_reopen(
    *, review: Review, paper: Record, stage: str, reviewer_id: int, user, reason: str
) -> Record:
    """A lead withdraws one reviewer's fixed vote, with a reason, so that reviewer can vote
    again (the only way a vote changes once every slot is filled, besides a resolution).
    The history keeps the vote, who reopened it and why; the next stage follows."""
    if stage not in Stage.values:
        raise ValidationError("No such screening stage.")
    if not is_lead_of(review, user):
        raise ValidationError("Only a lead reopens a vote.")
    reason = reason.strip()
    single_line(reason, what="The reason")
    if not reason:
        raise ValidationError("Say why the vote is reopened: the reason goes into the history.")
    if len(reason) > 300:
        raise ValidationError("The reason is too long (300 characters at most).")
    if paper.review_id != review.pk:
        raise ValidationError("That record is not in this review.")
    paper = _lock_paper(paper)
    if Resolution.objects.filter(paper=paper, stage=stage).exists():
        raise ValidationError("This record's conflict has been resolved; its decisions are final.")
    settings = stage_settings(review, stage)
    votes = list(Decision.objects.filter(paper=paper, stage=stage).select_related("reason"))
    # All of the reviewer's votes on the paper's records (records merged after screening
    # bring one each): all go, or another would still count and fill the slot.
    theirs = [v for v in counted(votes) if v.reviewer_id == reviewer_id]
    if not theirs:
        raise ValidationError("That reviewer has no vote on this record to reopen.")
    vote = theirs[-1]  # the newest, for the audit line
    before = outcome_of(votes, settings)
    old_reason = _reason_text(vote.reason, vote.reason_other)
    for each in theirs:
        DecisionEvent.objects.create(
            review=review, record=paper, reviewer_id=reviewer_id, stage=stage,
            old_verdict=each.verdict, new_verdict="",
            old_reason=_reason_text(each.reason, each.reason_other),
            reopened_by=user, reopen_reason=reason,
        )  # fmt: skip
    audit_log(
        review=review, kind=AuditKind.REOPEN, actor=user, record_id=paper.pk, stage=stage,
        summary=f"Vote reopened at {Stage(stage).label.lower()}: {vote.reviewer} "
        f"had voted {vote.verdict}; reason: {reason}",
        detail={"reviewer": str(vote.reviewer), "verdict": vote.verdict,
                "vote_reason": old_reason, "reason": reason},
    )  # fmt: skip
    Decision.objects.filter(pk__in=[v.pk for v in theirs]).delete()
    remaining = [v for v in votes if v.reviewer_id != reviewer_id]
    _follow(review, paper, stage, before, outcome_of(remaining, settings))
    ranking_request(review=review, stage=stage, settings=settings)
    return paper


def may_resolve(review: Review, user, settings: StageSettings, screeners: set[int]) -> bool:
    """Leads, and the named third reviewer while a member; not someone who screened the
    record unless the review allows it. A lead can always allow it in the settings, and
    leads stay on the team (the last one cannot leave), so no conflict is ever stuck."""
    role = role_of(review, user)
    if role is None:
        return False
    if role != Role.LEAD and settings.resolver_id != user.pk:
        return False
    return settings.resolver_may_have_screened or user.pk not in screeners


@transaction.atomic
def conflict_resolve(
    *,
    review: Review,
    paper: Record,
    stage: str,
    verdict: str,
    user,
    seen: str,
    reason: Criterion | None = None,
    reason_other: str = "",
    note: str = "",
) -> Resolution:
    """The final verdict on a paper whose reviewers disagree. `seen` is the token of the
    votes the resolver looked at: if a vote changed meanwhile, nothing is written."""
    if verdict not in (Verdict.INCLUDE, Verdict.EXCLUDE):
        raise ValidationError("Resolve to Include or Exclude.")
    reason_other = reason_other.strip()[:300]
    _check_reason(review, verdict, reason, reason_other)
    if paper.review_id != review.pk:
        raise ValidationError("That record is not in this review.")
    paper = _lock_paper(paper)
    settings = stage_settings(review, stage)
    votes = paper_votes(paper, stage)
    if not may_resolve(review, user, settings, {v.reviewer_id for v in votes}):
        raise ValidationError(
            "You may not resolve this conflict (you screened it, or you are "
            "not a lead or the named resolver)."
        )
    if Resolution.objects.filter(paper=paper, stage=stage).exists():
        raise ValidationError("Someone has already resolved this conflict.")
    if votes_token(votes) != seen:
        raise ValidationError(
            "A reviewer changed their vote while you were looking: "
            "check the votes again before resolving."
        )
    if outcome_of(votes, settings) != "conflict":
        raise ValidationError("The reviewers no longer disagree on this record.")
    if stage == Stage.FULL_TEXT and verdict == Verdict.EXCLUDE and not (reason or reason_other):
        raise ValidationError("Excluding a full text needs a reason (a criterion, or other).")
    resolution = Resolution.objects.create(
        review=review, record=paper, paper=paper, stage=stage, verdict=verdict, reason=reason,
        reason_other=reason_other, note=note, resolved_by=user,
    )  # fmt: skip
    reason_text = _reason_text(reason, reason_other)
    audit_log(
        review=review, kind=AuditKind.RESOLUTION, actor=user, record_id=paper.pk, stage=stage,
        summary=f"Conflict resolved at {Stage(stage).label.lower()}: {verdict}"
        + (f" ({reason_text})" if reason_text else ""),
        detail={"verdict": verdict, "reason": reason_text, "note": note},
    )  # fmt: skip
    _follow(review, paper, stage, "conflict", verdict)
    ranking_request(review=review, stage=stage, settings=settings)
    return resolution


OUTCOME_FIELDS = ("reviewers_required", "reasons_must_agree", "maybe_counts_as_include")


@transaction.atomic
def stage_settings_update(*, review: Review, stage: str, user, **fields) -> StageSettings:
    if not is_lead_of(review, user):
        raise ValidationError("Only a lead changes how a stage is screened.")
    settings = stage_settings(review, stage)
    resolver = fields.get("resolver")
    if resolver is not None and not is_member(review, resolver):
        raise ValidationError("The resolver must be a member of the review.")
    # Fields that decide outcomes: papers whose outcome they move are followed by the next
    # stage, as after a vote (2 -> 1 reviewers makes a lone include an include with a report
    # to retrieve; 1 -> 2 takes a report back from a paper now awaiting a second vote).
    moves = any(
        getattr(settings, name) != fields[name]
        for name in OUTCOME_FIELDS if name in fields
    )  # fmt: skip
    before = paper_outcomes(review, stage) if moves else {}
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    if moves:
        after = paper_outcomes(review, stage)
        for pk in sorted(before.keys() | after.keys()):
            old, new = before.get(pk, ("awaiting",))[0], after.get(pk, ("awaiting",))[0]
            if old != new:
                _follow(review, Record.objects.get(pk=pk), stage, old, new)
    # Switched to ranking (or its settings changed): train now, not after N decisions.
    ranking_request(review=review, stage=stage, settings=settings, force=True)
    return settings


# --- hooks into the reviews app ---------------------------------------------------------


@register_cluster_listener
def _decisions_follow_their_paper(review_id: int) -> None:
    """Keep each decision and resolution with the primary record of its record's cluster:
    work done on a record that later turns out to be a duplicate is not lost."""
    primary = Record.objects.filter(pk=OuterRef("record_id")).values(
        p=Coalesce("duplicate_of_id", "pk")
    )[:1]
    Decision.objects.filter(review_id=review_id).exclude(paper_id=Subquery(primary)).update(
        paper_id=Subquery(primary)
    )
    # A report follows its record into the cluster's primary when that has none.
    target: int | None
    for report in Report.objects.filter(review_id=review_id, record__duplicate_of__isnull=False):
        target = (
            Record.objects.filter(pk=report.record_id)
            .values_list("duplicate_of_id", flat=True)
            .get()
        )
        if not Report.objects.filter(record_id=target).exists():
            Report.objects.filter(pk=report.pk).update(record_id=target)
    _resolutions_follow_their_record(review_id)
    review = Review.objects.get(pk=review_id)
    _automation_give_back(review)
    _reports_follow_outcomes(review)


def _resolutions_follow_their_record(review_id: int) -> None:
    """Each resolution counts on the current primary of the record it was made on, when
    that primary has no other one for the stage: one made on the primary itself first, else
    the earliest. The others stay on their own record (kept, shown with the cluster's
    history, not counted); a split gives a resolution back to its record. (Resolutions are
    few: read them all.)"""
    rows = list(
        Resolution.objects.filter(review_id=review_id)
        .annotate(primary=Coalesce("record__duplicate_of_id", "record_id"))
        .order_by("resolved_at", "pk")
        .values_list("pk", "stage", "record_id", "paper_id", "primary")
    )
    winner: dict[tuple[int, str], int] = {}
    for pk, stage, record, _, primary in rows:
        key = (primary, stage)
        if key not in winner or record == primary:  # oldest first; its own record wins
            winner[key] = pk
    chosen = set(winner.values())
    target = {pk: (primary if pk in chosen else record) for pk, _, record, _, primary in rows}
    # Move them one by one so that (paper, stage) stays unique at every step: a move waits
    # until its place is free (targets are distinct: a left-behind one's record is a
    # duplicate, no other resolution's target).
    at = {(paper, stage): pk for pk, stage, _, paper, _ in rows}
    place = {pk: (paper, stage) for pk, stage, _, paper, _ in rows}
    pending = [pk for pk, stage, _, paper, _ in rows if target[pk] != paper]
    while pending:
        ready = [pk for pk in pending if at.get((target[pk], place[pk][1])) in (None, pk)]
        if not ready:
            break  # cannot happen with distinct targets; never loop forever
        for pk in ready:
            stage = place[pk][1]
            Resolution.objects.filter(pk=pk).update(paper_id=target[pk])
            del at[place[pk]]
            place[pk] = (target[pk], stage)
            at[place[pk]] = pk
        pending = [pk for pk in pending if pk not in ready]


def _automation_give_back(review: Review) -> None:
    """A merge brought a final verdict, an Include or Maybe vote, or the required votes to a
    paper the automation tool had excluded: people have screened it, so the tool's exclusion
    of it no longer holds (deleted, with a history row; undoing the stop cannot bring it
    back, a person's vote decides)."""
    stage = Stage.TITLE_ABSTRACT
    excluded = automation_excluded(review, stage)
    if not excluded:
        return
    settings = stage_settings(review, stage)
    votes = votes_by_paper(review, stage)
    resolved = set(resolutions(review, stage))
    stale = [
        paper
        for paper in AutomationExclusion.objects.filter(review=review, stage=stage).values_list(
            "paper_id", flat=True
        )
        if paper in resolved
        or (
            paper in excluded
            and paper in votes
            and (
                any(v != Verdict.EXCLUDE for v, _ in votes[paper].values())
                or decide(votes[paper], settings) != "awaiting"
            )
        )
    ]
    if not stale:
        return
    AutomationExclusion.objects.filter(review=review, stage=stage, paper_id__in=stale).delete()
    audit_log_records(
        review=review, kind=AuditKind.STOP_UNDO, stage=stage, record_ids=stale,
        summary="No longer excluded by the automation tool: records merged into this paper "
        "brought people's votes or a final verdict",
    )  # fmt: skip


def _reports_follow_outcomes(review: Review) -> None:
    """After clusters change, every paper included at title/abstract has an eligible report
    and no other paper has one (`report_follow`, as after a vote): a merge can join an
    include and an exclude, a split can give an include back to a record without a report.
    Reports found by other methods are not screened at title/abstract and stay."""
    outcomes = paper_outcomes(review, Stage.TITLE_ABSTRACT)
    included = {p for p, (o, _, _) in outcomes.items() if o == Verdict.INCLUDE}
    reports = {
        record: eligible
        for record, eligible in Report.objects.filter(
            review=review, other_method=False, record__duplicate_of__isnull=True
        ).values_list("record_id", "eligible")
    }
    gained = [p for p in included if not reports.get(p, False)]
    lost = [p for p, eligible in reports.items() if eligible and p not in included]
    for record in Record.objects.filter(pk__in=gained + lost).order_by("pk"):
        if record.pk in included:
            report_follow(review=review, paper=record, before="", after=Verdict.INCLUDE)
        else:
            after = outcomes.get(record.pk, ("awaiting",))[0]
            report_follow(review=review, paper=record, before=Verdict.INCLUDE, after=after)


@register_undo_guard
def _screened_records_stay(batch: ImportBatch) -> str:
    records = Record.objects.filter(batch=batch).values("pk")
    screened = (
        Decision.objects.filter(Q(record__in=records) | Q(paper__in=records)).exists()
        or DecisionEvent.objects.filter(record__in=records).exists()
        or Resolution.objects.filter(Q(paper__in=records) | Q(record__in=records)).exists()
        or Report.objects.filter(record__in=records).exists()
    )
    return "some of its records have been screened" if screened else ""
