"""lib.prisma.checks.check as a table of small checks (issue #22) finds exactly what the
single function it replaced found: a differential test over generated flows.

`reference_check` below is the OLD `check`, copied verbatim from lib/prisma/checks.py as of
commit a524742 (only renamed), kept here as the reference. Do not edit it to make a
failure go away: a difference is a change of behaviour.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.prisma.checks import (
    ERROR,
    FIELDS,
    FORBIDDEN_IN_CSV,
    WARNING,
    Finding,
    _sum,
    _zero_if_hidden,
    check,
    solve,
)
from lib.prisma.model import Count, Flow, Line, State, Subset

CHECK_IDS = [f"C{n:02d}" for n in range(1, 25)]

counts = st.builds(
    Count,
    value=st.one_of(st.none(), st.integers(-2, 40)),
    state=st.sampled_from(list(State)),
)
labels = st.sampled_from(["A", "B", "A ", "", " ", "Wrong design", "x, y", "it's", "a;b"])
lines = st.lists(
    st.builds(
        Line,
        label=labels,
        count=counts,
        kind=st.sampled_from(["", "website", "organisation", "citation_searching"]),
    ),
    max_size=4,
)
subsets = st.lists(
    st.builds(
        Subset,
        label=labels,
        studies=st.integers(0, 40),
        group=st.sampled_from(["", "g1", "g2"]),
    ),
    max_size=4,
)
flows = st.builds(
    Flow,
    fields=st.dictionaries(st.sampled_from(sorted(FIELDS)), counts),
    databases=lines,
    registers=lines,
    other_sources=lines,
    dbr_excluded=lines,
    other_excluded=lines,
    subsets=subsets,
    updated=st.booleans(),
    other=st.booleans(),
    notes=st.dictionaries(st.sampled_from(CHECK_IDS), st.sampled_from(["", "explained"])),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flows, for_csv=st.booleans())
def test_the_table_of_checks_finds_what_the_old_check_found(flow, for_csv):
    old_flow, new_flow = copy.deepcopy(flow), copy.deepcopy(flow)
    assert check(new_flow, for_csv=for_csv) == reference_check(old_flow, for_csv=for_csv)
    assert new_flow == old_flow  # solve filled the same blanks


def test_the_generated_flows_reach_the_checks():
    # Not vacuous: a consistent-looking flow with a few faults gives findings of several
    # checks, from both functions alike.
    c = lambda n: Count(n, State.COMPUTED)  # noqa: E731
    flow = Flow(updated=True)
    flow.fields.update(
        database_results=c(10), records_screened=c(5), records_excluded=c(9),
        dbr_sought_reports=c(3), dbr_notretrieved_reports=c(4), new_studies=c(3),
        new_reports=c(2), total_studies=c(3), total_studies_ma=c(50), previous_reports=c(1), previous_studies=c(2),
    )  # fmt: skip
    flow.databases = [Line("A", c(4)), Line("A", c(4))]
    flow.dbr_excluded = [Line("x, y", c(1)), Line("x, y", c(1))]
    flow.subsets = [Subset("s", 99, "g1")]
    found = check(copy.deepcopy(flow), for_csv=True)
    assert found == reference_check(copy.deepcopy(flow), for_csv=True)
    assert {"C02", "C05", "C08", "C10", "C17", "C20", "C21", "C22"} <= {f.check for f in found}


# --- the reference: lib/prisma/checks.py's check before the table (verbatim) ----------------


def reference_check(flow: Flow, *, for_csv: bool = False) -> list[Finding]:
    """C01-C24 over the flow (run `solve` first). `for_csv`: add C22 (labels the
    PRISMA2020 package cannot read)."""
    extra = solve(flow)
    out: list[Finding] = []

    def v(key: str) -> int | None:
        count = extra.get(key) or _zero_if_hidden(flow[key])
        return count.value if count.known else None

    def add(check_id: str, severity: str, message: str, **numbers: int | None) -> None:
        note = flow.notes.get(check_id, "") if severity == WARNING else ""
        out.append(Finding(check_id, severity, message, numbers, note))

    # C01: every entered count is an integer >= 0.
    every = [(k, c) for k, c in flow.fields.items()] + [
        (line.label, line.count)
        for lines in (flow.databases, flow.registers, flow.other_sources, flow.dbr_excluded,
                      flow.other_excluded)
        for line in lines
    ]  # fmt: skip
    for key, count in every:
        if count.known and (not isinstance(count.value, int) or count.value < 0):
            add(
                "C01",
                ERROR,
                f"{key}: a count must be a whole number of 0 or more.",
                value=count.value,
            )

    for check_id, box, lines, noun in (
        ("C02", "database_results", flow.databases, "databases"),
        ("C03", "register_results", flow.registers, "registers"),
    ):
        total, listed = v(box), _sum(lines)
        if total is None or not lines or listed is None:
            continue
        partial = any(not line.count.known for line in lines)
        if (partial and listed > total) or (not partial and listed != total):
            add(
                check_id, WARNING,
                f"The {noun} box says {total:,} but the {noun} listed add up to {listed:,}.",
                total=total, listed=listed,
            )  # fmt: skip

    identified, screened = v("identified_dbr"), v("records_screened")
    removed = [v("duplicates"), v("excluded_automatic"), v("excluded_other")]
    if identified is not None and screened is not None and None not in removed:
        expected = identified - sum(removed)
        if screened != expected:
            add(
                "C04", ERROR,
                f"Records screened is {screened:,}, expected {expected:,} (identified "
                f"{identified:,} minus {sum(removed):,} removed before screening).",
                records_screened=screened, expected=expected, identified=identified,
                removed=sum(removed),
            )  # fmt: skip

    excluded = v("records_excluded")
    if excluded is not None and screened is not None and excluded > screened:
        add("C05", ERROR, f"Records excluded ({excluded:,}) exceeds records screened ({screened:,}).",
            records_excluded=excluded, records_screened=screened)  # fmt: skip

    human, machine = v("records_excluded_human"), v("records_excluded_automation")
    if (
        excluded is not None
        and human is not None
        and machine is not None
        and excluded != human + machine
    ):
        add("C06", ERROR,
            f"Records excluded is {excluded:,} but {human:,} by people and {machine:,} by "
            f"automation tools make {human + machine:,}.",
            records_excluded=excluded, human=human, automation=machine)  # fmt: skip

    sought = v("dbr_sought_reports")
    if (
        sought is not None
        and screened is not None
        and excluded is not None
        and sought != screened - excluded
    ):
        add("C07", WARNING,
            f"Reports sought is {sought:,}; records screened minus records excluded is "
            f"{screened - excluded:,}. Explain the difference (e.g. records still being "
            "screened, or two records of one report).",
            dbr_sought_reports=sought, expected=screened - excluded)  # fmt: skip

    for prefix, c_nr, c_assessed, c_excl in (("dbr", "C08", "C09", "C10"),
                                             ("other", "C13", "C14", "C15")):  # fmt: skip
        sought, missing = v(f"{prefix}_sought_reports"), v(f"{prefix}_notretrieved_reports")
        assessed, excl_total = v(f"{prefix}_assessed"), v(f"{prefix}_excluded_total")
        arm = "databases and registers" if prefix == "dbr" else "other methods"
        if sought is not None and missing is not None and missing > sought:
            add(c_nr, ERROR, f"{arm}: reports not retrieved ({missing:,}) exceeds reports "
                f"sought ({sought:,}).", sought=sought, not_retrieved=missing)  # fmt: skip
        if (
            sought is not None
            and missing is not None
            and assessed is not None
            and assessed != sought - missing
        ):
            add(c_assessed, ERROR,
                f"{arm}: reports assessed is {assessed:,}, expected {sought - missing:,} "
                f"(sought {sought:,} minus {missing:,} not retrieved).",
                assessed=assessed, expected=sought - missing)  # fmt: skip
        if assessed is not None and excl_total is not None and excl_total > assessed:
            add(c_excl, ERROR, f"{arm}: reports excluded ({excl_total:,}) exceeds reports "
                f"assessed ({assessed:,}).", excluded=excl_total, assessed=assessed)  # fmt: skip
        lines = flow.dbr_excluded if prefix == "dbr" else flow.other_excluded
        labels = [line.label.strip() for line in lines]
        if any(not label for label in labels) or len(set(labels)) != len(labels):
            add(c_excl, ERROR, f"{arm}: exclusion reasons must be named, each once.")

    for key, kind in (("website_results", "website"), ("organisation_results", "organisation"),
                      ("citations_results", "citation_searching")):  # fmt: skip
        total = v(key)
        lines = [line for line in flow.other_sources if line.kind == kind]
        listed = _sum(lines)
        if total is not None and lines and all(x.count.known for x in lines) and total != listed:
            add("C11", ERROR, f"Other methods: {FIELDS[key][0].lower()} says {total:,} but its "
                f"sources add up to {listed:,}.", total=total, listed=listed)  # fmt: skip
    other_identified = _sum(flow.other_sources)
    other_sought = v("other_sought_reports")
    if (
        other_identified is not None
        and other_sought is not None
        and other_sought > other_identified
    ):
        add("C12", WARNING, f"Other methods: {other_sought:,} reports sought from "
            f"{other_identified:,} records identified.",
            sought=other_sought, identified=other_identified)  # fmt: skip

    parts = [v("dbr_assessed"), v("dbr_excluded_total"), v("other_assessed"),
             v("other_excluded_total")]  # fmt: skip
    new_reports, new_studies = v("new_reports"), v("new_studies")
    if new_reports is not None and None not in parts:
        expected = (parts[0] - parts[1]) + (parts[2] - parts[3])
        if new_reports != expected:
            add("C16", ERROR, f"Reports of included studies is {new_reports:,}, expected "
                f"{expected:,} (assessed minus excluded in each column).",
                new_reports=new_reports, expected=expected)  # fmt: skip
    if (
        new_reports is not None
        and new_studies is not None
        and (new_studies > new_reports or (new_reports >= 1 and new_studies < 1))
    ):
        add("C17", ERROR, f"{new_studies:,} studies from {new_reports:,} reports: a study "
            "needs at least one report.", new_studies=new_studies,
            new_reports=new_reports)  # fmt: skip

    if flow.updated:
        for check_id, key, terms in (
            ("C18", "total_studies", ("previous_studies", "new_studies", "previous_studies_dropped")),
            ("C19", "total_reports", ("previous_reports", "new_reports", "previous_reports_dropped")),
        ):  # fmt: skip
            total, (prev, new, dropped) = v(key), (v(t) for t in terms)
            if None in (total, prev, new, dropped):
                continue
            if total != prev + new - dropped:
                add(check_id, WARNING, f"{key.replace('_', ' ').capitalize()} is {total:,}, "
                    f"expected {prev + new - dropped:,} (previous {prev:,} + new {new:,} - "
                    f"{dropped:,} no longer included).", **{key: total},
                    expected=prev + new - dropped)  # fmt: skip

    total_studies = v("total_studies") if flow.updated else new_studies
    total_reports = v("total_reports") if flow.updated else new_reports
    for key, limit in (("total_studies_ma", total_studies), ("total_reports_ma", total_reports)):
        n = v(key)
        if n is not None and limit is not None and n > limit:
            add("C20", ERROR, f"{key}: {n:,} exceeds the {limit:,} included.", value=n,
                limit=limit)  # fmt: skip
    groups: dict[str, int] = {}
    for subset in flow.subsets:
        if total_studies is not None and subset.studies > total_studies:
            add("C20", ERROR, f"Subset '{subset.label}': {subset.studies:,} studies exceeds the "
                f"{total_studies:,} included.", studies=subset.studies,
                included=total_studies)  # fmt: skip
        if subset.group:
            groups[subset.group] = groups.get(subset.group, 0) + subset.studies
    for group, n in groups.items():
        if total_studies is not None and n != total_studies:
            add("C20", ERROR, f"Subsets of group {group} add up to {n:,}, not the "
                f"{total_studies:,} studies included.", subsets=n,
                included=total_studies)  # fmt: skip

    for reports_key, studies_key in (("previous_reports", "previous_studies"),
                                     ("total_reports", "total_studies")):  # fmt: skip
        reports, studies = v(reports_key), v(studies_key)
        if flow.updated and reports is not None and studies is not None and reports < studies:
            add("C21", WARNING, f"{reports_key} ({reports:,}) is below {studies_key} "
                f"({studies:,}).", reports=reports, studies=studies)  # fmt: skip

    if for_csv:
        bad = [
            line.label
            for lines in (flow.databases, flow.registers, flow.other_sources,
                          flow.dbr_excluded, flow.other_excluded)
            for line in lines
            if any(ch in line.label for ch in FORBIDDEN_IN_CSV)
        ]  # fmt: skip
        for label in bad:
            add("C22", ERROR, f"'{label}' contains a comma, semicolon or apostrophe, which the "
                "PRISMA2020 CSV cannot hold: give it a short label without them.")  # fmt: skip

    for prefix in ("dbr", "other"):
        box, lines = (
            flow[f"{prefix}_excluded_reports"],
            (flow.dbr_excluded if prefix == "dbr" else flow.other_excluded),
        )
        listed = _sum(lines)
        if (
            box.known
            and lines
            and listed is not None
            and all(x.count.known for x in lines)
            and listed != box.value
        ):
            add("C24", ERROR, f"{box.value:,} reports excluded but the reasons add up to "
                f"{listed:,}: each excluded report counts under one primary reason.",
                excluded=box.value, reasons=listed)  # fmt: skip
    return out
