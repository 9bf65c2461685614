"""A lead opens the PRISMA diagram, reads its numbers in the SVG, follows the "Records
excluded" box to its list, enters a hand count with a note and sees it marked; no console
errors (the CSP allows only our own scripts)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reporting.models import PrismaOverride
from tests.browser.test_screening_flow import sign_in
from tests.screening.conftest import criterion, decide, screenable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_reads_the_diagram_follows_a_box_and_enters_a_count(
    browser, live_server, review, source, lead, reviewer, second_reviewer
):
    records = screenable(review, source, lead, 3)
    for record in records[:2]:
        for user in (reviewer, second_reviewer):
            decide(review, record, user, "exclude", reason=criterion(review, "E1"))
    context, page = sign_in(browser, live_server, lead, f"/reviews/{review.slug}/prisma/")
    svg = page.locator("figure.prisma-figure svg")
    expect(svg).to_contain_text("Records screened")
    expect(svg).to_contain_text("(n = 3)")
    expect(svg).to_contain_text("Records excluded**")
    expect(page.locator(".alert.warning")).to_contain_text("C07")  # 1 awaiting: needs a note
    page.locator("a.prisma-box", has_text="Records excluded").click()
    expect(page.locator("h1")).to_have_text("Records excluded at title and abstract")
    expect(page.locator("table tbody tr")).to_have_count(2)
    page.go_back()
    page.select_option("#id_field", "duplicates")
    page.select_option("#id_state", "reported")
    page.fill("#id_value", "0")
    page.fill("#id_note", "Checked by hand in EndNote")
    page.click("form.stacked button[type=submit]")
    expect(page.locator("figure.prisma-figure svg")).to_contain_text(
        "Duplicate records removed (n = 0)\u2020"
    )
    assert PrismaOverride.objects.get(review=review).note == "Checked by hand in EndNote"
    assert page.console_errors == []
    context.close()
