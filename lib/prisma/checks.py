"""Formulas and consistency checks C01-C24 of the reporting spec (section 4.4-4.5).

`solve` fills blank (UNKNOWN) counts from hard equations when exactly one term is missing;
`check` returns the findings, each naming the numbers involved. Warnings need a note from
the lead (`Flow.notes[check_id]`); errors are shown until the data or an override fixes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lib.prisma.model import FIELDS, Count, Flow, Line, State

ERROR, WARNING = "error", "warning"
FORBIDDEN_IN_CSV = (",", ";", "'")


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    severity: str
    message: str
    numbers: dict[str, int | None] = field(default_factory=dict)
    note: str = ""  # the lead's explanation, for a warning

    @property
    def needs_note(self) -> bool:
        return self.severity == WARNING and not self.note

    def as_dict(self) -> dict:
        out: dict[str, object] = {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
        }
        if self.numbers:
            out["numbers"] = self.numbers
        if self.note:
            out["note"] = self.note
        return out


def _sum(lines: list[Line]) -> int | None:
    known = [n for line in lines if line.count.known and (n := line.count.value) is not None]
    return sum(known) if known else None


def _all_known(values: list[int | None]) -> list[int] | None:
    """The values when every one is known, else None."""
    known = [n for n in values if n is not None]
    return known if len(known) == len(values) else None


# Hard equations: target = sum(sign * term). Only these are solved; the soft one (reports
# sought = records screened - records excluded) never is (C07 is a warning).
_EQUATIONS: list[tuple[str, list[tuple[int, str]]]] = [
    (
        "records_screened",
        [(1, "identified_dbr"), (-1, "duplicates"), (-1, "excluded_automatic"),
         (-1, "excluded_other")],
    ),
    ("records_excluded", [(1, "records_excluded_human"), (1, "records_excluded_automation")]),
    ("dbr_assessed", [(1, "dbr_sought_reports"), (-1, "dbr_notretrieved_reports")]),
    ("dbr_reports_included", [(1, "dbr_assessed"), (-1, "dbr_excluded_total")]),
    ("other_assessed", [(1, "other_sought_reports"), (-1, "other_notretrieved_reports")]),
    ("other_reports_included", [(1, "other_assessed"), (-1, "other_excluded_total")]),
    ("new_reports", [(1, "dbr_reports_included"), (1, "other_reports_included")]),
    (
        "total_studies",
        [(1, "previous_studies"), (1, "new_studies"), (-1, "previous_studies_dropped")],
    ),
    (
        "total_reports",
        [(1, "previous_reports"), (-1, "previous_reports_dropped"), (1, "new_reports")],
    ),
]  # fmt: skip


def _derived(flow: Flow) -> dict[str, Count]:
    """The intermediate quantities of the formulas (not boxes of their own)."""
    out: dict[str, Count] = {}

    def total(parts: list[str]) -> Count:
        counts = [flow[p] for p in parts if flow[p].state != State.NOT_APPLICABLE]
        if not counts or any(not c.known for c in counts):
            return Count()
        state = (
            State.DERIVED_ASSUMED
            if any(c.state == State.DERIVED_ASSUMED for c in counts)
            else State.COMPUTED
        )
        return Count(sum(c.value or 0 for c in counts), state)  # all known: none is None

    out["identified_dbr"] = total(["database_results", "register_results", "other_records_pooled"])
    for arm, lines in (("dbr", flow.dbr_excluded), ("other", flow.other_excluded)):
        box = flow[f"{arm}_excluded_reports"]
        if box.known:
            out[f"{arm}_excluded_total"] = box
        elif lines and all(line.count.known for line in lines):
            out[f"{arm}_excluded_total"] = Count(_sum(lines), State.COMPUTED)
        elif box.state == State.NOT_APPLICABLE:
            out[f"{arm}_excluded_total"] = Count(0, State.COMPUTED)
        else:
            out[f"{arm}_excluded_total"] = Count()
    for arm in ("dbr", "other"):
        out[f"{arm}_reports_included"] = Count()
    return out


def _zero_if_hidden(count: Count) -> Count:
    # A hidden arm (no previous version, no other methods) adds nothing to a sum.
    return Count(0, State.COMPUTED) if count.state == State.NOT_APPLICABLE else count


def solve(flow: Flow) -> dict[str, Count]:
    """Fill blank counts from the hard equations; returns the intermediates used by checks."""
    extra = _derived(flow)

    def get(key: str) -> Count:
        return extra[key] if key in extra else _zero_if_hidden(flow[key])

    def put(key: str, count: Count) -> None:
        if key in extra:
            extra[key] = count
        else:
            flow.fields[key] = count

    changed = True
    while changed:
        changed = False
        for target, terms in _EQUATIONS:
            cells = [(1, target), *[(-sign, term) for sign, term in terms]]  # sum(s * v) == 0
            blank = [key for _, key in cells if get(key).state == State.UNKNOWN]
            if len(blank) != 1:
                continue
            key = blank[0]
            inputs = [get(k) for _, k in cells if k != key]
            if any(not c.known for c in inputs):
                continue
            sign = next(s for s, k in cells if k == key)
            value = -sign * sum(s * (get(k).value or 0) for s, k in cells if k != key)
            state = (
                State.DERIVED_ASSUMED
                if any(c.state == State.DERIVED_ASSUMED for c in inputs)
                else State.COMPUTED
            )
            put(key, Count(value, state, "solved from the other counts"))
            changed = True
    return extra


@dataclass
class _Checking:
    """One run of `check`: the flow, the solved intermediates, the findings so far."""

    flow: Flow
    extra: dict[str, Count]
    for_csv: bool
    out: list[Finding] = field(default_factory=list)

    def v(self, key: str) -> int | None:
        count = self.extra.get(key) or _zero_if_hidden(self.flow[key])
        return count.value if count.known else None

    def add(self, check_id: str, severity: str, message: str, **numbers: int | None) -> None:
        note = self.flow.notes.get(check_id, "") if severity == WARNING else ""
        self.out.append(Finding(check_id, severity, message, numbers, note))

    def excluded_lines(self, prefix: str) -> list[Line]:
        return self.flow.dbr_excluded if prefix == "dbr" else self.flow.other_excluded

    def all_lines(self) -> list[Line]:
        f = self.flow
        lists = (f.databases, f.registers, f.other_sources, f.dbr_excluded, f.other_excluded)
        return [line for lines in lists for line in lines]

    def included(self) -> tuple[int | None, int | None]:
        """(studies, reports) included in the review: the totals of an update, else the new."""
        if self.flow.updated:
            return self.v("total_studies"), self.v("total_reports")
        return self.v("new_studies"), self.v("new_reports")


def _c01_whole_numbers(c: _Checking) -> None:
    """C01: every entered count is an integer >= 0."""
    every = [*c.flow.fields.items(), *((line.label, line.count) for line in c.all_lines())]
    for key, count in every:
        if count.known and (not isinstance(count.value, int) or count.value < 0):
            message = f"{key}: a count must be a whole number of 0 or more."
            c.add("C01", ERROR, message, value=count.value)


def _c02_c03_sources_listed(c: _Checking) -> None:
    """C02, C03: the databases (registers) listed add up to their box."""
    for check_id, box, lines, noun in (
        ("C02", "database_results", c.flow.databases, "databases"),
        ("C03", "register_results", c.flow.registers, "registers"),
    ):
        total, listed = c.v(box), _sum(lines)
        if total is None or not lines or listed is None:
            continue
        partial = any(not line.count.known for line in lines)
        if (partial and listed > total) or (not partial and listed != total):
            c.add(
                check_id, WARNING,
                f"The {noun} box says {total:,} but the {noun} listed add up to {listed:,}.",
                total=total, listed=listed,
            )  # fmt: skip


def _c04_records_screened(c: _Checking) -> None:
    identified, screened = c.v("identified_dbr"), c.v("records_screened")
    removed = _all_known([c.v("duplicates"), c.v("excluded_automatic"), c.v("excluded_other")])
    if identified is None or screened is None or removed is None:
        return
    expected = identified - sum(removed)
    if screened != expected:
        c.add(
            "C04", ERROR,
            f"Records screened is {screened:,}, expected {expected:,} (identified "
            f"{identified:,} minus {sum(removed):,} removed before screening).",
            records_screened=screened, expected=expected, identified=identified,
            removed=sum(removed),
        )  # fmt: skip


def _c05_excluded_within_screened(c: _Checking) -> None:
    excluded, screened = c.v("records_excluded"), c.v("records_screened")
    if excluded is not None and screened is not None and excluded > screened:
        c.add("C05", ERROR, f"Records excluded ({excluded:,}) exceeds records screened ({screened:,}).",
              records_excluded=excluded, records_screened=screened)  # fmt: skip


def _c06_excluded_by_whom(c: _Checking) -> None:
    excluded = c.v("records_excluded")
    human, machine = c.v("records_excluded_human"), c.v("records_excluded_automation")
    if excluded is None or human is None or machine is None:
        return
    if excluded != human + machine:
        c.add("C06", ERROR,
              f"Records excluded is {excluded:,} but {human:,} by people and {machine:,} by "
              f"automation tools make {human + machine:,}.",
              records_excluded=excluded, human=human, automation=machine)  # fmt: skip


def _c07_reports_sought(c: _Checking) -> None:
    sought, screened, excluded = (
        c.v("dbr_sought_reports"),
        c.v("records_screened"),
        c.v("records_excluded"),
    )
    if sought is None or screened is None or excluded is None:
        return
    if sought != screened - excluded:
        c.add("C07", WARNING,
              f"Reports sought is {sought:,}; records screened minus records excluded is "
              f"{screened - excluded:,}. Explain the difference (e.g. records still being "
              "screened, or two records of one report).",
              dbr_sought_reports=sought, expected=screened - excluded)  # fmt: skip


def _report_arm(c: _Checking, prefix: str, c_nr: str, c_assessed: str, c_excl: str) -> None:
    """C08-C10 (databases and registers), C13-C15 (other methods): one column's reports."""
    sought, missing = c.v(f"{prefix}_sought_reports"), c.v(f"{prefix}_notretrieved_reports")
    assessed, excl_total = c.v(f"{prefix}_assessed"), c.v(f"{prefix}_excluded_total")
    arm = "databases and registers" if prefix == "dbr" else "other methods"
    if sought is not None and missing is not None and missing > sought:
        c.add(c_nr, ERROR, f"{arm}: reports not retrieved ({missing:,}) exceeds reports "
              f"sought ({sought:,}).", sought=sought, not_retrieved=missing)  # fmt: skip
    if (
        sought is not None
        and missing is not None
        and assessed is not None
        and assessed != sought - missing
    ):
        c.add(c_assessed, ERROR,
              f"{arm}: reports assessed is {assessed:,}, expected {sought - missing:,} "
              f"(sought {sought:,} minus {missing:,} not retrieved).",
              assessed=assessed, expected=sought - missing)  # fmt: skip
    if assessed is not None and excl_total is not None and excl_total > assessed:
        c.add(c_excl, ERROR, f"{arm}: reports excluded ({excl_total:,}) exceeds reports "
              f"assessed ({assessed:,}).", excluded=excl_total, assessed=assessed)  # fmt: skip
    labels = [line.label.strip() for line in c.excluded_lines(prefix)]
    if any(not label for label in labels) or len(set(labels)) != len(labels):
        c.add(c_excl, ERROR, f"{arm}: exclusion reasons must be named, each once.")


def _c08_c10_reports_databases(c: _Checking) -> None:
    _report_arm(c, "dbr", "C08", "C09", "C10")


def _c13_c15_reports_other(c: _Checking) -> None:
    _report_arm(c, "other", "C13", "C14", "C15")


def _c11_other_methods_listed(c: _Checking) -> None:
    for key, kind in (("website_results", "website"), ("organisation_results", "organisation"),
                      ("citations_results", "citation_searching")):  # fmt: skip
        total = c.v(key)
        lines = [line for line in c.flow.other_sources if line.kind == kind]
        listed = _sum(lines)
        if total is not None and lines and all(x.count.known for x in lines) and total != listed:
            c.add("C11", ERROR, f"Other methods: {FIELDS[key][0].lower()} says {total:,} but its "
                  f"sources add up to {listed:,}.", total=total, listed=listed)  # fmt: skip


def _c12_other_sought(c: _Checking) -> None:
    identified, sought = _sum(c.flow.other_sources), c.v("other_sought_reports")
    if identified is not None and sought is not None and sought > identified:
        c.add("C12", WARNING, f"Other methods: {sought:,} reports sought from "
              f"{identified:,} records identified.",
              sought=sought, identified=identified)  # fmt: skip


def _c16_new_reports(c: _Checking) -> None:
    parts = _all_known([c.v("dbr_assessed"), c.v("dbr_excluded_total"), c.v("other_assessed"),
                        c.v("other_excluded_total")])  # fmt: skip
    new_reports = c.v("new_reports")
    if new_reports is None or parts is None:
        return
    expected = (parts[0] - parts[1]) + (parts[2] - parts[3])
    if new_reports != expected:
        c.add("C16", ERROR, f"Reports of included studies is {new_reports:,}, expected "
              f"{expected:,} (assessed minus excluded in each column).",
              new_reports=new_reports, expected=expected)  # fmt: skip


def _c17_studies_have_reports(c: _Checking) -> None:
    new_reports, new_studies = c.v("new_reports"), c.v("new_studies")
    if new_reports is None or new_studies is None:
        return
    if new_studies > new_reports or (new_reports >= 1 and new_studies < 1):
        c.add("C17", ERROR, f"{new_studies:,} studies from {new_reports:,} reports: a study "
              "needs at least one report.", new_studies=new_studies,
              new_reports=new_reports)  # fmt: skip


def _c18_c19_update_totals(c: _Checking) -> None:
    if not c.flow.updated:
        return
    for check_id, key, terms in (
        ("C18", "total_studies", ("previous_studies", "new_studies", "previous_studies_dropped")),
        ("C19", "total_reports", ("previous_reports", "new_reports", "previous_reports_dropped")),
    ):  # fmt: skip
        total, known = c.v(key), _all_known([c.v(t) for t in terms])
        if total is None or known is None:
            continue
        prev, new, dropped = known
        if total != prev + new - dropped:
            c.add(check_id, WARNING, f"{key.replace('_', ' ').capitalize()} is {total:,}, "
                  f"expected {prev + new - dropped:,} (previous {prev:,} + new {new:,} - "
                  f"{dropped:,} no longer included).", **{key: total},
                  expected=prev + new - dropped)  # fmt: skip


def _c20_meta_analyses_and_subsets(c: _Checking) -> None:
    total_studies, total_reports = c.included()
    for key, limit in (("total_studies_ma", total_studies), ("total_reports_ma", total_reports)):
        n = c.v(key)
        if n is not None and limit is not None and n > limit:
            c.add("C20", ERROR, f"{key}: {n:,} exceeds the {limit:,} included.", value=n,
                  limit=limit)  # fmt: skip
    groups: dict[str, int] = {}
    for subset in c.flow.subsets:
        if total_studies is not None and subset.studies > total_studies:
            c.add("C20", ERROR, f"Subset '{subset.label}': {subset.studies:,} studies exceeds "
                  f"the {total_studies:,} included.", studies=subset.studies,
                  included=total_studies)  # fmt: skip
        if subset.group:
            groups[subset.group] = groups.get(subset.group, 0) + subset.studies
    for group, n in groups.items():
        if total_studies is not None and n != total_studies:
            c.add("C20", ERROR, f"Subsets of group {group} add up to {n:,}, not the "
                  f"{total_studies:,} studies included.", subsets=n,
                  included=total_studies)  # fmt: skip


def _c21_reports_below_studies(c: _Checking) -> None:
    if not c.flow.updated:
        return
    for reports_key, studies_key in (("previous_reports", "previous_studies"),
                                     ("total_reports", "total_studies")):  # fmt: skip
        reports, studies = c.v(reports_key), c.v(studies_key)
        if reports is not None and studies is not None and reports < studies:
            c.add("C21", WARNING, f"{reports_key} ({reports:,}) is below {studies_key} "
                  f"({studies:,}).", reports=reports, studies=studies)  # fmt: skip


def _c22_csv_labels(c: _Checking) -> None:
    if not c.for_csv:
        return
    for line in c.all_lines():
        if any(ch in line.label for ch in FORBIDDEN_IN_CSV):
            c.add("C22", ERROR, f"'{line.label}' contains a comma, semicolon or apostrophe, "
                  "which the PRISMA2020 CSV cannot hold: give it a short label without "
                  "them.")  # fmt: skip


def _c24_reasons_add_up(c: _Checking) -> None:
    for prefix in ("dbr", "other"):
        box, lines = c.flow[f"{prefix}_excluded_reports"], c.excluded_lines(prefix)
        listed = _sum(lines)
        if not (box.known and lines and listed is not None):
            continue
        if all(x.count.known for x in lines) and listed != box.value:
            c.add("C24", ERROR, f"{box.value:,} reports excluded but the reasons add up to "
                  f"{listed:,}: each excluded report counts under one primary reason.",
                  excluded=box.value, reasons=listed)  # fmt: skip


# The checks, in the order their findings are listed.
CHECKS: list[Callable[[_Checking], None]] = [
    _c01_whole_numbers,
    _c02_c03_sources_listed,
    _c04_records_screened,
    _c05_excluded_within_screened,
    _c06_excluded_by_whom,
    _c07_reports_sought,
    _c08_c10_reports_databases,
    _c13_c15_reports_other,
    _c11_other_methods_listed,
    _c12_other_sought,
    _c16_new_reports,
    _c17_studies_have_reports,
    _c18_c19_update_totals,
    _c20_meta_analyses_and_subsets,
    _c21_reports_below_studies,
    _c22_csv_labels,
    _c24_reasons_add_up,
]


def check(flow: Flow, *, for_csv: bool = False) -> list[Finding]:
    """C01-C24 over the flow (run `solve` first). `for_csv`: add C22 (labels the
    PRISMA2020 package cannot read)."""
    checking = _Checking(flow, solve(flow), for_csv)
    for rule in CHECKS:
        rule(checking)
    return checking.out


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]


def failing(findings: list[Finding]) -> list[Finding]:
    """The checks that keep a diagram a draft: errors, and warnings nobody explained (spec
    4.5: "every failed warning needs a user-entered explanation")."""
    return [f for f in findings if f.severity == ERROR or f.needs_note]
