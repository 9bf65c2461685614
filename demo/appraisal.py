"""The demo's critical appraisal and data extraction of its 31 studies (Smith et al. 2009):
each study appraised with the reference checklist for its design (the 15 studies with health
outcomes are quantitative before-and-after studies, the 16 process studies qualitative) by
both reviewers, who disagree on one question in a few studies, settled by the lead ("joint
re-examination", once a third reviewer); and extracted with the form below, 15 reporting
health outcomes and 16 process only. Deterministic: answers come from the paper's id.
"""

from __future__ import annotations

from dataclasses import dataclass

from .papers import INCLUDE_OUTCOMES, DemoPaper

EXTRACTION_FORM_NAME = "Study characteristics"
EXTRACTION_FORM = """## Study
partnership | Partnership type | single_choice | LSP; HAZ; HImP; HLC; Neighbourhood Renewal; other
setting | Setting | short_text
design | Design | short_text
## Methods and findings
data_collection | Data collection | long_text
health | Reports health outcomes | yes_no
findings | Key findings | long_text
"""
APPRAISAL_DISAGREEMENTS = 6  # studies where the reviewers differ on one question
EXTRACTION_DISAGREEMENTS = 2  # studies where they wrote a different setting

_PARTNERSHIPS = (
    ("Health Action Zone", "HAZ"), ("Local Strategic Partnership", "LSP"),
    ("Health Improvement Programme", "HImP"), ("Healthy Living Centre", "HLC"),
    ("Neighbourhood Renewal", "Neighbourhood Renewal"),
)  # fmt: skip
_SETTINGS = (
    "Urban, North of England", "Inner London boroughs", "Mixed urban and rural county",
    "Former coalfield communities", "Coastal towns in the South West", "West Midlands cities",
)  # fmt: skip
# Answer pattern weights: mostly Yes, with some Can't tell, No and Not applicable.
_ANSWERS = ("yes",) * 6 + ("cant_tell", "cant_tell", "no", "na")


@dataclass(frozen=True, slots=True)
class StudyPlan:
    paper_id: int
    design: str  # qualitative, quantitative
    first: tuple[str, ...]  # reviewer1's answers, Q1..Q10
    second: tuple[str, ...]  # reviewer2's
    consensus: tuple[int, str, str] | None  # (question index, agreed answer, method)
    values: dict[str, str]  # extraction field code -> value (reviewer1)
    second_setting: str  # reviewer2's setting (differs in a few studies)


def _mix(n: int) -> int:
    return (n * 2654435761) % 2**32


def partnership_type(text: str) -> str:
    for words, code in _PARTNERSHIPS:
        if words.lower() in text.lower():
            return code
    return "other"


def appraisal_plan(papers: list[DemoPaper]) -> dict[int, StudyPlan]:
    """For the included papers (`intended` starts with "include"), by paper id."""
    included = sorted(
        (p for p in papers if p.intended.startswith("include")), key=lambda p: _mix(p.id)
    )
    plan = {}
    for rank, paper in enumerate(included):
        outcomes = paper.intended == INCLUDE_OUTCOMES
        first = tuple(_ANSWERS[_mix(paper.id * 31 + q) % len(_ANSWERS)] for q in range(10))
        second, consensus = first, None
        if rank < APPRAISAL_DISAGREEMENTS:
            q = _mix(paper.id) % 10
            other = "cant_tell" if first[q] != "cant_tell" else "yes"
            second = first[:q] + (other,) + first[q + 1 :]
            method = "third_reviewer" if rank == 0 else "discussion"
            consensus = (q, first[q] if rank % 2 else other, method)
        sentences = [s.strip() for s in paper.abstract.split(". ") if s.strip()]
        setting = _SETTINGS[_mix(paper.id) % len(_SETTINGS)]
        values = {
            "partnership": partnership_type(f"{paper.title} {paper.abstract}"),
            "setting": setting,
            "design": "Longitudinal before-and-after study" if outcomes else "Qualitative case study",
            "data_collection": (
                "Routine health indicators before and after, compared with similar areas"
                if outcomes else "Interviews with partners, observation of meetings, documents"
            ),
            "health": "yes" if outcomes else "no",
            "findings": (sentences[-1] if sentences else paper.title)[:300].rstrip("."),
        }  # fmt: skip
        second_setting = setting
        if rank < EXTRACTION_DISAGREEMENTS:
            second_setting = _SETTINGS[(_mix(paper.id) + 1) % len(_SETTINGS)]
        plan[paper.id] = StudyPlan(
            paper.id, "quantitative" if outcomes else "qualitative", first, second, consensus,
            values, second_setting,
        )  # fmt: skip
    return plan
