"""Extraction in the browser (#20): an outcome grid typed row by row is autosaved on change
(no button pressed) as numbers; on the consensus page the key 2 takes the second value."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appraisal import services
from appraisal.models import Value
from screening.models import Study
from tests.appraisal.conftest import FORM, extract
from tests.browser.test_screening_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_outcome_grid_is_autosaved_as_numbers(browser, live_server, review, lead, reviewer):
    form = services.form_create(review=review, user=lead, name="Outcomes", definition=FORM)
    version = form.versions.get()
    study = Study.objects.create(review=review, label="Trial 2019")
    url = f"/reviews/{review.slug}/extraction/studies/{study.pk}/versions/{version.pk}/"
    context, page = sign_in(browser, live_server, reviewer, url)
    grid = page.locator(".outcome-grid tr.builder-row")
    expect(grid).to_have_count(2)
    for i, cells in enumerate([("smoking", "12m", "drug", "100", "3.2", "1.1"),
                               ("smoking", "12m", "placebo", "98", "3.9", "1.4")]):  # fmt: skip
        inputs = grid.nth(i).locator("input")
        for j, cell in enumerate(cells):
            inputs.nth(j).fill(cell)
    page.get_by_role("button", name="Add a row").click()
    expect(grid).to_have_count(3)
    grid.nth(2).locator("input").nth(0).press("Tab")  # leave the last cell: a change event
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved")
    assert page.console_errors == []
    context.close()
    results = version.fields.get(code="results")
    stored = Value.objects.get(extraction__reviewer=reviewer, field=results).value
    assert [(r["arm"], r["n"], r["sd"]) for r in stored] == [("drug", 100, 1.1),
                                                             ("placebo", 98, 1.4)]  # fmt: skip


def test_the_extraction_consensus_takes_a_value_by_key(
    browser, live_server, review, lead, reviewer, second_reviewer
):
    form = services.form_create(review=review, user=lead, name="Outcomes", definition=FORM)
    version = form.versions.get()
    study = Study.objects.create(review=review, label="Trial 2019")
    extract(review, study, version, reviewer)
    extract(review, study, version, second_reviewer, setting="Rural")
    url = f"/reviews/{review.slug}/extraction/studies/{study.pk}/versions/{version.pk}/consensus/"
    context, page = sign_in(browser, live_server, reviewer, url)
    setting = version.fields.get(code="setting")
    box = page.locator(f'textarea[name="value-{setting.pk}"]')
    rows = page.locator("tr.pick-row")
    index = [rows.nth(i).get_attribute("id") for i in range(rows.count())].index("field-setting")
    for _ in range(index + 1):
        page.keyboard.press("j")
    page.keyboard.press("2")
    expect(box).to_have_value("Rural")
    assert page.console_errors == []
    context.close()


@pytest.mark.xfail(
    strict=False,
    reason="known defect, open (#20): after 'Add an arm' the next autosave is sometimes not "
    "sent or its answer is lost (failed 1 run in 3 here, once in CI): the status keeps the "
    "earlier 'Draft saved'",
)
def test_arms_are_added_from_the_keyboard_and_a_range_is_refused(
    browser, live_server, review, lead, reviewer
):
    """A repeating section (#20): "Add an arm" from the keyboard saves the draft and puts the
    focus in the new arm's first input; a value outside its range is refused with its
    range, at phone width without sideways scrolling."""
    from tests.appraisal.test_extraction_fields import FORM as TRIAL_FORM

    form = services.form_create(review=review, user=lead, name="Trial", definition=TRIAL_FORM)
    version = form.versions.get()
    study = Study.objects.create(review=review, label="Trial 2019")
    url = f"/reviews/{review.slug}/extraction/studies/{study.pk}/versions/{version.pk}/"
    context, page = sign_in(browser, live_server, reviewer, url)
    page.set_viewport_size({"width": 390, "height": 844})
    arm, n = version.fields.get(code="arm"), version.fields.get(code="n")
    page.locator(f"#v-{arm.pk}-1").fill("Exercise")
    page.locator(f"#v-{n.pk}-1").fill("120")
    page.get_by_role("button", name="Add an arm").focus()
    page.keyboard.press("Enter")
    expect(page.locator("legend", has_text="Arm 2")).to_be_visible()
    expect(page.locator(f"#v-{arm.pk}-2")).to_be_focused()
    page.keyboard.type("Usual care")
    page.keyboard.press("Tab")
    page.keyboard.type("6000")
    page.keyboard.press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text(
        "6000 is outside the allowed range 0 to 5000 participants"
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert page.console_errors == []
    context.close()
    stored = Value.objects.get(extraction__reviewer=reviewer, field=arm).value
    assert stored == ["Exercise", ""]  # the add saved arm 1 and a blank arm 2; 6000 refused
    assert Value.objects.get(extraction__reviewer=reviewer, field=n).value == ["120", ""]


def test_the_consensus_takes_one_arm_by_key(
    browser, live_server, review, lead, reviewer, second_reviewer
):
    """Arm 2 beside Arm 2: the key 2 fills that instance's agreed box only."""
    from tests.appraisal.test_extraction_fields import FORM as TRIAL_FORM
    from tests.appraisal.test_extraction_fields import FULL, save

    form = services.form_create(review=review, user=lead, name="Trial", definition=TRIAL_FORM)
    version = form.versions.get()
    study = Study.objects.create(review=review, label="Trial 2019")
    save(review, study, version, reviewer, submit=True, **FULL)
    save(review, study, version, second_reviewer, submit=True, **(FULL | {"n": ["120", "118"]}))
    url = f"/reviews/{review.slug}/extraction/studies/{study.pk}/versions/{version.pk}/consensus/"
    context, page = sign_in(browser, live_server, reviewer, url)
    n = version.fields.get(code="n")
    rows = page.locator("tr.pick-row")
    index = [rows.nth(i).get_attribute("id") for i in range(rows.count())].index("field-n-2")
    for _ in range(index + 1):
        page.keyboard.press("j")
    page.keyboard.press("2")
    expect(page.locator(f'textarea[name="value-{n.pk}-2"]')).to_have_value("118")
    expect(page.locator(f'textarea[name="value-{n.pk}-1"]')).to_have_count(0)  # agreed: no box
    page.locator(f'select[name="method-{n.pk}"]').select_option("discussion")
    page.get_by_role("button", name="Record the consensus").click()
    expect(page.locator("body")).to_contain_text("Consensus recorded")
    assert page.console_errors == []
    context.close()
    agreed = Value.objects.get(extraction__is_consensus=True, field=n)
    assert agreed.value == ["120", "118"] and agreed.method == "discussion"
