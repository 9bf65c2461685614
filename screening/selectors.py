"""Reads for screening pages. States (awaiting, included, excluded, conflict) are derived
here from Decision and Resolution rows.

Blinding: every function that a reviewer's page calls reads that reviewer's own votes only;
the ones that read everybody's (conflicts, agreement, history) are for leads and resolvers.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from lib import ranking
from lib.screening import Agreement, Highlighter, agreement
from lib.screening.highlight import parse_terms
from lib.screening.labels import disambiguate
from reviews.access import seat_of
from reviews.access import team as review_team
from reviews.models import Arm, BatchStatus, ImportBatch, Record, Review, Source
from screening.outcomes import (  # the rules' one home; re-exported for the pages
    CONFLICT,
    EXCLUDE,
    ConflictCounts,
    StageSummary,
    automation_excluded,
    binary,
    conflict_counts,
    counted,
    decide,
    included_studies,
    newest_per_reviewer,
    outcome_counts,
    outcome_of,
    paper_outcomes,
    papers,
    reason_key,
    resolutions,
    sought_reports,
    stage_settings,
    stage_summary,
    votes_by_paper,
)

__all__ = [
    "StageSummary", "included_studies", "outcome_of", "papers", "reason_key", "stage_settings",
    "stage_summary",
]  # fmt: skip
from screening.models import (
    AutomationExclusion,
    AutomationStop,
    Decision,
    DecisionEvent,
    Note,
    Order,
    RankingModel,
    RankingScore,
    Report,
    Resolution,
    Retrieval,
    ReviewerCursor,
    Stage,
    StageSettings,
    Study,
    Verdict,
)

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    from screening.access import Viewer

    class _Excluded(TypedDict):
        excluded: int


def highlighter(settings: StageSettings) -> Highlighter:
    return Highlighter(parse_terms(settings.include_terms), parse_terms(settings.exclude_terms))


@dataclass(frozen=True, slots=True)
class Lane:
    """One reviewer's order: a random key, walked up or down (an index serves either) from
    a starting point."""

    name: str
    column: str
    descending: bool
    start: int | None = None


_LANES = (
    Lane("a-up", "shuffle_a", False),
    Lane("b-up", "shuffle_b", False),
    Lane("a-down", "shuffle_a", True),
    Lane("b-down", "shuffle_b", True),
)
IMPORT_LANE = Lane("import", "id", False)
RANKED_LANE = Lane("ranked", "score", True)


def lane_for(review: Review, reviewer, settings: StageSettings) -> Lane:
    """A reviewer's order follows their seat on the team (the order they joined in), so the
    first four reviewers all screen in different orders and nobody's order changes when
    someone leaves. Beyond four, lanes are shared but entered at points spread over the
    keys (by the golden ratio), so that reviewers sharing a lane rarely meet."""
    if settings.order == Order.IMPORT:
        return IMPORT_LANE
    seat = seat_of(review, reviewer)
    lane = _LANES[seat % len(_LANES)]
    turn = seat // len(_LANES)
    if turn == 0:
        return lane
    return Lane(f"{lane.name}-{turn}", lane.column, lane.descending, turn * 0x9E3779B1 % 2**31)


def next_record(
    review: Review, reviewer, stage: str, settings: StageSettings, *, position: int | None = None
) -> Record | None:
    """The first paper in the reviewer's order after their place that they have not decided
    and that fewer than the required reviewers have decided. `position`: the place, when
    the caller has just set it (saves reading the cursor).

    By predicted relevance: the highest-scored such paper of the reviewer's own ranking
    (services.ranking); papers without a score yet (before the first model, or imported
    since) follow in the reviewer's random order."""
    if settings.order == Order.RELEVANCE:
        found = _next_sql(review, reviewer, stage, settings, RANKED_LANE, None)
        if found is not None:
            return found
    lane = lane_for(review, reviewer, settings)
    if position is None:
        cursor = ReviewerCursor.objects.filter(
            review=review, reviewer=reviewer, stage=stage
        ).first()
        position = cursor.position if cursor and cursor.lane == lane.name else lane.start
    if position is not None:
        found = _next_sql(review, reviewer, stage, settings, lane, position)
        if found is not None:
            return found
    # From the top: records imported or released since the reviewer passed their place.
    return _next_sql(review, reviewer, stage, settings, lane, None)


def _next_sql(review, reviewer, stage, settings, lane: Lane, position: int | None):
    # Hand-written because it runs on every decision: one statement whose plan is an index
    # walk along (review, key) from the reviewer's place, stopping at the first record that
    # passes the two per-record checks. The ORM spent longer building it than the database
    # spent running it.
    record, batch, decision, report, source, excluded, scores = (
        Record._meta.db_table, ImportBatch._meta.db_table, Decision._meta.db_table,
        Report._meta.db_table, Source._meta.db_table, AutomationExclusion._meta.db_table,
        RankingScore._meta.db_table,
    )  # fmt: skip
    join = ""
    params: list[object] = []
    if lane is RANKED_LANE:
        # An index walk along (review, stage, reviewer, -score): the reviewer's own ranking.
        join = (
            f"JOIN {scores} rs ON rs.record_id = r.id AND rs.review_id = %s AND rs.stage = %s "
            "AND rs.reviewer_id = %s"
        )
        params += [review.pk, stage, reviewer.pk]
        column, order = "", "rs.score DESC, r.id ASC"
    else:
        column = {"shuffle_a": "shuffle_a", "shuffle_b": "shuffle_b", "id": "id"}[lane.column]
        order = f"r.{column} {'DESC' if lane.descending else 'ASC'}"
    after = ""
    params += [review.pk, review.pk, BatchStatus.DONE]
    if stage == Stage.FULL_TEXT:
        after += (
            f"AND EXISTS (SELECT 1 FROM {report} rp WHERE rp.record_id = r.id "  # noqa: S608
            "AND rp.retrieval = %s AND rp.eligible) "
        )
        params.append(Retrieval.RETRIEVED)
    else:
        # Other-method records not pooled with the database records skip this stage.
        after += (
            f"AND r.batch_id NOT IN (SELECT b.id FROM {batch} b JOIN {source} s "  # noqa: S608
            "ON s.id = b.source_id WHERE b.review_id = %s AND s.arm = %s "
            "AND NOT s.pooled_into_screening) "
        )
        params += [review.pk, Arm.OTHER_METHODS]
    if position is not None:
        after += f"AND r.{column} {'<' if lane.descending else '>'} %s"
        params.append(position)
    params += [stage, stage, reviewer.pk, stage, settings.reviewers_required]
    sql = f"""
        SELECT r.* FROM {record} r {join}
        WHERE r.review_id = %s AND r.dedup_checked AND r.duplicate_of_id IS NULL
          AND r.batch_id IN (SELECT b.id FROM {batch} b WHERE b.review_id = %s AND b.status = %s)
          {after}
          AND NOT EXISTS (SELECT 1 FROM {excluded} x WHERE x.paper_id = r.id AND x.stage = %s)
          AND NOT EXISTS (
            SELECT 1 FROM {decision} d
            WHERE d.paper_id = r.id AND d.stage = %s AND d.reviewer_id = %s)
          AND (SELECT COUNT(DISTINCT d.reviewer_id) FROM {decision} d
               WHERE d.paper_id = r.id AND d.stage = %s) < %s
        ORDER BY {order}
        LIMIT 1
    """  # noqa: S608 - table and column names come from the models and a fixed list
    found = list(Record.objects.raw(sql, params))
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Progress:
    papers: int
    mine: int
    votes: int | None  # None for a viewer who may not count votes (screening.access)
    votes_needed: int
    settled: int = 0  # papers every required reviewer has voted on, or resolved

    @property
    def mine_percent(self) -> int:
        return min(100, round(100 * self.mine / self.papers)) if self.papers else 0

    @property
    def overall_percent(self) -> int:
        if self.votes is None:
            return min(100, round(100 * self.settled / self.papers)) if self.papers else 0
        return min(100, round(100 * self.votes / self.votes_needed)) if self.votes_needed else 0


def progress(review: Review, viewer: Viewer, stage: str, settings: StageSettings) -> Progress:
    """The viewer's own count, and the stage's: votes cast for a lead; for anyone else the
    papers settled (every slot filled, or resolved), which no open vote moves."""
    pool = papers(review, stage)
    total = pool.count()
    # Papers, not rows: records merged after screening bring two votes of one reviewer (and
    # perhaps more reviewers than the stage needs) to one paper. A vote fills a place: each
    # reviewer once per paper, at most the required number per paper, papers of the stage
    # only, so "votes of votes needed" never passes 100 %.
    in_pool = Decision.objects.filter(review=review, stage=stage, paper__in=pool.values("pk"))
    votes = None
    if viewer.sees_vote_counts:
        placed = (
            in_pool.values("paper")
            .annotate(n=Count("reviewer", distinct=True))
            .values_list("n", flat=True)
        )
        votes = sum(min(n, settings.reviewers_required) for n in placed.iterator(chunk_size=5000))
    return Progress(
        papers=total,
        mine=in_pool.filter(reviewer_id=viewer.user_id).values("paper").distinct().count(),
        votes=votes,
        votes_needed=total * settings.reviewers_required,
        settled=pool.filter(pk__in=viewer.settled(stage).values("pk")).count(),
    )


def my_decision(paper: Record, reviewer, stage: str) -> Decision | None:
    """The reviewer's newest vote on the paper (records merged after screening may bring
    two: both count; a new vote replaces them)."""
    return (
        Decision.objects.filter(paper=paper, reviewer=reviewer, stage=stage)
        .order_by("-updated_at", "-pk")
        .first()
    )


def my_last_decision(review: Review, reviewer, stage: str) -> Decision | None:
    """The vote "Undo" withdraws (decision_withdraw_last picks the same one)."""
    return (
        Decision.objects.filter(review=review, reviewer=reviewer, stage=stage)
        .order_by("-updated_at", "-pk")
        .first()
    )


def paper_voters(paper: Record, stage: str) -> int:
    """How many reviewers voted on the paper (not who, nor how)."""
    return Decision.objects.filter(paper=paper, stage=stage).values("reviewer").distinct().count()


def my_decisions(review: Review, reviewer, stage: str) -> QuerySet[Decision]:
    resolved = Resolution.objects.filter(paper=OuterRef("paper"), stage=stage)
    return (
        Decision.objects.filter(review=review, reviewer=reviewer, stage=stage)
        .select_related("paper", "reason")
        .annotate(resolved=Exists(resolved))
        .order_by("-updated_at", "-pk")
    )


def paper_votes(paper: Record, stage: str) -> list[Decision]:
    """Every vote that counts on the paper (for leads and resolvers only): each reviewer's
    vote on each record of the paper (records merged after screening bring theirs)."""
    votes = Decision.objects.filter(paper=paper, stage=stage).select_related(
        "reviewer", "reason", "record"
    )
    return sorted(counted(votes), key=lambda v: (v.reviewer_id, v.record_id != paper.pk, v.pk))


def votes_token(votes: list[Decision]) -> str:
    text = "|".join(
        f"{v.pk}:{v.verdict}:{v.reason_id}:{v.reason_other}:{v.updated_at.isoformat()}"
        for v in sorted(votes, key=lambda v: v.pk)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def automation_exclusions(review: Review, stage: str) -> int:
    """PRISMA 2020's "records excluded by automation tools" (its footnote **)."""
    return len(automation_excluded(review, stage))


def automation_stops(
    review: Review, stage: str
) -> list[WithAnnotations[AutomationStop, _Excluded]]:
    """The stops in force, oldest first: rule, params, statistics, stopped_by, stopped_at
    (for PRISMA's footnote: which tool excluded the records, and how)."""
    return list(
        AutomationStop.objects.filter(review=review, stage=stage, undone_at=None)
        .select_related("stopped_by")
        .annotate(excluded=Count("exclusions"))
        .order_by("stopped_at", "pk")
    )


@dataclass(frozen=True, slots=True)
class LateChanges:
    """What clusters changed after screening and team changes did to a stage's counts, for
    the lead's overview (the rules: README, "When clusters change after screening")."""

    merged_papers: int  # papers with votes made on two or more of their records
    second_votes: int  # a reviewer's vote on another record of the same paper (counted)
    extra_reviewers: int  # papers with more reviewers than required (two pairs merged)
    former_members: int  # counted votes by people no longer on the team
    reports_on_duplicates: int  # reports kept on records merged into a paper: not counted

    def __bool__(self) -> bool:
        return any((self.merged_papers, self.second_votes, self.extra_reviewers,
                    self.former_members, self.reports_on_duplicates))  # fmt: skip


def late_changes(review: Review, stage: str, settings: StageSettings) -> LateChanges:
    everything = Decision.objects.filter(review=review, stage=stage)
    team = review_team(review)
    # Two cheap looks first: most reviews have no vote cast on a record that is now a
    # duplicate, and no vote by someone who left; then nothing more is counted.
    merged = everything.exclude(record_id=F("paper_id")).exists()
    left = everything.exclude(reviewer__in=team).exists()
    reports = (
        Report.objects.filter(review=review, record__duplicate_of__isnull=False).count()
        if stage == Stage.FULL_TEXT
        else 0
    )
    if not (merged or left):
        return LateChanges(0, 0, 0, 0, reports)
    votes = everything.filter(paper__in=papers(review, stage).values("pk"))
    pairs = votes.values("paper", "reviewer").distinct()
    return LateChanges(
        merged_papers=(
            votes.exclude(record_id=F("paper_id")).values("paper").distinct().count()
            if merged
            else 0
        ),
        second_votes=votes.count() - pairs.count() if merged else 0,
        extra_reviewers=(
            votes.values("paper")
            .annotate(n=Count("reviewer", distinct=True))
            .filter(n__gt=settings.reviewers_required)
            .count()
            if merged
            else 0
        ),
        former_members=pairs.exclude(reviewer__in=team).count() if left else 0,
        reports_on_duplicates=reports,
    )


def conflict_list(
    review: Review,
    stage: str,
    settings: StageSettings,
    *,
    hide_screened_by: int | None = None,
    reason: int | None = None,
) -> list[Record]:
    """Unresolved conflicts. `hide_screened_by`: leave out the ones this user voted on (a
    named resolver who also screens must not see the other vote on a record still open to
    them). `reason`: only those where a vote excludes for this criterion."""
    ids = [p for p, (o, _, _) in paper_outcomes(review, stage).items() if o == CONFLICT]
    if hide_screened_by is not None:
        mine = set(
            Decision.objects.filter(
                review=review, stage=stage, reviewer_id=hide_screened_by, paper_id__in=ids
            ).values_list("paper_id", flat=True)
        )
        ids = [p for p in ids if p not in mine]
    records = Record.objects.filter(pk__in=ids).select_related("batch__source").order_by("pk")
    if reason is not None:
        voted = Decision.objects.filter(review=review, stage=stage, reason_id=reason)
        records = records.filter(pk__in=voted.values("paper"))
    return list(records)


def resolution_of(paper: Record, stage: str) -> Resolution | None:
    return (
        Resolution.objects.filter(paper=paper, stage=stage)
        .select_related("resolved_by", "reason")
        .first()
    )


def decision_history(paper: Record, stage: str) -> QuerySet[DecisionEvent]:
    """Every change to any vote on the paper's records (leads and resolvers only)."""
    members = Record.objects.filter(Q(pk=paper.pk) | Q(duplicate_of_id=paper.pk)).values("pk")
    return (
        DecisionEvent.objects.filter(record__in=members, stage=stage)
        .select_related("reviewer", "reopened_by")
        .order_by("at", "pk")
    )


@dataclass
class PairAgreement:
    first: Any  # users (AbstractBaseUser has no username to the type checker)
    second: Any
    table: Agreement
    resolved_include: int = 0
    resolved_exclude: int = 0
    unresolved: int = 0
    left_out: int = 0  # items with a Maybe vote when Maybe does not count as Include


@dataclass
class AgreementReport:
    pairs: list[PairAgreement] = field(default_factory=list)
    overall: Agreement | None = None
    maybe_rule: str = ""
    # The stage's conflicts by the outcome rule (the stage page's numbers), not b + c.
    conflicts: ConflictCounts = field(default_factory=ConflictCounts)


def agreement_report(review: Review, stage: str, settings: StageSettings) -> AgreementReport:
    """Per reviewer pair and overall, from the reviewers' final independent votes before
    any resolution (reporting spec section 10)."""
    resolved = resolutions(review, stage)
    votes = votes_by_paper(review, stage)
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0, 0])
    for paper, paper_votes in votes.items():
        by = newest_per_reviewer(paper_votes)  # agreement is between reviewers
        for r1, r2 in combinations(sorted(by), 2):
            c = cells[(r1, r2)]
            v1, v2 = binary(by[r1][0], settings), binary(by[r2][0], settings)
            if Verdict.MAYBE in (v1, v2):
                c[7] += 1
                continue
            c[(v1 != Verdict.INCLUDE) * 2 + (v2 != Verdict.INCLUDE)] += 1
            if v1 != v2:
                verdict = resolved.get(paper)
                c[4 if verdict == Verdict.INCLUDE else 5 if verdict else 6] += 1
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk({u for pair in cells for u in pair})
    report = AgreementReport(
        maybe_rule="Maybe counts as Include"
        if settings.maybe_counts_as_include
        else "Items with a Maybe vote are left out",
        conflicts=conflict_counts(review, stage, votes=votes),
    )
    total = [0, 0, 0, 0]
    for (r1, r2), c in sorted(cells.items()):
        report.pairs.append(
            PairAgreement(users[r1], users[r2], agreement(*c[:4]), c[4], c[5], c[6], c[7])
        )
        total = [t + x for t, x in zip(total, c[:4], strict=True)]
    report.overall = agreement(*total)
    return report


# --- relevance ranking -------------------------------------------------------------------


@dataclass
class RankingStatistics:
    """The lead's panel: how screening is going, in the order papers were first screened."""

    papers: int
    screened: int
    includes: int
    labels: list[int]  # 1/0 per screened paper, in the order of its first vote
    consecutive: int
    remaining: ranking.RemainingEstimate
    model: RankingModel | None = None
    excluded_automation: int = 0

    @property
    def model_version(self) -> int:
        return self.model.version if self.model and self.model.trained_at else 0


def screened_sequence(review: Review, stage: str, settings: StageSettings) -> list[int]:
    """1 (include) or 0 per paper with a vote, in the order of its first vote: the final
    verdict where there is one, otherwise include if any reviewer's vote is Include (or a
    Maybe that counts as one). For leads: it reads everybody's votes."""
    resolved = resolutions(review, stage)
    voted = votes_by_paper(review, stage)
    first = (
        Decision.objects.filter(review=review, stage=stage)
        .values("paper_id")
        .annotate(at=Min("created_at"), first_pk=Min("pk"))
        .order_by("at", "first_pk")
        .values_list("paper_id", flat=True)
    )
    labels = []
    for paper in first.iterator(chunk_size=5000):
        if paper not in voted:
            continue  # full text: a report no longer eligible
        if paper in resolved:
            labels.append(int(resolved[paper] == Verdict.INCLUDE))
            continue
        by = voted[paper]
        if decide(by, settings) == Verdict.EXCLUDE:
            labels.append(0)
        else:
            labels.append(int(any(binary(v, settings) == Verdict.INCLUDE for v, _ in by.values())))
    return labels


def ranking_statistics(review: Review, stage: str, settings: StageSettings) -> RankingStatistics:
    total = papers(review, stage).count()
    labels = screened_sequence(review, stage, settings)
    automated = automation_exclusions(review, stage)
    return RankingStatistics(
        papers=total,
        screened=len(labels),
        includes=sum(labels),
        labels=labels,
        consecutive=ranking.consecutive_excludes(labels),
        # Records excluded by the tool are not screened, but no longer to screen either.
        remaining=ranking.estimate_remaining(labels, total - automated),
        model=RankingModel.objects.filter(review=review, stage=stage).first(),
        excluded_automation=automated,
    )


# --- full texts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetrievalCounts:
    sought: int  # PRISMA: reports sought for retrieval
    to_retrieve: int
    retrieved: int
    not_retrieved: int  # PRISMA: reports not retrieved
    other_methods: int


def retrieval_counts(review: Review, viewer: Viewer) -> RetrievalCounts:
    """Reports of papers still included at title/abstract (or found by other methods), of
    those the viewer may know of."""
    counts = viewer.reports(sought_reports(review)).aggregate(
        sought=Count("pk"),
        to_retrieve=Count("pk", filter=Q(retrieval=Retrieval.TO_RETRIEVE)),
        retrieved=Count("pk", filter=Q(retrieval=Retrieval.RETRIEVED)),
        not_retrieved=Count("pk", filter=Q(retrieval=Retrieval.NOT_RETRIEVED)),
        other=Count("pk", filter=Q(other_method=True)),
    )
    return RetrievalCounts(
        counts["sought"], counts["to_retrieve"], counts["retrieved"], counts["not_retrieved"],
        counts["other"],
    )  # fmt: skip


def report_list(review: Review, viewer: Viewer, retrieval: str = "") -> QuerySet[Report]:
    reports = viewer.reports(review.reports.all()).select_related(
        "record", "record__batch__source", "study"
    )
    if retrieval:
        reports = reports.filter(retrieval=retrieval)
    return reports.order_by("retrieval", "record_id")


def report_of(review: Review, report_id: int, viewer: Viewer) -> Report:
    """Raises Report.DoesNotExist for a report the viewer may not know of."""
    return (
        viewer.reports(review.reports.all())
        .select_related("record", "record__batch__source", "study")
        .get(pk=report_id)
    )


def report_ids_by_number(review: Review, numbers: Iterable[int]) -> dict[int, int]:
    """Record number (the "#N" every page shows, `Record.label_number`) -> the id of that
    record's report in this review; a number with no report is left out."""
    wanted = set(numbers)
    if not wanted:
        return {}
    rows = review.reports.filter(
        Q(record__number__in=wanted) | Q(record__number__isnull=True, record_id__in=wanted)
    ).values_list("pk", "record__number", "record_id")
    return {number if number is not None else record_id: pk for pk, number, record_id in rows}


def fulltext_exclusions(review: Review, settings: StageSettings) -> list[tuple[str, int]]:
    """Reports excluded at full text, by reason (the resolution's, or the agreed one):
    PRISMA's 'reports excluded' with one line per reason."""
    # A reason is named by its code and label ("E3 Wrong outcome"), never the code alone.
    codes = {c.pk: f"{c.code} {c.reason_label}" for c in review.criteria.all()}
    counts: dict[str, int] = defaultdict(int)
    for row in outcome_counts(review, Stage.FULL_TEXT):
        if row.outcome == EXCLUDE:
            other = row.reason_other
            named = codes.get(row.reason_id) if row.reason_id is not None else None
            label = named or (f"Other: {other}" if other else "No reason")
            counts[label] += row.papers
    return sorted(counts.items())


def study_list(review: Review) -> QuerySet[Study]:
    return review.studies.prefetch_related("reports__record").order_by("label", "pk")


def primary_report(study: Study) -> Report | None:
    """The report a study is named after, whose citation stands for the study in tables: the
    first (by id) whose record gives the study's label, else the first report. Linking a
    later report into a study never changes its citation (reads `study.reports.all()`, so a
    prefetch with records serves it without queries)."""
    from screening.services.fulltexts import study_label  # a pure function of the record

    reports = sorted(study.reports.all(), key=lambda r: r.pk)
    named = (r for r in reports if study_label(r.record) == study.label)
    return next(named, reports[0] if reports else None)


def study_labels(review: Review) -> dict[int, str]:
    """{study id: the label tables print} ("Lambert 2003a" / "Lambert 2003b" when two studies
    share a label; lib.screening.labels)."""
    return disambiguate(review.studies.values_list("pk", "label"))


def cite(review: Review, studies: Iterable[Study]) -> list[Study]:
    """The studies with `Study.cited` filled in from one query (for lists and tables)."""
    labels = study_labels(review)
    out = list(studies)
    for study in out:
        study.__dict__["cited"] = labels.get(study.pk, study.label)  # cached_property's slot
    return out


def _num(value: float | None, places: int = 4) -> str:
    return "" if value is None else f"{value:.{places}f}"


def agreement_csv_rows(report: AgreementReport, stage: str) -> list[list]:
    """The agreement report's CSV rows: a header, one row per pair, then all pairs."""
    rows: list[list] = [[
        "stage", "rater_1", "rater_2", "n", "a_both_include", "b_1_include_2_exclude",
        "c_1_exclude_2_include", "d_both_exclude", "observed_agreement", "expected_agreement",
        "kappa", "se", "ci_low", "ci_high", "pabak", "prevalence_index", "bias_index",
        "positive_agreement", "negative_agreement", "verdict_disagreements", "resolved_include",
        "resolved_exclude", "unresolved", "maybe_rule", "conflicts", "conflicts_resolved",
        "conflicts_open", "conflicts_on_reasons",
    ]]  # fmt: skip
    # verdict_disagreements (b + c) and the three after it are per pair; the stage's
    # conflicts (the outcome rule's, as the stage page counts them) are on the last row.
    for p in report.pairs:
        t = p.table
        rows.append([
            stage, p.first.username, p.second.username, t.n, t.a, t.b, t.c, t.d, _num(t.p_o),
            _num(t.p_e), _num(t.kappa), _num(t.se), _num(t.ci_low), _num(t.ci_high),
            _num(t.pabak), _num(t.prevalence_index), _num(t.bias_index), _num(t.p_pos),
            _num(t.p_neg), t.disagreements, p.resolved_include, p.resolved_exclude,
            p.unresolved, report.maybe_rule, "", "", "", "",
        ])  # fmt: skip
    if report.overall is not None:
        t, c = report.overall, report.conflicts
        rows.append([
            stage, "(all pairs)", "", t.n, t.a, t.b, t.c, t.d, _num(t.p_o), _num(t.p_e),
            _num(t.kappa), _num(t.se), _num(t.ci_low), _num(t.ci_high), _num(t.pabak),
            _num(t.prevalence_index), _num(t.bias_index), _num(t.p_pos), _num(t.p_neg),
            t.disagreements, sum(p.resolved_include for p in report.pairs),
            sum(p.resolved_exclude for p in report.pairs), sum(p.unresolved for p in report.pairs),
            report.maybe_rule, c.total, c.resolved, c.open,
            "" if c.on_reasons is None else c.on_reasons,
        ])  # fmt: skip
    return rows


# --- discussion notes (issue #21; who reads them: screening.access rule 5) ----------------


def _notes_of_papers(review: Review, stage: str) -> QuerySet[Note]:
    return Note.objects.filter(review=review, stage=stage)


def paper_notes(viewer: Viewer, paper: Record, stage: str) -> list[Note] | None:
    """The notes on the paper (and on records merged into it) at `stage`, oldest first,
    tombstones included; None when the viewer may not read them yet."""
    if not viewer.sees_notes(stage, paper.pk):
        return None
    return list(
        _notes_of_papers(viewer.review, stage)
        .filter(Q(paper=paper) | Q(paper__duplicate_of=paper))
        .select_related("author", "paper")
        .order_by("created_at", "pk")
    )


def note_counts(viewer: Viewer, stage: str, paper_ids: Iterable[int]) -> dict[int, int]:
    """paper -> how many notes (not deleted) the viewer may read on it at `stage`."""
    notes = _notes_of_papers(viewer.review, stage).filter(deleted_at__isnull=True)
    visible = viewer.notes_papers(stage)
    ids = list(paper_ids)
    rows = (
        notes.filter(Q(paper__in=ids) | Q(paper__duplicate_of__in=ids))
        .annotate(of=Coalesce("paper__duplicate_of_id", "paper_id"))
        .values("of")
        .annotate(n=Count("pk"))
        .values_list("of", "n")
    )
    if visible is not None:
        rows = rows.filter(of__in=visible.values("pk"))
    return dict(rows)
