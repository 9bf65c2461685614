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
