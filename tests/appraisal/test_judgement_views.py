"""The appraisal page with domains (suggested judgement, departure with a reason) and the
consensus page: both reviewers' answers and quotes side by side, keys to take one or the
other, the study's PDF beside them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appraisal import services
from appraisal.models import Appraisal, Judgement
from screening import services as screening_services
from screening.models import Retrieval, Stage
from tests.appraisal.test_judgements import LOW_BUT_D2, _save
from tests.screening.conftest import decide, screenable
from tests.screening.test_fulltexts import attach

pytestmark = pytest.mark.django_db


@pytest.fixture
def rob2(review, lead):
    return services.checklist_add_builtin(review=review, user=lead, key="rob2").versions.get()


def _url(review, study, version, page="appraise"):
    return reverse(f"appraisal:{page}", args=[review.slug, study.pk, version.pk])


def _post(version, codes=LOW_BUT_D2, **extra) -> dict:
    data = {"action": "save", **extra}
    for q in version.questions.all():
        data[f"answer-{q.pk}"] = codes.get(q.code, "")
        data[f"support-{q.pk}"] = f"Quote for {q.code}"
    return data


def test_the_appraisal_page_suggests_domain_judgements_and_takes_a_departure_with_a_reason(
    client, review, reviewer, studies, rob2
):
    study = studies[0]
    client.force_login(reviewer)
    page = client.get(_url(review, study, rob2)).content.decode()
    assert "No suggestion until the questions it needs are answered." in page
    assert "Probably yes" in page and "No information" in page  # the signalling scale
    d1 = rob2.domains.get(code="D1")
    data = _post(rob2, **{f"judgement-{d1.pk}": "high"})
    response = client.post(_url(review, study, rob2), data, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "D1: the algorithm suggests Low; say why you judge High." in body
    assert "Quote for 1.1" in body  # the typed input is kept
    assert not Appraisal.objects.exists()
    data[f"reason-{d1.pk}"] = "Allocation by the recruiting nurse"
    data["action"] = "submit"
    assert client.post(_url(review, study, rob2), data).status_code == 302
    judged = {(j.domain.code if j.domain else "Overall"): (j.judgement, j.reason)
              for j in Judgement.objects.select_related("domain")}  # fmt: skip
    assert judged["D1"] == ("high", "Allocation by the recruiting nurse")
    assert judged["D2"] == ("high", "") and judged["Overall"] == ("high", "")
    page = client.get(_url(review, study, rob2)).content.decode()
    assert 'class="suggested">Low<' in page and "Allocation by the recruiting nurse" in page


def test_robins_i_domains_say_there_is_no_published_algorithm_and_the_overall_is_suggested(
    client, review, lead, reviewer, studies
):
    """ROBINS-I (2016) publishes no domain algorithm (only Table 3's overall rule): each
    domain says so, with the guidance, instead of a suggestion; no reason is asked for a
    domain judgement; the overall judgement is still suggested from the domains."""
    robins = services.checklist_add_builtin(review=review, user=lead, key="robins_i")
    version = robins.versions.get()
    client.force_login(reviewer)
    page = client.get(_url(review, studies[0], version)).content.decode()
    assert page.count("No published algorithm: ROBINS-I (2016) leaves each domain") == 7
    assert "https://www.riskofbias.info/welcome/home/current-version-of-robins-i" in page
    assert "Suggested by the algorithm" not in page
    assert "No suggestion until every domain is judged." in page  # the overall rule
    domains = list(version.domains.all())
    data = _post(version, {q.code: "pn" for q in version.questions.all()})
    data |= {f"judgement-{d.pk}": "low" for d in domains}
    data[f"judgement-{domains[0].pk}"] = "serious"  # no reason needed: nothing to depart from
    assert client.post(_url(review, studies[0], version), data).status_code == 302
    page = client.get(_url(review, studies[0], version)).content.decode()
    assert 'class="suggested">Serious<' in page  # Table 3: serious in any domain
    library = client.get(reverse("appraisal:checklists", args=[review.slug])).content.decode()
    row = library.split('id="tool-robins_i"')[1].split("</tr>")[0]
    assert "domains judged from the guidance (no published algorithm)" in row
    rob2_row = library.split('id="tool-rob2"')[1].split("</tr>")[0]
    assert "domain and overall judgements suggested by its published algorithms" in rob2_row


@pytest.fixture
def study_with_pdf(review, source, lead, reviewer, second_reviewer):
    (record,) = screenable(review, source, lead, 1)
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "include")
    report = review.reports.get()
    attach(review, report, lead)
    screening_services.report_set_retrieval(review=review, report=report, user=lead,
                                            retrieval=Retrieval.RETRIEVED)  # fmt: skip
    for user in (reviewer, second_reviewer):
        screening_services.decision_record(review=review, record=record, reviewer=user,
                                           stage=Stage.FULL_TEXT, verdict="include",
                                           advance=False)  # fmt: skip
    return review.studies.get()


def test_the_consensus_page_shows_both_side_by_side_with_keys_and_the_pdf(
    client, review, lead, reviewer, second_reviewer, study_with_pdf, rob2
):
    study = study_with_pdf
    d1 = rob2.domains.get(code="D1")
    report = review.reports.get()
    client.force_login(reviewer)  # the appraisal page shows the PDF beside the questions too
    page = client.get(_url(review, study, rob2)).content.decode()
    assert reverse("screening:report_pdf", args=[review.slug, report.pk]) in page
    assert "consensus-layout with-pdf" in page
    _save(review, study, rob2, reviewer, submit=True)
    _save(review, study, rob2, second_reviewer, codes=LOW_BUT_D2 | {"1.3": "py"}, submit=True)
    client.force_login(reviewer)
    page = client.get(_url(review, study, rob2, "consensus")).content.decode()
    report = review.reports.get()
    assert reverse("screening:report_pdf", args=[review.slug, report.pk]) in page
    assert "<iframe" in page and "consensus-layout with-pdf" in page
    # Both answers and both supporting quotes, and a button (key 1 / 2) to take each.
    row = page.split('id="row-1.3"')[1].split("</tr>")[0]
    assert row.count("p. 1.3") == 2 and "differs" in row
    q13 = rob2.questions.get(code="1.3")
    assert f'data-pick="1" data-name="answer-{q13.pk}" data-value="no"' in row
    assert f'data-pick="2" data-name="answer-{q13.pk}" data-value="py"' in row
    judgement = page.split('id="judgement-D1"')[1].split("</tr>")[0]
    assert "differs" in judgement and 'data-value="low"' in judgement
    assert 'data-value="some_concerns"' in judgement
    data = {f"answer-{q.pk}": LOW_BUT_D2[q.code] for q in rob2.questions.all()}
    data |= {f"method-{q13.pk}": "discussion", f"judgement-{d1.pk}": "low",
             f"jmethod-{d1.pk}": "discussion"}  # fmt: skip
    assert client.post(_url(review, study, rob2, "consensus"), data).status_code == 302
    consensus = Appraisal.objects.get(is_consensus=True)
    assert consensus.judgements.get(domain=d1).judgement == "low"
    assert consensus.answers.get(question=q13).answer == "no"


def test_a_tool_with_domains_gets_robvis_tables_figures_and_csv(
    client, review, lead, reviewer, second_reviewer, studies, rob2
):
    from tests.appraisal.test_judgements import _answers

    d1 = rob2.domains.get(code="D1")
    for study in studies[:2]:
        _save(review, study, rob2, reviewer, submit=True)
        _save(review, study, rob2, second_reviewer, submit=True)
    services.appraisal_consensus(
        review=review, study=studies[1], version=rob2, user=lead,
        answers=_answers(rob2, LOW_BUT_D2),
        judgements={d1.pk: services.JudgementInput("some_concerns", method="discussion")},
    )  # fmt: skip
    client.force_login(reviewer)
    csv = client.get(reverse("appraisal:robvis_csv", args=[review.slug, rob2.pk]))
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines == [
        "Study,D1,D2,D3,D4,D5,Overall,Weight",
        "Author0 2000,Low,High,Low,Low,Low,High,1",
        "Author1 2001,Some concerns,High,Low,Low,Low,High,1",
    ]
    page = client.get(reverse("appraisal:table", args=[review.slug, rob2.pk])).content.decode()
    assert "Bias arising from the randomization process" in page and "ans-some_concerns" in page
    wide = client.get(reverse("appraisal:wide_csv", args=[review.slug, rob2.pk]))
    header, first, second = b"".join(wide.streaming_content).decode().splitlines()
    assert header.endswith(",d1_judgement,d2_judgement,d3_judgement,d4_judgement,"
                           "d5_judgement,overall_judgement")  # fmt: skip
    assert second.endswith(",Some concerns,High,Low,Low,Low,High")
    svg = client.get(reverse("appraisal:figure", args=[review.slug, rob2.pk, "traffic-light",
                                                       "svg"])).content.decode()  # fmt: skip
    assert "Risk of bias domains" in svg and "Checklist answers" not in svg
    svg = client.get(reverse("appraisal:figure", args=[review.slug, rob2.pk, "summary",
                                                       "svg"])).content.decode()  # fmt: skip
    assert "Overall risk of bias" in svg and "Bias due to missing outcome data" in svg


def test_the_library_page_lists_each_tool_with_its_licence_and_adds_one(client, review, lead):
    from appraisal.models import Checklist

    client.force_login(lead)
    url = reverse("appraisal:checklists", args=[review.slug])
    page = client.get(url).content.decode()
    row = page.split('id="tool-robins_i"')[1].split("</tr>")[0]
    assert "CC BY-NC-ND 4.0" in row and "19 September 2016" in row and "7 domains" in row
    assert "https://www.riskofbias.info/" in row
    response = client.post(reverse("appraisal:checklist_create", args=[review.slug]),
                           {"builtin": "nos_cohort"})  # fmt: skip
    added = Checklist.objects.get(builtin="nos_cohort")
    assert response.status_code == 302 and added.versions.get().questions.count() == 8
    assert "Wells GA" in added.source_note


def _builder_post(name, domains, questions, overall="", **extra):
    """A checklist built in the page: one list per column, in the page's row order."""
    data = {"builder": "1", "name": name, "source_note": "Ours", "overall": overall, **extra}
    for prefix, columns, rows in (
        ("d", ("code", "name", "judgements"), domains),
        ("q", ("code", "text", "hint", "group", "answers"), questions),
    ):
        for i, column in enumerate(columns):
            data[f"{prefix}-{column}"] = [row[i] for row in rows]
    return data  # fmt: skip


def test_a_lead_builds_a_custom_tool_in_the_page_and_edits_it_without_losing_answers(
    client, review, lead, reviewer, studies
):
    from appraisal.models import Checklist

    client.force_login(lead)
    url = reverse("appraisal:checklist_create", args=[review.slug])
    page = client.get(reverse("appraisal:checklists", args=[review.slug])).content.decode()
    assert 'id="checklist-builder"' in page and 'data-builder="add"' in page
    bad = _builder_post("Ours", [("D1", "Selection", "Low, Some concerns, High")],
                        [("S1", "Random?", "", "D1", "Yes, Perhaps"), ("", "", "", "", "")])  # fmt: skip
    response = client.post(url, bad)
    assert (
        response.status_code == 200 and "Question row 1: answers are" in response.content.decode()
    )
    assert 'value="Yes, Perhaps"' in response.content.decode()  # the rows come back
    assert not Checklist.objects.filter(name="Ours").exists()
    good = _builder_post(
        "Ours", [("D1", "Selection", "rob2"), ("", "", "")],
        [("S1", "Random?", "", "D1", "signalling"), ("S2", "Concealed?", "", "D1", "signalling"),
         ("N1", "Notes", "page", "Notes", "text"), ("", "", "", "", "")],
        overall="Low, Some concerns, High",
    )  # fmt: skip
    assert client.post(url, good).status_code == 302
    checklist = Checklist.objects.get(name="Ours")
    version = checklist.versions.get()
    assert list(version.domains.values_list("code", "name", "judgements")) == [
        ("D1", "Selection", ["low", "some_concerns", "high"])]  # fmt: skip
    assert list(version.questions.values_list("code", "domain__code", "kind", "options")) == [
        ("S1", "D1", "choice", ["yes", "py", "pn", "no", "ni"]),
        ("S2", "D1", "choice", ["yes", "py", "pn", "no", "ni"]),
        ("N1", None, "text", []),
    ]  # fmt: skip
    assert version.judgements == ["low", "some_concerns", "high"]
    # Used, then edited in the page (S2 moved above S1, a question added): version 2.
    services.appraisal_save(
        review=review, study=studies[0], version=version, reviewer=reviewer,
        answers={version.questions.get(code="S1").pk: services.AnswerInput("py")},
    )  # fmt: skip
    edit = reverse("appraisal:checklist", args=[review.slug, checklist.pk])
    page = client.get(edit).content.decode()
    assert 'name="q-code" value="S1"' in page and 'name="d-judgements" value="rob2"' in page
    moved = _builder_post(
        "Ours", [("D1", "Selection", "rob2")],
        [("S2", "Concealed?", "", "D1", "signalling"), ("S1", "Random?", "", "D1", "signalling"),
         ("S3", "Balanced?", "", "D1", "Yes, No"), ("N1", "Notes", "page", "Notes", "text")],
        overall="Low, Some concerns, High",
    )  # fmt: skip
    assert client.post(edit, moved).status_code == 302
    assert list(checklist.versions.values_list("number", flat=True)) == [1, 2]
    new = checklist.versions.get(number=2)
    assert list(new.questions.values_list("code", flat=True)) == ["S2", "S1", "S3", "N1"]
    assert version.appraisals.get().answers.get().answer == "py"  # kept with version 1


def test_the_long_export_has_the_judgements(client, review, lead, reviewer, studies, rob2):
    import csv
    import io

    d1 = rob2.domains.get(code="D1")
    _save(review, studies[0], rob2, reviewer, submit=True,
          judgements={d1.pk: services.JudgementInput("high", "Open list")})  # fmt: skip
    client.force_login(lead)
    response = client.get(reverse("appraisal:long_csv", args=[review.slug]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    judged = {r["item_id"]: (r["answer"], r["support_text"]) for r in rows
              if r["item_id"].endswith("judgement")}  # fmt: skip
    assert judged["D1 judgement"] == ("High", "Open list")
    assert judged["D2 judgement"] == ("High", "") and judged["Overall judgement"] == ("High", "")
    assert sum(1 for r in rows if not r["item_id"].endswith("judgement")) == 22


def test_the_overview_query_count_does_not_grow_with_judged_studies(
    client, review, lead, reviewer, second_reviewer, rob2
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from screening.models import Study

    def add(n):
        for i in range(n):
            study = Study.objects.create(review=review, label=f"Trial {Study.objects.count()}")
            services.study_design_set(review=review, user=lead, study=study,
                                      design="quantitative", checklists=[rob2.checklist])  # fmt: skip
            _save(review, study, rob2, reviewer, submit=True)
            _save(review, study, rob2, second_reviewer, submit=True, codes=LOW_BUT_D2 | (
                {"1.2": "ni"} if i % 2 else {}))  # fmt: skip

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("appraisal:overview", args=[review.slug]))
        return len(queries), page.content.decode()

    client.force_login(lead)
    add(2)
    few, page = count()
    assert page.count("Differences to reconcile") == 1  # D1 judged differently, 1.2 too
    add(2)
    many, page = count()
    assert page.count("Differences to reconcile") == 2 and many == few
