"""The PRISMA 2020 flow as data: every count with its state (reporting spec section 4).

Field keys are the PRISMA2020 R package's where it has one (`database_results`,
`records_screened`, `dbr_sought_reports`, ...); Sift's additions are marked in FIELDS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    COMPUTED = "computed"  # from the review's data, or a formula over computed counts
    REPORTED = "reported"  # entered by the lead (with a note)
    DERIVED_ASSUMED = "derived_assumed"  # a formula that rests on a stated assumption
    NOT_REPORTED = "not_reported"  # printed "NR": never the same as 0
    NOT_APPLICABLE = "not_applicable"  # the line or box is hidden
    UNKNOWN = "unknown"  # blank: solved from the others when exactly one term is missing


@dataclass(slots=True)
class Count:
    value: int | None = None
    state: State = State.UNKNOWN
    note: str = ""
    computed: int | None = None  # what the data says, when the lead overrode it

    @property
    def known(self) -> bool:
        return self.value is not None and self.state not in (
            State.NOT_REPORTED, State.NOT_APPLICABLE, State.UNKNOWN,
        )  # fmt: skip

    @property
    def shown(self) -> bool:
        return self.state != State.NOT_APPLICABLE

    @property
    def overridden(self) -> bool:
        return self.state == State.REPORTED and self.computed is not None

    def text(self) -> str:
        """What goes after "n = ": a number with thousands separators, or NR."""
        if self.known:
            return f"{self.value:,}"
        return "NR"

    def as_dict(self) -> dict:
        out = {"value": self.value if self.known else None, "state": str(self.state)}
        if self.note:
            out["note"] = self.note
        if self.computed is not None and self.computed != self.value:
            out["computed"] = self.computed
        return out


def computed(value: int, note: str = "") -> Count:
    return Count(value, State.COMPUTED, note)


def assumed(value: int, note: str) -> Count:
    return Count(value, State.DERIVED_ASSUMED, note)


def not_reported(note: str = "") -> Count:
    return Count(None, State.NOT_REPORTED, note)


def not_applicable() -> Count:
    return Count(None, State.NOT_APPLICABLE)


@dataclass(slots=True)
class Line:
    """A labelled count inside a box: one source, or one exclusion reason."""

    label: str
    count: Count
    key: str = ""  # what the line links to (a source id, a reason code)
    kind: str = ""  # other methods: the source type (website, organisation, ...)


# key: (box text in the template, Sift's addition?)
FIELDS: dict[str, tuple[str, bool]] = {
    "database_results": ("Databases", False),
    "register_results": ("Registers", False),
    "other_records_pooled": ("Other-method records screened with the database records", True),
    "duplicates": ("Duplicate records removed", False),
    "excluded_automatic": ("Records marked as ineligible by automation tools", False),
    "excluded_other": ("Records removed for other reasons", False),
    "records_screened": ("Records screened", False),
    "records_excluded": ("Records excluded", False),
    "records_excluded_human": ("Records excluded by a person", True),
    "records_excluded_automation": ("Records excluded by automation tools", True),
    "dbr_sought_reports": ("Reports sought for retrieval", False),
    "dbr_notretrieved_reports": ("Reports not retrieved", False),
    "dbr_assessed": ("Reports assessed for eligibility", False),
    "dbr_excluded_reports": ("Reports excluded", True),
    "website_results": ("Websites", False),
    "organisation_results": ("Organisations", False),
    "citations_results": ("Citation searching", False),
    "other_sought_reports": ("Reports sought for retrieval", False),
    "other_notretrieved_reports": ("Reports not retrieved", False),
    "other_assessed": ("Reports assessed for eligibility", False),
    "other_excluded_reports": ("Reports excluded", True),
    "new_studies": ("Studies included in review", False),
    "new_reports": ("Reports of included studies", False),
    "previous_studies": ("Studies included in previous version of review", False),
    "previous_reports": ("Reports of studies included in previous version of review", False),
    "previous_studies_dropped": ("Previous studies no longer included", True),
    "previous_reports_dropped": ("Reports of previous studies no longer included", True),
    "total_studies": ("Total studies included in review", False),
    "total_reports": ("Reports of total included studies", False),
    "total_studies_ma": ("Total studies included in meta-analysis", False),
    "total_reports_ma": ("Reports of total included studies in meta-analysis", False),
}

# Fields a lead may set by hand (state reported / not reported / not applicable, with a note).
OVERRIDABLE = tuple(FIELDS)


@dataclass(slots=True)
class Subset:
    """A synthesis subset (e.g. "Studies reporting health outcomes"): not a PRISMA box, but
    checked against the included studies (C20)."""

    label: str
    studies: int
    group: str = ""  # subsets sharing a group are mutually exclusive and exhaustive


@dataclass
class Flow:
    """Every count of one review's diagram. `updated`: an updated review (previous-studies
    column); `other`: the other-methods column is shown."""

    fields: dict[str, Count] = field(default_factory=dict)
    databases: list[Line] = field(default_factory=list)
    registers: list[Line] = field(default_factory=list)
    other_sources: list[Line] = field(default_factory=list)
    dbr_excluded: list[Line] = field(default_factory=list)
    other_excluded: list[Line] = field(default_factory=list)
    subsets: list[Subset] = field(default_factory=list)
    updated: bool = False
    other: bool = False
    notes: dict[str, str] = field(default_factory=dict)  # check id -> the lead's explanation
    footnotes: list[str] = field(default_factory=list)  # Sift's own, printed under the diagram

    def __getitem__(self, key: str) -> Count:
        return self.fields.setdefault(key, Count())

    def value(self, key: str) -> int | None:
        count = self.fields.get(key)
        return count.value if count is not None and count.known else None

    def as_dict(self) -> dict:
        def lines(items: list[Line]) -> list[dict]:
            return [{"label": line.label, **line.count.as_dict()} for line in items]

        return {
            "variant": ("upd" if self.updated else "new")
            + ("_dbr_other" if self.other else "_dbr"),
            "fields": {key: count.as_dict() for key, count in self.fields.items()},
            "database_specific_results": lines(self.databases),
            "register_specific_results": lines(self.registers),
            "other_specific_results": lines(self.other_sources),
            "dbr_excluded": lines(self.dbr_excluded),
            "other_excluded": lines(self.other_excluded),
            "synthesis_subsets": [
                {"label": s.label, "studies": s.studies, "group": s.group} for s in self.subsets
            ],
            "notes": dict(self.notes),
            "footnotes": list(self.footnotes),
        }
