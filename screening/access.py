"""What a member may know of screening, full texts and what follows from them, written down
once (issue #16.1). Every view, selector and export that shows something derived from
votes asks the `Viewer` here instead of deciding per page.

The rules:
1. A lead knows everything: every vote, every outcome, every count.
2. Anyone else knows their own votes, and records, reports and studies that are final for
   everyone. A paper's outcome at a stage is final once every required reviewer has voted
   (the votes are then fixed: `services.decisions._check_open`; a change goes through a
   lead's reopening or a resolution) or a resolution is recorded.
3. Nothing that depends on a colleague's open vote (a vote on a paper with a slot still
   open): no count of votes cast, no outcome of an unsettled paper, no colleague's draft.
4. A reviewer's export holds their own decisions and no derived outcome columns (final
   verdicts, retrieval, study).
5. Discussion notes on a paper at a stage (issue #21): a lead reads them always; anyone
   else (a reviewer, the named resolver) once the paper is final for everyone there (rule
   2: its votes fixed, or resolved, or excluded by the automation tool), so a note can
   never tell a colleague's open vote. The named resolver reaches conflicts only, which
   are always final in that sense. Leads write notes anywhere, the resolver where they may
   read them; reviewers write none.

`tests/security/test_blinding_differential.py` checks rule 3 over every URL a reviewer may
open: two worlds that differ only in a colleague's open vote render the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet

from reviews.access import viewer_member
from reviews.models import Record, Review, Role
from screening.models import (
    AutomationExclusion,
    Decision,
    Report,
    Resolution,
    Stage,
    StageSettings,
    Study,
)
from screening.outcomes import paper_outcomes, papers, stage_settings

# A paper's screening status at a stage, as this viewer may know it (issue #21.2).
AWAITING_ME = "awaiting_me"
AWAITING_OTHERS = "awaiting_others"
STATUS_LABELS = {
    AWAITING_ME: "Awaiting me",
    AWAITING_OTHERS: "Awaiting others",
    "conflict": "Conflict",
    "included": "Included",
    "excluded": "Excluded",
    "duplicate": "Duplicate",
}


@dataclass(frozen=True, slots=True)
class Viewer:
    """The member looking: `review.viewer` as set by `reviews.access.review_for_user`."""

    review: Review
    user_id: int
    role: str

    @classmethod
    def everything(cls, review: Review) -> Viewer:
        """The whole picture, for code that reports for leads (PRISMA, a lead's export,
        the demo's checks): the same as a lead's view."""
        return cls(review, 0, Role.LEAD)

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD

    @property
    def sees_all_votes(self) -> bool:
        """Every reviewer's votes, the conflicts, the agreement, the history of others."""
        return self.is_lead

    @property
    def sees_vote_counts(self) -> bool:
        """Counts of votes cast move with a colleague's open vote: leads only."""
        return self.is_lead

    @property
    def sees_derived_columns(self) -> bool:
        """Final verdicts, retrieval and study columns in the records exports."""
        return self.is_lead

    @property
    def sees_drafts(self) -> bool:
        """Appraisals and extractions that are not final (a colleague's draft)."""
        return self.is_lead

    def votes(self, decisions: QuerySet[Decision]) -> QuerySet[Decision]:
        return decisions if self.sees_all_votes else decisions.filter(reviewer_id=self.user_id)

    def settled(self, stage: str) -> QuerySet[Record]:
        """The review's papers whose outcome at `stage` is final for everyone."""
        return settled_papers(self.review, stage)

    def reports(self, reports: QuerySet[Report]) -> QuerySet[Report]:
        """Reports found by other methods, or of a paper settled at title/abstract."""
        if self.is_lead:
            return reports
        return reports.filter(
            Q(other_method=True) | Q(record__in=self.settled(Stage.TITLE_ABSTRACT).values("pk"))
        )

    def studies(self, studies: QuerySet[Study]) -> QuerySet[Study]:
        """Studies with a report settled at full text (every study is made by a full-text
        include; a lead may also link reports to one), or with no report at all."""
        if self.is_lead:
            return studies
        settled = self.settled(Stage.FULL_TEXT).values("pk")
        return studies.filter(Q(reports__isnull=True) | Q(reports__record__in=settled)).distinct()

    def notes_papers(self, stage: str) -> QuerySet[Record] | None:
        """Rule 5: the papers whose notes at `stage` this viewer reads; None for all."""
        if self.is_lead:
            return None
        excluded = AutomationExclusion.objects.filter(review=self.review, stage=stage)
        return self.settled(stage) | Record.objects.filter(pk__in=excluded.values("paper"))

    def sees_notes(self, stage: str, paper_id: int) -> bool:
        """Rule 5 for one paper: `notes_papers` asked of one paper's rows only (a page of a
        100,000-record review must not group every vote of the stage)."""
        if self.is_lead:
            return True
        review, required = self.review, stage_settings(self.review, stage).reviewers_required
        of_paper = {"review": review, "stage": stage, "paper_id": paper_id}
        voters = Decision.objects.filter(**of_paper).values("reviewer").distinct().count()
        return (
            voters >= required
            or Resolution.objects.filter(**of_paper).exists()
            or AutomationExclusion.objects.filter(**of_paper).exists()
        )

    def writes_notes(self, stage: str, paper_id: int) -> bool:
        """A lead anywhere; the stage's named resolver where they read notes (rule 5)."""
        if self.is_lead:
            return True
        resolver = stage_settings(self.review, stage).resolver_id
        return resolver == self.user_id and self.sees_notes(stage, paper_id)

    def paper_statuses(self, stage: str) -> dict[int, str]:
        """paper -> status at `stage` (a key of STATUS_LABELS) for every paper the stage
        screens. A paper with a slot still open is "awaiting me" or "awaiting others" by
        the viewer's own vote alone, for everyone (rule 3: never "conflict" or "included"
        from a colleague's open vote); a resolution or a lead's early stop is final."""
        # The outcome rules' one home (screening.outcomes): a resolution, then an early
        # stop, then the counted votes; "awaiting" while a slot is open.
        outcomes = paper_outcomes(self.review, stage)
        final = {"include": "included", "exclude": "excluded", "conflict": "conflict",
                 "automation": "excluded"}  # fmt: skip
        mine = set(
            Decision.objects.filter(
                review=self.review, stage=stage, reviewer_id=self.user_id
            ).values_list("paper_id", flat=True)
        )
        out: dict[int, str] = {}
        for paper in papers(self.review, stage).values_list("pk", flat=True).iterator():
            outcome = outcomes.get(paper, ("awaiting",))[0]
            out[paper] = final.get(outcome, AWAITING_OTHERS if paper in mine else AWAITING_ME)
        return out


def viewer_of(review: Review) -> Viewer:
    """The Viewer for a review opened through `review_for_user` (which sets
    `review.viewer`); a review opened any other way has no viewer: a mistake, not a lead."""
    member = viewer_member(review)
    return Viewer(review, member.user_id, member.role)


def sees_every_conflict(viewer: Viewer, settings: StageSettings) -> bool:
    """The conflicts page: True for a lead; False for the named resolver (who sees only
    conflicts they did not screen); PermissionDenied for anyone else."""
    if viewer.is_lead:
        return True
    if settings.resolver_id == viewer.user_id:
        return False
    raise PermissionDenied("Only leads and the named resolver see conflicts.")


def conflicts_hidden_from(viewer: Viewer, settings: StageSettings) -> int | None:
    """Whose screened conflicts the viewer's conflicts list leaves out: the named resolver's
    own, unless the stage lets the resolver resolve what they screened; None (nothing left
    out) for a lead."""
    if viewer.is_lead or settings.resolver_may_have_screened:
        return None
    return viewer.user_id


def settled_papers(review: Review, stage: str) -> QuerySet[Record]:
    """Papers every required reviewer has voted on at `stage`, or resolved there."""
    required = stage_settings(review, stage).reviewers_required
    full = (
        Decision.objects.filter(review=review, stage=stage)
        .values("paper")
        .annotate(voters=Count("reviewer", distinct=True))
        .filter(voters__gte=required)
        .values("paper")
    )
    resolved = Resolution.objects.filter(review=review, stage=stage).values("paper")
    return Record.objects.filter(review=review).filter(Q(pk__in=full) | Q(pk__in=resolved))
