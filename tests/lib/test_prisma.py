"""The reporting spec's acceptance tests T1-T5 and T7 (section 11) over lib.prisma."""

from __future__ import annotations

import csv
import io

import pytest

from lib.prisma import (
    Count,
    Flow,
    Line,
    State,
    Subset,
    assumed,
    check,
    computed,
    csv_rows,
    layout,
    not_applicable,
    not_reported,
    paragraph,
    solve,
)


def c(n: int) -> Count:
    return computed(n)


def t1() -> Flow:
    """T1: the fully consistent synthetic review."""
    flow = Flow(other=True)
    flow.databases = [Line("A", c(500)), Line("B", c(300)), Line("C", c(200))]
    flow.registers = [Line("R", c(50))]
    f = flow.fields
    f.update(
        database_results=c(1000), register_results=c(50), other_records_pooled=not_applicable(),
        duplicates=c(250), excluded_automatic=c(0), excluded_other=c(0),
        records_screened=c(800), records_excluded=c(700),
        dbr_sought_reports=c(100), dbr_notretrieved_reports=c(5), dbr_assessed=c(95),
        dbr_excluded_reports=c(75),
        other_sought_reports=c(12), other_notretrieved_reports=c(2), other_assessed=c(10),
        other_excluded_reports=c(6), new_reports=c(24), new_studies=c(18),
        previous_studies=not_applicable(), previous_reports=not_applicable(),
        previous_studies_dropped=not_applicable(), previous_reports_dropped=not_applicable(),
    )  # fmt: skip
    flow.dbr_excluded = [
        Line("Wrong population", c(40)),
        Line("Wrong design", c(25)),
        Line("Wrong outcome", c(10)),
    ]
    flow.other_sources = [
        Line("Citation searching", c(30), kind="citation_searching"),
        Line("Websites", c(10), kind="website"),
    ]
    flow.other_excluded = [Line("Wrong design", c(6))]
    return flow


def text_of(drawn) -> str:
    """The diagram's text with wrapped lines joined again."""
    return " | ".join(" ".join(" ".join(box.lines).split()) for box in drawn.boxes)


def ids(findings) -> list[str]:
    return [f.check for f in findings]


def test_t1_consistent_review_passes_every_check():
    flow = t1()
    assert check(flow, for_csv=True) == []


def test_t2_records_screened_off_by_ten_is_a_c04_error_naming_800():
    flow = t1()
    flow.fields["records_screened"] = c(810)
    findings = check(flow)
    c04 = [f for f in findings if f.check == "C04"]
    assert len(c04) == 1 and c04[0].severity == "error"
    assert "expected 800" in c04[0].message
    assert c04[0].numbers["expected"] == 800


def test_t3_sought_98_warns_c07_and_solves_assessed_and_reports():
    flow = t1()
    flow.fields["dbr_sought_reports"] = c(98)
    flow.fields["dbr_assessed"] = Count()  # blank
    flow.fields["new_reports"] = Count()
    findings = check(flow)
    assert flow.value("dbr_assessed") == 93
    assert flow.value("new_reports") == 22
    c07 = [f for f in findings if f.check == "C07"]
    assert c07 and c07[0].severity == "warning" and c07[0].needs_note
    assert "C09" not in ids(findings)
    # A note explains the warning; then it no longer needs one.
    flow.notes["C07"] = "two records pointed to one report"
    assert not [f for f in check(flow) if f.needs_note]
    # Entered (not blank) as 95, assessed contradicts C09: an error.
    flow = t1()
    flow.fields["dbr_sought_reports"] = c(98)
    assert "C09" in ids(check(flow))


def test_t4_reference_review_not_reported_and_subsets():
    flow = Flow(other=True)
    flow.databases = [
        Line(f"DB{i}", c(n)) for i, n in enumerate([25, 173, 79, 80, 89, 21, 300, 286, 49, 29, 157])
    ]
    flow.databases += [Line(f"Unlisted {i}", not_reported()) for i in range(7)]
    flow.other_sources = [
        Line("Hand-searching", not_reported(), kind="citation_searching"),
        Line("Contact with authors", not_reported(), kind="contact"),
    ]
    f = flow.fields
    f.update(
        database_results=assumed(1288, "A1"), register_results=not_applicable(),
        other_records_pooled=not_applicable(), duplicates=assumed(230, "A1-A3"),
        excluded_automatic=assumed(0, "A3"), excluded_other=assumed(0, "A3"),
        records_screened=Count(1058, State.REPORTED), records_excluded=Count(895, State.REPORTED),
        dbr_sought_reports=Count(163, State.REPORTED), dbr_notretrieved_reports=assumed(0, "A4"),
        dbr_assessed=Count(), dbr_excluded_reports=assumed(132, "A5"),
        other_sought_reports=not_reported(), other_notretrieved_reports=not_reported(),
        other_assessed=not_reported(), other_excluded_reports=not_reported(),
        new_studies=Count(31, State.REPORTED), new_reports=assumed(31, "A5"),
    )  # fmt: skip
    flow.subsets = [Subset("Health outcomes", 15, "G1"), Subset("Process only", 16, "G1")]
    findings = check(flow)
    assert findings == [], findings
    assert (
        flow.value("dbr_assessed") == 163 and f["dbr_assessed"].state == State.DERIVED_ASSUMED
    )  # 0 not retrieved: A4
    drawn = layout(flow)
    text = text_of(drawn)
    assert "Duplicate records removed (n = 230)\u2021" in text
    assert "Unlisted 0 (n = NR)" in text
    assert "Hand-searching (n = NR)" in text
    assert "Reports excluded:" in text and "(n = 132)\u2021" in text
    assert "Registers" not in text  # not applicable: hidden
    # Subsets that do not add up to the included studies are an error (C20).
    flow.subsets[1] = Subset("Process only", 17, "G1")
    assert "C20" in ids(check(flow))


def test_t5_comma_in_reason_label_blocks_the_csv_export():
    flow = t1()
    flow.dbr_excluded[0] = Line("Wrong population, adults", c(40))
    findings = check(flow, for_csv=True)
    assert [f.check for f in findings] == ["C22"]
    assert "C22" not in ids(check(flow))  # only the CSV export is blocked


def test_t7_updated_review_totals_and_warning_when_entered_wrong():
    flow = t1()
    flow.updated = True
    f = flow.fields
    # New: 6 studies / 7 reports.
    flow.dbr_excluded = [Line("Wrong design", c(88))]
    f.update(dbr_excluded_reports=c(88), other_excluded_reports=c(10), new_reports=c(7),
             new_studies=c(6))  # fmt: skip
    flow.other_excluded = [Line("Wrong design", c(10))]
    f.update(
        previous_studies=Count(12, State.REPORTED), previous_reports=Count(15, State.REPORTED),
        previous_studies_dropped=Count(1, State.REPORTED),
        previous_reports_dropped=Count(1, State.REPORTED),
        total_studies=Count(), total_reports=Count(),
    )  # fmt: skip
    assert check(flow) == []
    assert flow.value("total_studies") == 17 and flow.value("total_reports") == 21
    f.update(total_studies=Count(18, State.REPORTED), total_reports=Count(22, State.REPORTED))
    findings = check(flow)
    assert sorted(ids(findings)) == ["C18", "C19"]
    assert all(x.severity == "warning" and x.needs_note for x in findings)
    text = text_of(layout(flow))
    assert "New studies included in review" in text
    assert "Total studies included in review (n = 18)\u2020" in text


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("records_excluded", 900, "C05"),
        ("dbr_notretrieved_reports", 101, "C08"),
        ("dbr_excluded_reports", 96, "C10"),
        ("other_notretrieved_reports", 13, "C13"),
        ("other_excluded_reports", 11, "C15"),
        ("new_reports", 25, "C16"),
        ("new_studies", 25, "C17"),
    ],
)
def test_each_hard_check_catches_its_inconsistency(field, value, expected):
    flow = t1()
    flow.fields[field] = c(value)
    assert expected in ids(check(flow))


def test_reason_lines_must_add_up_to_the_excluded_reports_c24():
    flow = t1()
    flow.dbr_excluded.append(Line("Secondary reason", c(3)))
    assert "C24" in ids(check(flow))


def test_database_lines_that_do_not_add_up_warn_c02():
    flow = t1()
    flow.databases[0] = Line("A", c(499))
    assert "C02" in ids(check(flow))
    flow.databases[0] = Line("A", not_reported())
    assert "C02" not in ids(check(flow))  # partial: 500 listed <= 1000


def test_negative_counts_are_refused_c01():
    flow = t1()
    flow.fields["excluded_other"] = Count(-1, State.REPORTED)
    assert "C01" in ids(check(flow))


def test_zero_is_printed_and_not_reported_is_nr():
    flow = t1()
    solve(flow)
    text = text_of(layout(flow))
    assert "Records marked as ineligible by automation tools (n = 0)" in text
    flow.fields["excluded_automatic"] = not_reported()
    text = text_of(layout(flow))
    assert "Records marked as ineligible by automation tools (n = NR)" in text


def test_csv_is_the_packages_format_with_lists():
    flow = t1()
    rows = csv_rows(flow)
    assert rows[0] == ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
    by = {row[0]: row for row in rows[1:] if row[0] != "NA"}
    assert by["database_results"][7] == "1000"
    assert by["database_specific_results"][7] == "A, 500; B, 300; C, 200"
    assert by["dbr_excluded"][7] == "Wrong population, 40; Wrong design, 25; Wrong outcome, 10"
    assert by["duplicates"][4] == "Duplicate records removed"
    assert by["new_studies"][4] == "Studies included in review"
    assert by["citations_results"][7] == "30" and by["website_results"][7] == "10"
    assert by["organisation_results"][7] == ""  # not counted: blank (NA), never 0
    # Round trip through the csv module: every row has the 8 columns.
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    assert all(len(r) == 8 for r in csv.reader(io.StringIO(buffer.getvalue())))


def test_paragraph_states_the_numbers():
    flow = t1()
    text = paragraph(flow)
    assert "identified 1,000 records" in text
    assert "800 records were screened" in text
    assert "18 studies, reported in 24 reports" in text


def test_paragraph_says_one_of_each_in_the_singular():
    """Issue #21: "1 were excluded", "1 studies, reported in 1 reports"."""
    flow = t1()
    f = flow.fields
    f.update(
        records_screened=c(1), records_excluded=c(1), dbr_excluded_reports=c(1),
        dbr_assessed=c(1), new_studies=c(1), new_reports=c(1), duplicates=c(1),
    )  # fmt: skip
    flow.dbr_excluded = [Line("Wrong population", c(1))]
    text = paragraph(flow)
    assert "1 duplicate," in text
    assert "1 record was screened on title and abstract and 1 was excluded" in text
    assert "1 was assessed for eligibility" in text
    assert "1 was excluded (Wrong population)" in text
    assert "1 study, reported in 1 report, was included in the review." in text
    assert " 1 were " not in text and "1 studies" not in text and "1 reports" not in text


def test_layout_has_the_arrows_and_phases_of_the_template():
    flow = t1()
    drawn = layout(flow)
    assert [p.label for p in drawn.phases] == ["Identification", "Screening", "Included"]
    # Main column: 4 side arrows + 4 down arrows; other methods: 5 (incl. the elbow).
    assert len(drawn.arrows) == 13
    keys = {b.key for b in drawn.boxes}
    assert {
        "records_identified",
        "removed",
        "records_screened",
        "included",
        "other_identified",
    } <= keys
    titles = [b.lines[0] for b in drawn.boxes if b.title]
    assert "Identification of studies via databases and registers" in titles
