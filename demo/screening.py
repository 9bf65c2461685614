"""The demo reviewers' title/abstract votes: realistic, deterministic disagreement.

Both reviewers screen every paper. Of the 163 papers that go on to full text, 23 split the
reviewers; of the 895 excluded, 42 do: 65 conflicts (6%), which the lead resolves to each
paper's intended outcome. Some include votes are Maybe (counted as Include). Exclusion votes
give the criterion the paper was written to fail when it is an exclusion criterion.
"""

from __future__ import annotations

from dataclasses import dataclass

from .papers import EXCLUDE_TITLE_ABSTRACT, DemoPaper

CONFLICTS_AMONG_INCLUDED = 23
CONFLICTS_AMONG_EXCLUDED = 42


@dataclass(frozen=True, slots=True)
class Vote:
    verdict: str  # include, exclude, maybe
    reason: str  # an exclusion criterion's code, or ""


@dataclass(frozen=True, slots=True)
class PaperScreening:
    first: Vote  # reviewer1
    second: Vote  # reviewer2
    resolution: Vote | None  # the lead's, for conflicts


def _mix(paper_id: int) -> int:
    return (paper_id * 2654435761) % 2**32


def screening_plan(papers: list[DemoPaper]) -> dict[int, PaperScreening]:
    plan = {}
    included = sorted(
        (p for p in papers if p.intended != EXCLUDE_TITLE_ABSTRACT), key=lambda p: _mix(p.id)
    )
    excluded = sorted(
        (p for p in papers if p.intended == EXCLUDE_TITLE_ABSTRACT), key=lambda p: _mix(p.id)
    )
    for rank, paper in enumerate(included):
        yes = Vote("maybe" if _mix(paper.id) % 9 == 0 else "include", "")
        no = Vote("exclude", paper.reason if paper.reason.startswith("E") else "")
        if rank < CONFLICTS_AMONG_INCLUDED:
            first, second = (yes, no) if rank % 2 else (no, yes)
            plan[paper.id] = PaperScreening(first, second, Vote("include", ""))
        else:
            plan[paper.id] = PaperScreening(yes, Vote("include", ""), None)
    for rank, paper in enumerate(excluded):
        no = Vote("exclude", paper.reason if paper.reason.startswith("E") else "")
        if rank < CONFLICTS_AMONG_EXCLUDED:
            yes = Vote("maybe" if rank % 3 == 0 else "include", "")
            first, second = (yes, no) if rank % 2 else (no, yes)
            plan[paper.id] = PaperScreening(first, second, no)
        else:
            plan[paper.id] = PaperScreening(no, no, None)
    return plan


# Full text: two conflicts on inclusion resolved to include, two resolved to exclude, and
# two exclusions for different reasons, resolved to the reason the paper was written for.
FULLTEXT_CONFLICTS = (("include", 2), ("exclude", 2), ("reason", 2))
_SPREAD = ("E1", "E2", "E3", "E4", "E6")


def fulltext_reason(paper: DemoPaper) -> str:
    """Process-only papers fail E5; papers without outcome data are spread over the other
    exclusion criteria (the reference report gives no breakdown)."""
    if paper.reason.startswith("E"):
        return paper.reason
    return _SPREAD[_mix(paper.id) % len(_SPREAD)]


def fulltext_plan(papers: list[DemoPaper]) -> dict[int, PaperScreening]:
    """Votes on the 163 full texts: 31 included, 132 excluded with reasons."""
    sought = sorted(
        (p for p in papers if p.intended != EXCLUDE_TITLE_ABSTRACT), key=lambda p: _mix(p.id)
    )
    included = [p for p in sought if p.intended.startswith("include")]
    excluded = [p for p in sought if not p.intended.startswith("include")]
    plan = {}
    yes = Vote("include", "")
    for rank, paper in enumerate(included):
        if rank < FULLTEXT_CONFLICTS[0][1]:
            no = Vote("exclude", fulltext_reason(paper))
            plan[paper.id] = PaperScreening(yes, no, yes)
        else:
            plan[paper.id] = PaperScreening(yes, yes, None)
    for rank, paper in enumerate(excluded):
        no = Vote("exclude", fulltext_reason(paper))
        if rank < FULLTEXT_CONFLICTS[1][1]:
            plan[paper.id] = PaperScreening(no, yes, no)
        elif rank < FULLTEXT_CONFLICTS[1][1] + FULLTEXT_CONFLICTS[2][1]:
            other = "E4" if no.reason != "E4" else "E3"
            plan[paper.id] = PaperScreening(no, Vote("exclude", other), no)
        else:
            plan[paper.id] = PaperScreening(no, no, None)
    return plan
