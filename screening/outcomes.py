"""The one home of two rules: which record is the paper of a stage, and what its outcome is.
The screening pages, the stage overviews, conflicts, agreement, ranking, stopping early,
PRISMA and every export read them from here (reporting only consumes them).

Paper of a stage (`papers`):
- Title/abstract: a record of a finished import, compared by deduplication, that is not a
  duplicate (the primary of its cluster), except records found by other methods that are
  not pooled with the database records (they go straight to full text).
- Full text: a record of a finished import, compared, primary, whose report is retrieved and
  still eligible.

Votes that count (`votes_by_paper`, `counted`): a Decision belongs to the paper of its
record's cluster (`Decision.paper`, kept in step on every cluster change). Every vote on
every record of the cluster counts: per reviewer, their newest vote per record (one row per
record, reviewer and stage). Distinct reviewers fill the required slots; any disagreement
among the counted votes is a conflict for a person to resolve, so a merge after screening
never makes a conflict vanish (record A: include + exclude, record B: exclude + exclude,
merged: a conflict still). A vote a reviewer casts on the merged paper after the merge
replaces their votes on its other records (`decision_record` withdraws them, with history).
Only papers of the stage have counted votes: a vote on a record that is now a duplicate
counts for its primary; a vote left on a record waiting for deduplication counts for
nothing until it is compared.

Resolutions (`Resolution.record`: the record it was made on; `Resolution.paper`: where it
counts): after every cluster change each resolution sits on the current primary of its
record when that primary has no other one for the stage (one made on the primary itself
first, else the earliest); one left behind stays on its own record, kept, not counted.

Outcome of a paper, first match wins (`decide`, `outcome_sql`):
1. a Resolution on the paper itself (the final verdict, whatever votes joined or left it);
2. an AutomationExclusion on the paper (screening stopped early; merges that bring an
   Include, Maybe or enough votes give the paper back: see
   `screening.services.decisions._automation_give_back`);
3. the counted votes: fewer distinct reviewers than required -> awaiting; all Include (Maybe counts as Include
   when the stage says so) -> include; all Exclude -> exclude, unless the stage needs the
   reasons to agree and they differ -> conflict; anything else -> conflict.
More reviewers than required (two records screened by different pairs, then merged), or one
reviewer with votes on two records of the paper, is not an error: every counted vote takes
part, so an include and an exclude joined are a conflict.

Late merges, splits, undoing an import, removing a member (the facts stay; states follow):
see `screening/README.md`, "When clusters change after screening".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from reviews.models import Arm, BatchStatus, ImportBatch, Record, Review, Source
from screening.models import (
    AutomationExclusion,
    Decision,
    Report,
    Resolution,
    Retrieval,
    Stage,
    StageSettings,
    Verdict,
)

AWAITING, CONFLICT, AUTOMATION = "awaiting", "conflict", "automation"
INCLUDE, EXCLUDE = Verdict.INCLUDE.value, Verdict.EXCLUDE.value


def stage_settings(review: Review, stage: str) -> StageSettings:
    """The stage's settings, read once per review object (that is, once per request)."""
    cache = review.__dict__.setdefault("_stage_settings", {})
    if stage not in cache:
        cache[stage], _ = StageSettings.objects.get_or_create(
            review=review,
            stage=stage,
            # Reasons are optional at title/abstract; at full text one reason per excluded
            # report is what PRISMA reports, so two different reasons need resolving.
            defaults={"reasons_must_agree": stage == Stage.FULL_TEXT},
        )
    return cache[stage]


# --- the paper of a stage --------------------------------------------------------------


def papers(review: Review, stage: str = Stage.TITLE_ABSTRACT) -> QuerySet[Record]:
    """What a stage screens (the rule in the module's docstring)."""
    done = ImportBatch.objects.filter(review=review, status=BatchStatus.DONE).values("pk")
    records = Record.objects.filter(
        review=review, batch_id__in=done, dedup_checked=True, duplicate_of__isnull=True
    )
    if stage == Stage.TITLE_ABSTRACT:
        records = records.exclude(batch__source_id__in=unpooled_sources(review))
    if stage == Stage.FULL_TEXT:
        records = records.filter(report__retrieval=Retrieval.RETRIEVED, report__eligible=True)
    return records


def unpooled_sources(review: Review) -> QuerySet:
    return Source.objects.filter(
        review=review, arm=Arm.OTHER_METHODS, pooled_into_screening=False
    ).values("pk")


def _stage_batches(review: Review, stage: str) -> tuple[set[int], list[int]]:
    """(batches whose records a stage screens, the review's other batches), for the SQL."""
    batches = ImportBatch.objects.filter(review=review, status=BatchStatus.DONE)
    if stage == Stage.TITLE_ABSTRACT:
        batches = batches.filter(
            Q(source__arm=Arm.DATABASES_REGISTERS) | Q(source__pooled_into_screening=True)
        )
    counted = set(batches.values_list("pk", flat=True))
    others = [
        pk
        for pk in ImportBatch.objects.filter(review=review).values_list("pk", flat=True)
        if pk not in counted
    ]
    return counted, others


# --- the outcome rule ------------------------------------------------------------------


def binary(verdict: str, settings: StageSettings) -> str:
    if verdict == Verdict.MAYBE and settings.maybe_counts_as_include:
        return Verdict.INCLUDE
    return verdict


def reason_key(reason_id: int | None, reason_other: str) -> tuple[int | None, str]:
    """Two exclusions agree on their reason when criterion and free text agree."""
    return (reason_id, " ".join(reason_other.lower().split()))


Votes = dict[tuple[int, int], tuple[str, tuple]]  # (reviewer, record) -> (verdict, reason key)


def decide(votes: Votes, settings: StageSettings) -> str:
    """The rule on one paper's counted votes, (reviewer, record) -> (verdict, reason key):
    'awaiting', 'include', 'exclude' or 'conflict'."""
    if len({reviewer for reviewer, _ in votes}) < settings.reviewers_required:
        return AWAITING
    values = {binary(verdict, settings) for verdict, _ in votes.values()}
    if values == {Verdict.INCLUDE}:
        return INCLUDE
    if values == {Verdict.EXCLUDE}:
        if settings.reasons_must_agree and len({reason for _, reason in votes.values()}) > 1:
            return CONFLICT  # excluded by both, for different reasons
        return EXCLUDE
    return CONFLICT  # disagreement, or Maybe votes when Maybe does not count as Include


def counted(decisions: Iterable[Decision]) -> list[Decision]:
    """The votes that count among these (the votes of one paper's records): each reviewer's
    newest vote per record, oldest first."""
    newest: dict[tuple[int, int], Decision] = {}
    for vote in sorted(decisions, key=lambda v: (v.updated_at, v.pk)):
        newest[(vote.reviewer_id, vote.record_id)] = vote
    return list(newest.values())


def outcome_of(votes: list[Decision], settings: StageSettings) -> str:
    """'awaiting', 'include', 'exclude' or 'conflict' from one paper's votes alone."""
    return decide(
        {(v.reviewer_id, v.record_id): (v.verdict, reason_key(v.reason_id, v.reason_other))
         for v in counted(votes)},
        settings,
    )  # fmt: skip


def exclusion_reason(votes: list[Decision]) -> tuple[int | None, str]:
    """The reason an excluded paper counts under: the earliest counted vote's."""
    first = min(counted(votes), key=lambda v: (v.updated_at, v.pk))
    return first.reason_id, first.reason_other


def votes_by_paper(review: Review, stage: str) -> dict[int, Votes]:
    """paper -> (reviewer, record) -> (verdict, reason key): the counted votes of the
    stage's papers, oldest first."""
    out: dict[int, Votes] = defaultdict(dict)
    rows = (
        Decision.objects.filter(review=review, stage=stage, paper__in=papers(review, stage))
        .order_by("updated_at", "pk")
        .values_list("paper_id", "reviewer_id", "record_id", "verdict", "reason_id", "reason_other")
    )
    for paper, reviewer, record, verdict, reason, other in rows.iterator(chunk_size=5000):
        out[paper][(reviewer, record)] = (verdict, reason_key(reason, other))
    return out


def newest_per_reviewer(votes: Votes) -> dict[int, tuple[str, tuple]]:
    """reviewer -> their newest counted vote on the paper (`votes` oldest first): for
    agreement between reviewers and a reviewer's own labels, not for the outcome."""
    return {reviewer: vote for (reviewer, _), vote in votes.items()}


def resolutions(review: Review, stage: str) -> dict[int, str]:
    """paper -> final verdict, for papers of the stage (a resolution left behind on a
    record that was later merged into another paper does not count twice)."""
    return dict(
        Resolution.objects.filter(
            review=review, stage=stage, paper__in=papers(review, stage)
        ).values_list("paper_id", "verdict")
    )


def automation_excluded(review: Review, stage: str) -> set[int]:
    """Papers of the stage excluded by the automation tool (and not resolved)."""
    return set(
        AutomationExclusion.objects.filter(review=review, stage=stage, paper__in=papers(review, stage))
        .exclude(paper__in=Resolution.objects.filter(stage=stage).values("paper"))
        .values_list("paper_id", flat=True)
    )  # fmt: skip


# --- the same rule in SQL (PRISMA counts a 100,000-record review in one GROUP BY) ---------


# Per paper, from its votes (each a reviewer's vote on one record of the paper, all counted):
# n votes; `code` sums 1 per Include (and per Maybe when it counts as Include), 4096 per
# other Maybe, 65536 per Exclude, so "all include" is code = n and "all exclude" is
# code = n * 65536; distinct reviewers are 1 when v_min = v_max, else at least 2 (enough:
# a stage needs 1 or 2, `stage_reviewers_1_or_2`). Integer aggregates only (no DISTINCT,
# no text comparison); anything they cannot settle exactly is 'recheck', decided by
# `_rechecked` with `outcome_of`: an exclusion with a free-text reason, or exclusions for
# different criteria when the reasons need not agree (which vote's reason counts).
_VOTE_AGGREGATES = """
    SELECT x.paper_id AS paper_id, COUNT(*) AS n,
      MIN(x.reviewer_id) AS v_min, MAX(x.reviewer_id) AS v_max,
      SUM(CASE WHEN x.verdict = 'include' THEN 1 WHEN x.verdict = 'maybe' THEN %s
               WHEN x.verdict = 'exclude' THEN 65536 ELSE 0 END) AS code,
      MIN(COALESCE(x.reason_id, 0)) AS r_min, MAX(COALESCE(x.reason_id, 0)) AS r_max,
      MAX(CASE WHEN x.reason_other = '' THEN 0 ELSE 1 END) AS free_text
    FROM {table} x {join}
    WHERE x.review_id = %s AND x.stage = %s
    GROUP BY x.paper_id
"""
_VOTE_OUTCOME = """
    CASE WHEN (CASE WHEN p.v_min = p.v_max THEN 1 ELSE 2 END) < %s THEN 'awaiting'
         WHEN p.code = p.n THEN 'include'
         WHEN p.code = p.n * 65536 AND p.free_text = 1 THEN 'recheck'
         WHEN p.code = p.n * 65536 AND p.r_min <> p.r_max THEN
           CASE WHEN %s = 1 THEN 'conflict' ELSE 'recheck' END
         WHEN p.code = p.n * 65536 THEN 'exclude'
         ELSE 'conflict' END
"""


def outcome_sql(review: Review, stage: str) -> tuple[str, list]:
    """One row per paper of the stage that has votes: paper_id, outcome ('include',
    'exclude', 'conflict', 'awaiting', 'automation' or 'recheck') and the exclusion reason
    (reason_id, reason_other). `decide` in one GROUP BY (tests compare the two on random
    states). 'recheck': a paper the SQL cannot settle alone, decided by `_rechecked`."""
    settings = stage_settings(review, stage)
    d, r, rec, rep, auto = (Decision._meta.db_table, Resolution._meta.db_table,
                            Record._meta.db_table, Report._meta.db_table,
                            AutomationExclusion._meta.db_table)  # fmt: skip
    # The papers of the stage, as `papers` (the batches are few): votes are counted per
    # paper, then the few papers that are not (any longer) papers of the stage are left
    # out with an anti-join, which stays a hash join on a large review.
    _, others = _stage_batches(review, stage)
    other_batches = [str(int(pk)) for pk in others] or ["0"]
    full_text = (
        f"JOIN {rep} rep ON rep.record_id = x.paper_id AND rep.retrieval = 'retrieved' "
        "AND rep.eligible"
        if stage == Stage.FULL_TEXT
        else ""
    )
    inner = _VOTE_AGGREGATES.format(table=d, join=full_text)
    sql = f"""
        SELECT p.paper_id AS paper_id,
          CASE WHEN res.verdict IS NOT NULL THEN res.verdict
               WHEN a.paper_id IS NOT NULL THEN 'automation'
               ELSE {_VOTE_OUTCOME} END AS outcome,
          CASE WHEN res.verdict IS NOT NULL THEN res.reason_id ELSE NULLIF(p.r_min, 0) END
            AS reason_id,
          CASE WHEN res.verdict IS NOT NULL THEN res.reason_other ELSE '' END AS reason_other
        FROM ({inner}) p
        LEFT JOIN (
          SELECT r.id FROM {rec} r WHERE r.review_id = %s AND r.duplicate_of_id IS NOT NULL
          UNION ALL
          SELECT r.id FROM {rec} r WHERE r.review_id = %s AND NOT r.dedup_checked
          UNION ALL
          SELECT r.id FROM {rec} r WHERE r.batch_id IN ({", ".join(other_batches)})
        ) skip ON skip.id = p.paper_id
        LEFT JOIN (SELECT * FROM {r} WHERE review_id = %s AND stage = %s) res
          ON res.paper_id = p.paper_id
        LEFT JOIN (SELECT paper_id FROM {auto} WHERE review_id = %s AND stage = %s) a
          ON a.paper_id = p.paper_id
        WHERE skip.id IS NULL
    """  # noqa: S608 - table names come from the models, batch ids are integers
    params = [
        settings.reviewers_required,
        int(settings.reasons_must_agree),
        1 if settings.maybe_counts_as_include else 4096,
        review.pk,
        stage,
        review.pk,
        review.pk,
        review.pk,
        stage,
        review.pk,
        stage,
    ]
    return sql, params


def _rechecked(
    review: Review, stage: str, ids: list[int]
) -> dict[int, tuple[str, int | None, str]]:
    """paper -> (outcome, reason_id, reason_other) by `outcome_of`, for the few papers the
    SQL leaves to Python."""
    if not ids:
        return {}
    settings = stage_settings(review, stage)
    by: dict[int, list[Decision]] = defaultdict(list)
    for vote in Decision.objects.filter(review=review, stage=stage, paper_id__in=ids):
        by[vote.paper_id].append(vote)
    out = {}
    for paper, votes in by.items():
        outcome = outcome_of(votes, settings)
        rid, other = exclusion_reason(votes) if outcome == EXCLUDE else (None, "")
        out[paper] = (outcome, rid, other)
    return out


def _unvoted_resolutions(review: Review, stage: str) -> dict[int, tuple[str, int | None, str]]:
    """Resolved papers of the stage with no vote left (a split took the votes that were
    resolved back to their own record): the resolution still settles the paper."""
    # One index probe per resolution (they are few), not an anti-join of the stage's votes.
    votes = Decision.objects.filter(paper_id=OuterRef("paper_id"), stage=stage)
    found = {
        paper: (verdict, rid, other or "")
        for paper, verdict, rid, other in Resolution.objects.filter(review=review, stage=stage)
        .exclude(Exists(votes))
        .values_list("paper_id", "verdict", "reason_id", "reason_other")
    }
    if not found:
        return {}
    alive = set(papers(review, stage).filter(pk__in=list(found)).values_list("pk", flat=True))
    return {p: row for p, row in found.items() if p in alive}


def paper_outcomes(review: Review, stage: str) -> dict[int, tuple[str, int | None, str]]:
    """paper -> (outcome, reason_id, reason_other) for every paper of the stage that has
    votes, a resolution or an automation exclusion; papers of the stage missing here are
    awaiting their first vote."""
    sql, params = outcome_sql(review, stage)
    with connection.cursor() as cursor:
        query = f"SELECT o.paper_id, o.outcome, o.reason_id, o.reason_other FROM ({sql}) o"  # noqa: S608
        cursor.execute(query, params)
        out = {p: (o, rid if o == EXCLUDE else None, (other or "") if o == EXCLUDE else "")
               for p, o, rid, other in cursor}  # fmt: skip
    out.update(_rechecked(review, stage, [p for p, row in out.items() if row[0] == "recheck"]))
    out.update(_unvoted_resolutions(review, stage))
    for paper in automation_excluded(review, stage):
        out[paper] = (AUTOMATION, None, "")
    return out


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    outcome: str
    reason_id: int | None
    reason_other: str
    other_method: bool
    papers: int


def outcome_counts(review: Review, stage: str) -> list[OutcomeRow]:
    """Papers by outcome (and, at full text, by reason and column): one row per key, so
    counts add up whichever path decided a paper. Automation exclusions are not here
    (`automation_excluded`); papers with no vote yet neither (`papers` minus the rest)."""
    sql, params = outcome_sql(review, stage)
    rep = Report._meta.db_table
    if stage == Stage.FULL_TEXT:
        query = f"""
            SELECT o.outcome, o.reason_id, COALESCE(o.reason_other, ''), rep.other_method,
                   COUNT(*)
            FROM ({sql}) o JOIN {rep} rep ON rep.record_id = o.paper_id
            GROUP BY o.outcome, o.reason_id, COALESCE(o.reason_other, ''), rep.other_method
        """  # noqa: S608
    else:
        query = f"SELECT o.outcome, NULL, '', 0, COUNT(*) FROM ({sql}) o GROUP BY o.outcome"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        found = list(cursor)
        again = []
        if any(row[0] == "recheck" for row in found):  # rare: fetch those papers' ids
            cursor.execute(f"SELECT o.paper_id FROM ({sql}) o WHERE o.outcome = 'recheck'", params)  # noqa: S608
            again = [row[0] for row in cursor]
    rows = [(o, rid if o == EXCLUDE else None, (other or "") if o == EXCLUDE else "", bool(om), n)
            for o, rid, other, om, n in found if o not in ("recheck", AUTOMATION)]  # fmt: skip
    extra = _rechecked(review, stage, again)
    extra.update(_unvoted_resolutions(review, stage))
    if extra:
        other_method = dict(
            Report.objects.filter(record_id__in=list(extra)).values_list("record_id", "other_method")
        )  # fmt: skip
        for paper, (outcome, rid, other) in extra.items():
            if stage != Stage.FULL_TEXT:  # grouped by outcome alone, as the query above
                rows.append((outcome, None, "", False, 1))
            else:
                rows.append((outcome, rid, other, other_method.get(paper, False), 1))
    merged: dict[tuple, int] = defaultdict(int)
    for outcome, rid, other, om, n in rows:
        merged[(outcome, rid, other, om)] += n
    return [OutcomeRow(*key, n) for key, n in merged.items()]


def outcome_papers(review: Review, stage: str, outcome: str) -> Q:
    """A filter on Record for the papers of a stage with this outcome (for lists)."""
    if outcome == AUTOMATION:
        return Q(pk__in=list(automation_excluded(review, stage)))
    sql, params = outcome_sql(review, stage)
    settled = Q(
        pk__in=RawSQL(f"SELECT o.paper_id FROM ({sql}) o WHERE o.outcome = %s", [*params, outcome])  # noqa: S611,S608
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT o.paper_id FROM ({sql}) o WHERE o.outcome = 'recheck'", params)  # noqa: S608
        again = [row[0] for row in cursor]
    extra = _rechecked(review, stage, again)
    extra.update(_unvoted_resolutions(review, stage))
    return settled | Q(pk__in=[p for p, (o, _, _) in extra.items() if o == outcome])


# --- what the stage pages show -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConflictCounts:
    """A stage's conflicts, resolved or not. A conflict is a paper whose counted votes
    `decide` calls one: different verdicts, a Maybe that does not count as Include, or (when
    the stage needs the reasons to agree) exclusions for different reasons. Open: still
    `conflict`; resolved: settled by a Resolution. Not the same number as the agreement
    table's verdict disagreements (b + c), which leave out reasons and count per pair."""

    open: int = 0
    resolved_include: int = 0
    resolved_exclude: int = 0
    # Of all of them, those where every vote excludes (they differ on the reason only);
    # None when the votes were not read (the stage page does not show it).
    on_reasons: int | None = None

    @property
    def resolved(self) -> int:
        return self.resolved_include + self.resolved_exclude

    @property
    def total(self) -> int:
        return self.open + self.resolved


def conflict_counts(
    review: Review,
    stage: str,
    *,
    rows: list[OutcomeRow] | None = None,
    votes: dict[int, Votes] | None = None,
) -> ConflictCounts:
    """The stage's conflicts (`ConflictCounts`): what the stage page and the agreement page
    both print. `rows`: `outcome_counts` if already read; `votes`: `votes_by_paper` if
    already read, to count the conflicts on reasons only."""
    rows = outcome_counts(review, stage) if rows is None else rows
    resolved = resolutions(review, stage)
    on_reasons = None
    if votes is not None:
        settings = stage_settings(review, stage)
        automation = automation_excluded(review, stage)
        on_reasons = sum(
            1
            for paper, by in votes.items()
            if (paper in resolved or (paper not in automation
                                      and decide(by, settings) == CONFLICT))
            and len(by) > 1
            and all(binary(verdict, settings) == EXCLUDE for verdict, _ in by.values())
            and len({reason for _, reason in by.values()}) > 1
        )  # fmt: skip
    included = sum(1 for verdict in resolved.values() if verdict == INCLUDE)
    return ConflictCounts(
        open=sum(row.papers for row in rows if row.outcome == CONFLICT),
        resolved_include=included,
        resolved_exclude=len(resolved) - included,
        on_reasons=on_reasons,
    )


@dataclass
class StageSummary:
    papers: int = 0
    awaiting: int = 0
    included: int = 0
    excluded: int = 0
    conflicts: int = 0  # unresolved (`ConflictCounts.open`)
    resolved: int = 0  # conflicts settled by a resolution (`ConflictCounts.resolved`)
    resolved_include: int = 0
    resolved_exclude: int = 0
    # PRISMA 2020 "records excluded by automation tools": left unscreened when a lead
    # stopped screening early. Not in `excluded` (human exclusions) nor in `awaiting`.
    excluded_automation: int = 0


def stage_summary(
    review: Review, stage: str, settings: StageSettings | None = None
) -> StageSummary:
    """The stage's papers by outcome: the same counts PRISMA prints (`outcome_counts`)."""
    summary = StageSummary(papers=papers(review, stage).count())
    rows = outcome_counts(review, stage)
    for row in rows:
        if row.outcome == INCLUDE:
            summary.included += row.papers
        elif row.outcome == EXCLUDE:
            summary.excluded += row.papers
    conflicts = conflict_counts(review, stage, rows=rows)
    summary.conflicts = conflicts.open
    summary.resolved = conflicts.resolved
    summary.resolved_include = conflicts.resolved_include
    summary.resolved_exclude = conflicts.resolved_exclude
    summary.excluded_automation = len(automation_excluded(review, stage))
    summary.awaiting = (
        summary.papers
        - summary.included
        - summary.excluded
        - summary.conflicts
        - summary.excluded_automation
    )
    return summary


def sought_reports(review: Review) -> QuerySet[Report]:
    """PRISMA's "reports sought for retrieval": eligible reports (of papers included at
    title/abstract, or found by other methods) on records that are papers, not duplicates.
    A report left on a record later merged into a paper with its own report is kept for
    the work on it but not counted (the paper's report is)."""
    return Report.objects.filter(review=review, eligible=True, record__duplicate_of__isnull=True)


def included_studies(review: Review) -> tuple[int, int]:
    """(studies, included reports without a study) over the reports included at full text,
    in both columns together: a study with a database report and a hand-searched one counts
    once. PRISMA's "studies included" is their sum (an unlinked report is a study of its own)."""
    sql, params = outcome_sql(review, Stage.FULL_TEXT)
    rep = Report._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.paper_id, o.outcome, rep.study_id FROM ({sql}) o "  # noqa: S608
            f"JOIN {rep} rep ON rep.record_id = o.paper_id WHERE o.outcome IN ('include', 'recheck')",
            params,
        )
        rows = {paper: (outcome, study) for paper, outcome, study in cursor}
    again = _rechecked(review, Stage.FULL_TEXT, [p for p, (o, _) in rows.items() if o == "recheck"])
    chosen = [
        study for p, (o, study) in rows.items() if (again[p][0] if o == "recheck" else o) == INCLUDE
    ]
    alone = [
        p for p, (o, _, _) in _unvoted_resolutions(review, Stage.FULL_TEXT).items() if o == INCLUDE
    ]
    chosen += Report.objects.filter(record_id__in=alone).values_list("study_id", flat=True)
    return len({s for s in chosen if s}), sum(1 for s in chosen if not s)
