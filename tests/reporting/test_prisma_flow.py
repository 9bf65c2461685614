"""The PRISMA flow computed from a review's data: SQL outcomes agree with the screening
selectors, overrides and notes, the box lists, the pages and downloads, the command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from defusedxml import ElementTree
from django.core.management import call_command
from django.urls import reverse

from reporting import rendering, selectors, services
from reporting.models import PrismaNote, PrismaOverride
from screening import selectors as screening_selectors
from screening import services as screening_services
from screening.models import Retrieval, Stage
from tests.screening.conftest import criterion, decide, settings_of

pytestmark = pytest.mark.django_db
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
LINK = "https://example.org/full-text"


def outcomes(review, stage=TA) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in selectors.outcome_counts(review, stage):
        out[row.outcome] = out.get(row.outcome, 0) + row.papers
    return out


def test_sql_outcomes_agree_with_the_screening_selectors(
    review, records, reviewer, second_reviewer, lead
):
    r = records
    e1, e2 = criterion(review, "E1"), criterion(review, "E3")
    decide(review, r[0], reviewer, "include")
    decide(review, r[0], second_reviewer, "include")  # include
    decide(review, r[1], reviewer, "exclude", reason=e1)
    decide(review, r[1], second_reviewer, "exclude", reason=e2)  # conflict (reasons)
    decide(review, r[2], reviewer, "maybe")
    decide(review, r[2], second_reviewer, "include")  # include (maybe counts)
    decide(review, r[3], reviewer, "exclude", reason=e1)
    decide(review, r[3], second_reviewer, "include")  # conflict
    decide(review, r[4], reviewer, "exclude", reason=e1)  # awaiting the second
    for fields in ({}, {"maybe_counts_as_include": False}, {"reasons_must_agree": False}):
        settings = settings_of(review, **fields) if fields else settings_of(review)
        summary = screening_selectors.stage_summary(review, TA, settings)
        got = outcomes(review)
        assert got.get("include", 0) == summary.included
        assert got.get("exclude", 0) == summary.excluded
        assert got.get("conflict", 0) == summary.conflicts
    settings = settings_of(review, maybe_counts_as_include=True, reasons_must_agree=True)
    screening_services.conflict_resolve(
        review=review, paper=r[3], stage=TA, user=lead, verdict="exclude", reason=e2,
        seen=screening_selectors.votes_token(screening_selectors.paper_votes(r[3], TA)),
    )  # fmt: skip
    summary = screening_selectors.stage_summary(review, TA, settings)
    got = outcomes(review)
    assert (got.get("include"), got.get("exclude"), got.get("conflict")) == (2, 1, 1)
    assert summary.included == 2 and summary.excluded == 1 and summary.conflicts == 1
    flow = selectors.prisma_flow(review)
    assert flow.value("records_screened") == 6
    assert flow.value("records_excluded") == 1
    assert any("Screening in progress: 2 records" in note for note in flow.footnotes)


def test_flow_counts_sources_duplicates_and_fulltext(
    review, records, reviewer, second_reviewer, lead, source
):
    for record in records[:3]:
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, "include")
    for record in records[3:]:
        decide(review, record, reviewer, "exclude", reason=criterion(review, "E1"))
        decide(review, record, second_reviewer, "exclude", reason=criterion(review, "E1"))
    reports = list(review.reports.order_by("record_id"))
    assert len(reports) == 3
    screening_services.report_set_retrieval(
        review=review,
        report=reports[0],
        retrieval=Retrieval.NOT_RETRIEVED,
        reason="not_found",
        user=lead,
    )
    for report in reports[1:]:
        screening_services.report_set_retrieval(
            review=review, report=report, retrieval=Retrieval.RETRIEVED, user=lead, link=LINK
        )
    e3 = criterion(review, "E3")
    screening_services.decision_record(
        review=review,
        record=reports[1].record,
        reviewer=reviewer,
        stage=FT,
        verdict="exclude",
        reason=e3,
        advance=False,
    )
    screening_services.decision_record(
        review=review,
        record=reports[1].record,
        reviewer=second_reviewer,
        stage=FT,
        verdict="exclude",
        reason=e3,
        advance=False,
    )
    for user in (reviewer, second_reviewer):
        screening_services.decision_record(review=review, record=reports[2].record, reviewer=user,
                                           stage=FT, verdict="include", advance=False)  # fmt: skip
    diagram = rendering.diagram(review)
    flow = diagram.flow
    assert flow.databases[0].label == source.name and flow.value("database_results") == 6
    assert flow.value("duplicates") == 0 and flow.value("records_screened") == 6
    assert flow.value("records_excluded") == 3
    assert flow.value("dbr_sought_reports") == 3
    assert flow.value("dbr_notretrieved_reports") == 1
    assert flow.value("dbr_assessed") == 2
    assert [(x.label, x.count.value) for x in flow.dbr_excluded] == [(e3.reason_label, 1)]
    assert flow.value("new_reports") == 1 and flow.value("new_studies") == 1
    assert diagram.errors == []
    # The box lists show what each box counts.
    assert [r.pk for r in selectors.box_items(review, "dbr_excluded").items] == [
        reports[1].record_id
    ]
    assert [r.pk for r in selectors.box_items(review, "included").items] == [reports[2].record_id]
    assert selectors.box_items(review, "records_excluded").items.count() == 3
    assert selectors.box_items(review, "nonsense") is None


def test_an_override_replaces_the_count_and_keeps_the_computed_one(review, records, lead):
    services.prisma_override_set(review=review, field="duplicates", state="reported", value=40,
                                 note="Removed in EndNote before import", user=lead)  # fmt: skip
    flow = selectors.prisma_flow(review)
    count = flow.fields["duplicates"]
    assert (count.value, count.state, count.computed) == (40, "reported", 0)
    diagram = rendering.diagram(review)
    assert [f.check for f in diagram.errors] == ["C04"]  # 6 identified - 40 != 6 screened
    assert "expected -34" in diagram.errors[0].message
    svg = rendering.svg(review, diagram)
    text = " ".join(" ".join(" ".join(b.lines).split()) for b in diagram.layout.boxes)
    assert "Duplicate records removed (n = 40)\u2020" in text
    assert "Removed in EndNote before import" in svg
    services.prisma_override_clear(review=review, field="duplicates")
    assert not PrismaOverride.objects.filter(review=review).exists()
    with pytest.raises(Exception, match="Say why"):
        services.prisma_override_set(review=review, field="duplicates", state="reported", value=1,
                                     note=" ", user=lead)  # fmt: skip


def test_previous_studies_make_it_an_updated_review(review, records, lead):
    for field, value in (("previous_studies", 12), ("previous_reports", 15)):
        services.prisma_override_set(review=review, field=field, state="reported", value=value,
                                     note="From the 2019 version", user=lead)  # fmt: skip
    diagram = rendering.diagram(review)
    assert diagram.flow.updated
    assert diagram.flow.value("total_studies") == 12 and diagram.flow.value("total_reports") == 15
    svg = rendering.svg(review, diagram)
    assert "Identification of new studies via databases and registers" in svg
    assert "Previous studies" in svg


def test_a_warning_is_explained_by_a_note(review, records, reviewer, second_reviewer, lead):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "include")
    services.prisma_override_set(review=review, field="dbr_sought_reports", state="reported",
                                 value=2, note="two reports of one record", user=lead)  # fmt: skip
    diagram = rendering.diagram(review)
    c07 = [f for f in diagram.warnings if f.check == "C07"]
    assert c07 and c07[0].needs_note
    services.prisma_note_set(
        review=review, check_id="C07", note="A paper and its erratum", user=lead
    )
    diagram = rendering.diagram(review)
    assert [f.note for f in diagram.warnings if f.check == "C07"] == ["A paper and its erratum"]
    services.prisma_note_set(review=review, check_id="C07", note="", user=lead)
    assert not PrismaNote.objects.exists()


URLS = [
    ("reporting:prisma", ()),
    ("reporting:prisma_download", ("svg",)),
    ("reporting:prisma_download", ("json",)),
    ("reporting:prisma_box", ("records_screened",)),
    ("reporting:prisma_s", ()),
    ("reporting:prisma_s_csv", ()),
]


@pytest.mark.parametrize(("name", "args"), URLS)
def test_only_a_lead_sees_the_diagram_and_its_lists(
    client, review, records, reviewer, outsider, lead, name, args
):
    url = reverse(name, args=[review.slug, *args])
    assert client.get(url).status_code in (302, 404)  # anonymous: to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(reviewer)
    assert client.get(url).status_code == 403  # counts come from everybody's votes
    client.force_login(lead)
    assert client.get(url).status_code == 200


def test_downloads_are_valid_files(client, review, records, lead):
    client.force_login(lead)
    base = reverse("reporting:prisma_download", args=[review.slug, "x"])[:-1]
    svg = client.get(base + "svg")
    assert svg["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(svg.content)
    assert root.tag.endswith("svg")
    assert client.get(base + "png").content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(base + "pdf").content.startswith(b"%PDF")
    data = json.loads(client.get(base + "json").content)
    assert data["fields"]["records_screened"] == {"value": 6, "state": "computed"}
    rows = client.get(base + "csv").content.decode().splitlines()
    assert rows[0] == "data,node,box,description,boxtext,tooltips,url,n"
    assert client.get(base + "exe").status_code == 404


def test_a_reason_label_with_a_comma_blocks_the_csv_only(
    client, review, records, reviewer, second_reviewer, lead
):
    e1 = criterion(review, "E1")
    e1.label = "Outside England, Wales"
    e1.save()
    for record in records:
        for user in (reviewer, second_reviewer):
            decide(review, record, user, "include")
    report = review.reports.first()
    screening_services.report_set_retrieval(
        review=review, report=report, retrieval=Retrieval.RETRIEVED, user=lead, link=LINK
    )
    for user in (reviewer, second_reviewer):
        screening_services.decision_record(review=review, record=report.record, reviewer=user,
                                           stage=FT, verdict="exclude", reason=e1, advance=False)  # fmt: skip
    client.force_login(lead)
    response = client.get(
        reverse("reporting:prisma_download", args=[review.slug, "csv"]), follow=True
    )
    assert b"cannot hold" in response.content
    assert (
        client.get(reverse("reporting:prisma_download", args=[review.slug, "svg"])).status_code
        == 200
    )


def test_override_and_note_views(client, review, records, lead, reviewer):
    url = reverse("reporting:prisma_override", args=[review.slug])
    client.force_login(reviewer)
    assert (
        client.post(
            url, {"field": "duplicates", "state": "reported", "value": 3, "note": "x"}
        ).status_code
        == 403
    )
    client.force_login(lead)
    client.post(url, {"field": "duplicates", "state": "reported", "value": 3, "note": "EndNote"})
    assert PrismaOverride.objects.get(review=review).value == 3
    client.post(url, {"field": "duplicates", "state": "reported", "note": "no value"})
    assert PrismaOverride.objects.get(review=review).value == 3  # refused: no count
    client.post(url, {"clear": "duplicates"})
    assert not PrismaOverride.objects.exists()
    note = reverse("reporting:prisma_note", args=[review.slug])
    client.post(note, {"check_id": "C07", "note": "Explained"})
    assert PrismaNote.objects.get(review=review).note == "Explained"


def test_prisma_command_prints_and_writes(review, records, tmp_path):
    out = StringIO()
    call_command("prisma", review.slug, "--format", "json", stdout=out)
    # The command writes to sys.stdout; call it through the module for the file outputs.
    target = tmp_path / "d.pdf"
    call_command("prisma", review.slug, "--format", "pdf", "--out", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    with pytest.raises(Exception, match="No review"):
        call_command("prisma", "nope")


def test_stopping_early_fills_the_automation_split_of_records_excluded(
    review, records, reviewer, second_reviewer, lead
):
    from screening.services.ranking import screening_stop_early

    for record in records[:2]:
        decide(review, record, reviewer, "exclude", reason=criterion(review, "E1"))
        decide(review, record, second_reviewer, "exclude", reason=criterion(review, "E1"))
    decide(review, records[2], reviewer, "include")
    decide(review, records[2], second_reviewer, "include")
    screening_stop_early(review=review, stage=TA, user=lead, rule="consecutive",
                         params={"n": 50})  # fmt: skip
    diagram = rendering.diagram(review)
    flow = diagram.flow
    assert flow.value("records_excluded_human") == 2
    assert flow.value("records_excluded_automation") == 3
    assert flow.value("records_excluded") == 5 and flow.value("records_screened") == 6
    text = " ".join(" ".join(" ".join(b.lines).split()) for b in diagram.layout.boxes)
    assert "by automation tools (n = 3)" in text and "by a person (n = 2)" in text
    assert any("consecutive" in note for note in flow.footnotes)
    assert not [f for f in diagram.findings if f.check in ("C05", "C06")]


@pytest.mark.parametrize("seed", range(4))
def test_sql_outcomes_match_the_python_rule_on_random_votes(
    review, source, lead, reviewer, second_reviewer, seed
):
    """Random votes, reasons (none, E1, E3, free text differing only in case and spaces),
    Maybe, single votes, one reviewer voting twice on a paper (two records merged after
    screening) and resolutions: the SQL counts equal `stage_summary` under every setting."""
    import random

    from reviews.models import Record
    from screening import outcomes as outcomes_rule
    from screening.models import Decision, Resolution
    from tests.screening.conftest import screenable

    rng = random.Random(seed)
    papers_ = screenable(review, source, lead, 40)
    e1, e3 = criterion(review, "E1"), criterion(review, "E3")
    reasons = [
        (None, ""),
        (e1, ""),
        (e3, ""),
        (None, "Duplicate  report"),
        (None, "duplicate report"),
    ]
    for i, paper in enumerate(papers_):
        voters = rng.choice([[reviewer], [reviewer, second_reviewer], [reviewer, second_reviewer]])
        for user in voters:
            verdict = rng.choice(["include", "exclude", "exclude", "maybe"])
            reason, other = rng.choice(reasons) if verdict == "exclude" else (None, "")
            Decision.objects.create(review=review, record=paper, paper=paper, reviewer=user,
                                    stage=TA, verdict=verdict, reason=reason, reason_other=other)  # fmt: skip
        if i % 11 == 3:
            Resolution.objects.create(review=review, record=paper, paper=paper, stage=TA, verdict="exclude",
                                      reason=e1, resolved_by=lead)  # fmt: skip
    for n, paper in enumerate(papers_[:4]):
        # The same reviewer's vote on a second record, merged into this paper later.
        twin = Record.objects.create(
            review=review, batch=paper.batch, ordinal=1000 + n, source_line=1, title=paper.title,
            raw_text="TY  - JOUR", dedup_checked=True, duplicate_of=paper,
        )  # fmt: skip
        Decision.objects.create(review=review, record=twin, paper=paper, reviewer=second_reviewer,
                                stage=TA, verdict=rng.choice(["include", "exclude"]))  # fmt: skip
    for fields in (
        {"maybe_counts_as_include": True, "reasons_must_agree": True},
        {"maybe_counts_as_include": False, "reasons_must_agree": True},
        {"maybe_counts_as_include": True, "reasons_must_agree": False},
        {"reviewers_required": 1},
    ):
        settings = settings_of(review, **fields)
        summary = screening_selectors.stage_summary(review, TA, settings)
        got = outcomes(review)
        assert (got.get("include", 0), got.get("exclude", 0), got.get("conflict", 0)) == (
            summary.included, summary.excluded, summary.conflicts,
        ), fields  # fmt: skip
        assert "recheck" not in got
        # Paper by paper, the SQL (with its few rechecks) equals the rule in Python on the
        # paper's votes: every vote on every record counts, distinct reviewers fill slots.
        sql = screening_selectors.paper_outcomes(review, TA)
        resolved = screening_selectors.resolutions(review, TA)
        for paper in papers_:
            votes = list(Decision.objects.filter(paper=paper, stage=TA))
            want = resolved.get(paper.pk) or screening_selectors.outcome_of(votes, settings)
            assert sql.get(paper.pk, ("awaiting",))[0] == want, (fields, paper.pk)
            if want == "exclude" and paper.pk not in resolved:  # and the reason it counts under
                rid, other = outcomes_rule.exclusion_reason(votes)
                assert sql[paper.pk][1:] == (rid, other), paper.pk
