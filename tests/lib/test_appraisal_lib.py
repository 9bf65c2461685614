"""lib.appraisal: answer vocabulary, summaries, overall rules, definitions, figures
(lib.spreadsheet has tests/lib/test_spreadsheet.py)."""

from __future__ import annotations

import pytest

from lib.appraisal import answers, definitions, figures
from lib.appraisal.checklists import BUILTIN


def test_summary_counts_and_percentages_not_scores():
    rows = [["yes", "no"], ["yes", "cant_tell"], ["no", ""], ["yes", "na"]]
    q1, q2 = answers.summarise(
        [("Q1", "a", ("yes", "no")), ("Q2", "b", ("yes", "no", "cant_tell", "na"))], rows
    )
    assert q1.counts == {"yes": 3, "no": 1} and q1.answered == 4 and q1.percent("yes") == 75.0
    assert q2.counts == {"yes": 0, "no": 1, "cant_tell": 1, "na": 1} and q2.answered == 3


def test_overall_rule():
    rule = "Exclude if Q1 = No or Q2 = No\nSeek further info if Q1 = Can't tell\nInclude otherwise"
    assert answers.overall(rule, {"Q1": "yes", "Q2": "no"}) == "Exclude"
    assert answers.overall(rule, {"Q1": "cant_tell", "Q2": "yes"}) == "Seek further info"
    assert answers.overall(rule, {"q1": "yes", "Q2": "yes"}) == "Include"
    assert answers.overall("", {"Q1": "no"}) == ""
    with pytest.raises(answers.RuleError):
        answers.parse_rule("Exclude when Q1 is bad")


def test_same_compares_like_reviewers_do():
    assert answers.same(" Urban  area", "urban area")
    assert answers.same(["HAZ", "LSP"], ["lsp", "haz"])
    assert not answers.same([{"arm": "a", "n": "1"}], [{"arm": "a", "n": "2"}])
    assert answers.same("", None)


def test_questions_round_trip_through_text():
    text = "## A: valid?\nQ1 | Aims? | hint | Yes, Can't tell, No\nQ10 | Value? | | text\n## B\nQ2 | Method?"
    parsed = definitions.parse_questions(text)
    assert parsed[0] == definitions.QuestionDef(
        "Q1", "Aims?", "A: valid?", "hint", "choice", ("yes", "cant_tell", "no")
    )
    assert parsed[1].kind == "text" and parsed[1].options == ()
    assert parsed[2].section == "B" and parsed[2].options == answers.DEFAULT_OPTIONS
    assert definitions.parse_questions(definitions.render_questions(parsed)) == parsed


@pytest.mark.parametrize(
    "text", ["", "Q1", "Q1 | a\nq1 | b", "1.x | a", "1_1 | a", "Q1 | a | | Perhaps"]
)
def test_bad_questions_are_refused(text):
    with pytest.raises(definitions.DefinitionError):
        definitions.parse_questions(text)


def test_fields_round_trip_and_values():
    text = (
        "## Study\ntype | Type | single_choice | LSP; HAZ\nout | Outcomes | table\nn | N | number"
    )
    fields = definitions.parse_fields(text)
    assert fields[1].options == definitions.RESULT_COLUMNS
    assert definitions.parse_fields(definitions.render_fields(fields)) == fields
    assert definitions.clean_value("single_choice", ("LSP", "HAZ"), "HAZ") == "HAZ"
    assert definitions.clean_value("table", ("arm", "n"), "a | 1\n\nb") == [
        {"arm": "a", "n": 1}, {"arm": "b", "n": ""},
    ]  # fmt: skip
    assert definitions.clean_value("multiple_choice", ("a", "b"), ["a", "b"]) == ["a", "b"]
    for kind, options, raw in [("number", (), "many"), ("date", (), "May 2004"),
                               ("single_choice", ("a",), "b"), ("yes_no", (), "maybe"),
                               ("table", ("a",), "1 | 2")]:  # fmt: skip
        with pytest.raises(definitions.DefinitionError):
            definitions.clean_value(kind, options, raw)
    with pytest.raises(definitions.DefinitionError):
        definitions.parse_fields("x | X | colour")


def test_builtin_checklists_match_the_reference_review():
    reference = ("seed_qualitative", "seed_quantitative", "jbi_qualitative")
    assert [len(BUILTIN[k].questions) for k in reference] == [10, 10, 10]
    assert list(BUILTIN)[:3] == list(reference)  # the library comes after them
    assert (
        BUILTIN["seed_quantitative"].questions[3].text
        == "Is the baseline response greater than 60%?"
    )
    q6 = BUILTIN["seed_qualitative"].questions[5]
    assert q6.hint == "Are data presented to support interpretations, etc?"


@pytest.mark.slow  # renders a figure (matplotlib): .ci/run's PostgreSQL pass
def test_figures_are_svg_and_png():
    questions = [("Q1", "Aims?"), ("Q2", "Method?")]
    rows = [["yes", "no"], ["cant_tell", ""]]
    svg = figures.traffic_light(
        ["A 2001", "B 2002"], questions, rows, overall=["Include", "Exclude"]
    )
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg and answers.CAPTION.encode() in svg
    assert svg == figures.traffic_light(
        ["A 2001", "B 2002"], questions, rows, overall=["Include", "Exclude"]
    )
    png = figures.summary_plot(questions, rows, fmt="png")
    assert png.startswith(b"\x89PNG")
    assert figures.summary_plot(questions, [], fmt="svg").startswith(b"<?xml")
    assert figures.traffic_light([], questions, []).startswith(b"<?xml")
    with pytest.raises(ValueError):
        figures.summary_plot(questions, rows, fmt="gif")


# --- robvis conventions for risk-of-bias tools ------------------------------------------------

ROB_DOMAINS = [
    ("D1", "Bias arising from the randomization process"),
    ("D2", "Bias due to deviations"),
]


def test_rob_traffic_light_follows_robvis():
    svg = figures.rob_traffic_light(
        ["Lambert 2003a", "Lambert 2003b"], ROB_DOMAINS, [["low", "some_concerns"], ["high", ""]],
        overall=["some_concerns", "critical"], scale=("low", "some_concerns", "high", "critical"),
    ).decode()  # fmt: skip
    assert "Risk of bias domains" in svg and "Judgement" in svg and "Overall" in svg
    assert "D1: Bias arising from the randomization process" in svg  # the caption
    assert "Checklist answers" not in svg  # judgements, not checklist answers
    for colour in ("#02c100", "#e2df07", "#bf0000", "#820000", "#4ea1f7", "#d3d3d3"):
        assert colour in svg.lower(), colour  # Low, Some concerns, High, Critical, NI, grey


def test_rob_summary_has_the_overall_bar_in_bold_and_weights():
    rows = [["low", "some_concerns"], ["high", "low"], ["low", "low"]]
    svg = figures.rob_summary(ROB_DOMAINS, rows, overall=["some_concerns", "high", "low"],
                              weights=[2, 1, 1], weighting="Weighted by sample size").decode()  # fmt: skip
    assert "Overall risk of bias" in svg and "font-weight: 700" in svg
    assert "Studies (n = 3). Weighted by sample size." in svg  # which weighting it shows
    plain = figures.rob_summary(ROB_DOMAINS, rows).decode()
    assert "Studies (n = 3). Unweighted: each study counts equally." in plain
    assert figures.shares(rows, 2, [2, 1, 1])[0] == {"low": 0.75, "high": 0.25}
    assert figures.shares(rows, 2)[1] == {"some_concerns": 1 / 3, "low": 2 / 3}
    for bad in ([1], [1, -1, 1], [1, float("nan"), 1], [1, float("inf"), 1], [0, 0, 0]):
        with pytest.raises(ValueError):
            figures.rob_summary(ROB_DOMAINS, rows, weights=bad)


def test_the_weighted_summary_shows_the_proportion_of_information_per_domain_and_overall():
    """robvis's rob_summary(weighted = TRUE): each bar is the share of the total weight at
    each judgement (ggplot's geom_bar(weight = Weights, position = "fill")). Three studies
    with meta-analysis weights 50, 30, 20 (%)."""
    rows = [["low", "high"], ["some_concerns", "low"], ["low", ""]]
    labels, table = figures.rob_summary_table(ROB_DOMAINS, rows, ["some_concerns", "high", "low"])
    assert [name for _, name in labels] == [*(n for _, n in ROB_DOMAINS), "Overall risk of bias"]
    weighted = figures.shares(table, len(labels), [50, 30, 20])
    assert weighted[0] == pytest.approx({"low": 0.7, "some_concerns": 0.3})
    assert weighted[1] == pytest.approx({"high": 0.5, "low": 0.3, "": 0.2})  # 20% not judged
    assert weighted[2] == pytest.approx({"some_concerns": 0.5, "high": 0.3, "low": 0.2})
    assert all(sum(bar.values()) == pytest.approx(1) for bar in weighted)
    # Equal weights are the unweighted summary; a study of weight 0 carries no information.
    for equal, plain in zip(figures.shares(table, 3, [7, 7, 7]), figures.shares(table, 3),
                            strict=True):  # fmt: skip
        assert equal == pytest.approx(plain)
    assert figures.shares(table, 3, [1, 1, 0])[0] == pytest.approx({"low": 0.5,
                                                                     "some_concerns": 0.5})  # fmt: skip


def test_figures_come_as_pdf_too_and_the_same_data_gives_the_same_file():
    rows = [["low", "some_concerns"], ["high", "low"]]
    for draw in (
        lambda: figures.rob_summary(ROB_DOMAINS, rows, weights=[3, 1], fmt="pdf"),
        lambda: figures.rob_traffic_light(["A 2001", "B 2002"], ROB_DOMAINS, rows, fmt="pdf"),
        lambda: figures.summary_plot([("Q1", "Aims?")], [["yes"], ["no"]], fmt="pdf"),
    ):
        pdf = draw()
        assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf and pdf == draw()


def test_an_overall_rule_costs_little_whatever_its_blanks(watchdog):
    """The attack: `parse_rule(" " * 2000 + "x")` took 64 s (two parts of the line pattern
    competed for the same run of blanks). Blanks fold to one; a rule past 20,000 characters
    is refused with its length."""
    from lib.appraisal.answers import RuleError, parse_rule

    with watchdog(20):
        for text in (" " * 19_000 + "x", "x" + " " * 19_000 + "y", "Low if Q1 No" + " " * 9000):
            with pytest.raises(RuleError):
                parse_rule(text)
        with pytest.raises(RuleError, match="too long"):
            parse_rule("Low otherwise\n" * 2000)
    assert parse_rule("  High   if  Q1 = No   or Q2  =  No \nLow\totherwise") == [
        ("High", [("Q1", "no"), ("Q2", "no")]),
        ("Low", []),
    ]


# Each library tool's published structure: items (sub-items counted) per section, in order.
# CASP checklists (casp-uk.net, 2018; RCT 2020): qualitative 10 (A 1-6, B 7-9, C 10); RCT 11
# (A 1-3, B 4-6, C 7-9, D 10-11); cohort 12 with 5a/5b, 6a/6b; case-control 11 with 6a/6b;
# systematic review 10 (A 1-5, B 6-7, C 8-10). JBI critical appraisal tools (2017): RCT 13,
# cohort 11, case-control 10, analytical cross-sectional 8, quasi-experimental 9,
# prevalence 9, qualitative 10. MMAT 2018 (Hong et al.): 2 screening questions, then 5 per
# category x 5. Newcastle-Ottawa (Wells et al.): Selection 4, Comparability 1, Outcome or
# Exposure 3. AMSTAR 2 (Shea et al. BMJ 2017;358:j4008): 16 items, 9 and 11 for RCTs and
# NRSI apart (18).
PUBLISHED = {
    "casp_qualitative": [6, 3, 1],
    "casp_rct": [3, 3, 3, 2],
    "casp_cohort": [8, 3, 3],
    "casp_case_control": [7, 3, 2],
    "casp_systematic_review": [5, 2, 3],
    "jbi_rct": [13], "jbi_cohort": [11], "jbi_case_control": [10], "jbi_cross_sectional": [8],
    "jbi_quasi_experimental": [9], "jbi_prevalence": [9], "jbi_qualitative": [10],
    "mmat_2018": [2, 5, 5, 5, 5, 5],
    "nos_cohort": [4, 1, 3], "nos_case_control": [4, 1, 3],
    "amstar2": [18],
}  # fmt: skip


@pytest.mark.parametrize("key", PUBLISHED)
def test_each_library_tool_has_its_published_structure(key):
    tool = BUILTIN[key]
    sections: dict[str, int] = {}
    for q in tool.questions:
        sections[q.section] = sections.get(q.section, 0) + 1
    assert list(sections.values()) == PUBLISHED[key]
    codes = [q.code for q in tool.questions]
    assert len(set(codes)) == len(codes)  # each item once, answerable by its code


def test_amstar2_items_and_critical_domains_are_the_published_ones():
    from lib.appraisal.algorithms import AMSTAR2_CRITICAL

    codes = [q.code for q in BUILTIN["amstar2"].questions]
    assert codes == ["1", "2", "3", "4", "5", "6", "7", "8", "9a", "9b", "10", "11a", "11b",
                     "12", "13", "14", "15", "16"]  # fmt: skip
    assert set(AMSTAR2_CRITICAL) <= set(codes)  # Box 2's critical domains: 2 4 7 9 11 13 15
