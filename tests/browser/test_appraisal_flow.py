"""Two reviewers appraise one study independently in the browser (htmx saves), disagree on
one question, and one of them records the consensus; the database holds both appraisals and
the agreed answer with how it was reached."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appraisal import services
from appraisal.models import Answer, Appraisal
from screening.models import Study
from tests.browser.test_screening_flow import settled, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def study_and_version(review, lead):
    checklist = services.checklist_add_builtin(review=review, user=lead, key="seed_qualitative")
    study = Study.objects.create(review=review, label="Smith 2004")
    services.study_design_set(review=review, user=lead, study=study, design="qualitative")
    return study, checklist.versions.get()


def appraise_in_browser(browser, live_server, user, review, study, version, no: set[str]):
    context, page = sign_in(browser, live_server, user, f"/reviews/{review.slug}/appraisal/")
    page.get_by_role("link", name=version.checklist.name, exact=True).click()
    expect(page.locator("#appraisal-state")).to_contain_text("not started")
    for question in version.questions.all():
        answer = "no" if question.code in no else "yes"
        page.check(f"input[name=answer-{question.pk}][value={answer}]")
    page.fill(f"textarea[name=support-{version.questions.get(code='Q2').pk}]", "Methods, p. 4")
    page.get_by_role("button", name="Submit: I am done").click()
    settled(page)
    expect(page.locator("#appraisal-form .ok")).to_have_text("Saved.")
    assert page.console_errors == []
    return context, page


def test_dual_appraisal_with_one_difference_reconciled(
    browser, live_server, review, reviewer, second_reviewer, study_and_version
):
    study, version = study_and_version
    first, page = appraise_in_browser(
        browser, live_server, reviewer, review, study, version, {"Q2"}
    )
    expect(page.locator("#appraisal-state")).to_contain_text("waiting for the other reviewer")
    expect(page.get_by_role("link", name="Answers side by side and consensus")).to_have_count(0)
    first.close()
    second, page = appraise_in_browser(
        browser, live_server, second_reviewer, review, study, version, set()
    )
    expect(page.locator("#appraisal-state")).to_contain_text("differences to reconcile")
    page.get_by_role("link", name="Answers side by side and consensus").click()
    expect(page.locator("tr.difference")).to_have_count(1)
    q2 = version.questions.get(code="Q2")
    row = page.locator("#row-Q2")
    expect(row).to_contain_text("Methods, p. 4")
    row.locator(f"input[name=answer-{q2.pk}][value=no]").check()
    row.get_by_label("How Q2 was agreed").select_option("discussion")
    page.get_by_role("button", name="Record the consensus").click()
    expect(page.locator(".flash .msg.success")).to_contain_text("Consensus recorded for Smith 2004")
    assert page.console_errors == []
    second.close()
    consensus = Appraisal.objects.get(is_consensus=True)
    assert consensus.reviewer == second_reviewer
    agreed = Answer.objects.get(appraisal=consensus, question=q2)
    assert (agreed.answer, agreed.method) == ("no", "discussion")
    assert Answer.objects.filter(appraisal__is_consensus=False, question=q2).count() == 2
    assert Appraisal.objects.filter(is_consensus=False, submitted_at__isnull=False).count() == 2
