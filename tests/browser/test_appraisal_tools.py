"""Appraisal tools in the browser (#20): a lead builds a custom tool row by row (add, move,
remove rows, no text box) and the database holds it in the page's order; on the consensus
page a reviewer takes the other reviewer's answer with a click and with the keys (j, 2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appraisal import services
from appraisal.models import Appraisal, Checklist
from screening.models import Study
from tests.appraisal.test_judgements import LOW_BUT_D2, _save
from tests.browser.test_screening_flow import settled, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_builds_a_custom_tool_row_by_row(browser, live_server, review, lead):
    context, page = sign_in(
        browser, live_server, lead, f"/reviews/{review.slug}/appraisal/checklists/"
    )
    builder = page.locator("#checklist-builder")
    builder.get_by_label("Name", exact=True).fill("Our tool")
    domains = builder.locator('[data-rows="domains"] tr.builder-row')
    domains.nth(0).get_by_label("Domain code").fill("D1")
    domains.nth(0).get_by_label("Domain name").fill("Selection")
    domains.nth(0).get_by_label("Domain judgements").fill("rob2")
    questions = builder.locator('[data-rows="questions"] tr.builder-row')
    expect(questions).to_have_count(3)
    rows = [("S1", "Random?", "D1", "signalling"), ("S2", "Concealed?", "D1", "signalling"),
            ("N1", "Notes", "Notes", "text")]  # fmt: skip
    for i, (code, text, group, answers) in enumerate(rows):
        questions.nth(i).get_by_label("Question code").fill(code)
        questions.nth(i).get_by_label("Question", exact=True).fill(text)
        questions.nth(i).get_by_label("Section or domain").fill(group)
        questions.nth(i).get_by_label("Answers").fill(answers)
    builder.get_by_role("button", name="Add a question").click()
    expect(questions).to_have_count(4)
    questions.nth(3).get_by_label("Question code").fill("X1")
    questions.nth(3).get_by_label("Question", exact=True).fill("Dropped")
    questions.nth(3).get_by_role("button", name="Remove").click()
    expect(questions).to_have_count(3)
    questions.nth(1).get_by_role("button", name="Move up").click()  # S2 before S1
    builder.get_by_label("Overall judgement (optional)").fill("Low, Some concerns, High")
    builder.get_by_role("button", name="Create").click()
    expect(page.locator("h1")).to_have_text("Our tool")
    assert page.console_errors == []
    context.close()
    version = Checklist.objects.get(name="Our tool").versions.get()
    assert list(version.questions.values_list("code", "domain__code")) == [
        ("S2", "D1"), ("S1", "D1"), ("N1", None)]  # fmt: skip
    assert version.judgements == ["low", "some_concerns", "high"]


def test_the_consensus_page_takes_an_answer_by_click_and_by_key(
    browser, live_server, review, lead, reviewer, second_reviewer
):
    version = services.checklist_add_builtin(review=review, user=lead, key="rob2").versions.get()
    study = Study.objects.create(review=review, label="Trial 2019")
    _save(review, study, version, reviewer, submit=True)
    _save(review, study, version, second_reviewer, codes=LOW_BUT_D2 | {"1.1": "py", "1.3": "pn"},
          submit=True)  # fmt: skip
    path = f"/reviews/{review.slug}/appraisal/studies/{study.pk}/versions/{version.pk}/consensus/"
    context, page = sign_in(browser, live_server, reviewer, path)
    q11, q13 = (version.questions.get(code=c) for c in ("1.1", "1.3"))
    expect(page.locator("tr.difference")).to_have_count(2)
    page.locator("#row-1\\.3").get_by_role("button", name="Use 2").click()
    expect(page.locator(f"input[name=answer-{q13.pk}][value=pn]")).to_be_checked()
    page.locator("h1").click()
    page.keyboard.press("j")  # the first row (1.1) is current
    expect(page.locator("#row-1\\.1")).to_have_class("pick-row difference current")
    page.keyboard.press("2")
    expect(page.locator(f"input[name=answer-{q11.pk}][value=py]")).to_be_checked()
    for code in ("1.1", "1.3"):
        page.get_by_label(f"How {code} was agreed").select_option("discussion")
    page.get_by_role("button", name="Record the consensus").click()
    settled(page)
    expect(page.locator(".flash .msg.success")).to_contain_text("Consensus recorded")
    assert page.console_errors == []
    context.close()
    consensus = Appraisal.objects.get(is_consensus=True)
    answers = dict(consensus.answers.values_list("question__code", "answer"))
    assert (answers["1.1"], answers["1.3"]) == ("py", "pn")


def test_a_lead_enters_weights_and_the_summary_says_it_is_weighted(
    browser, live_server, review, lead, reviewer, second_reviewer
):
    from appraisal.models import StudyWeight

    studies = [Study.objects.create(review=review, label=f"Author{n} 200{n}") for n in range(2)]
    version = services.checklist_add_builtin(review=review, user=lead, key="rob2").versions.get()
    for study in studies:
        _save(review, study, version, reviewer, submit=True)
        _save(review, study, version, second_reviewer, submit=True)
    context, page = sign_in(browser, live_server, lead, f"/reviews/{review.slug}/appraisal/")
    page.get_by_label("Weight of Author0 2000").fill("120")
    page.get_by_label("Weight of Author1 2001").fill("40.5")
    page.get_by_label("The weights are").fill("sample size")
    page.get_by_role("button", name="Save weights").click()
    expect(page.get_by_text("Weights saved.")).to_be_visible()
    expect(page.get_by_label("Weight of Author1 2001")).to_have_value("40.5")
    page.goto(f"{live_server.url}/reviews/{review.slug}/appraisal/versions/{version.pk}/")
    expect(page.locator("#summary-weighting")).to_contain_text("Weighted by sample size")
    assert page.console_errors == []
    context.close()
    assert sorted(StudyWeight.objects.values_list("weight", flat=True)) == [40.5, 120.0]
