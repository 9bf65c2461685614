"""Two reviewers, in two browsers, screen the same ten records by keyboard only; they
disagree on two; the lead resolves both; the dashboard's counts and kappa match the
database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lib.screening import agreement
from reviews import services
from screening.models import Decision, Resolution
from tests.conftest import PASSWORD, ris_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = [
    "Health Action Zones and smoking cessation in Leeds",
    "Local Strategic Partnerships and teenage pregnancy",
    "Neighbourhood renewal and obesity in Bradford",
    "Surgical outcomes of knee replacement",
    "Antibiotic prophylaxis in thoracic surgery",
    "Community safety partnerships in Ohio",
    "Opinion: the future of joint working",
    "Primary care trusts and physical activity",
    "Hospital infection control audit",
    "Partnership governance: a theoretical essay",
]
# Index -> (first reviewer's key, second reviewer's key). Two disagreements: 2 and 5.
PLAN = {
    0: ("i", "i"),
    1: ("i", "i"),
    2: ("i", "e"),
    3: ("e", "e"),
    4: ("e", "e"),
    5: ("e", "m"),
    6: ("e", "e"),
    7: ("i", "i"),
    8: ("e", "e"),
    9: ("e", "e"),
}
ACTION = re.compile(r"/records/(\d+)/decision/")


@pytest.fixture
def ten_records(review, source, lead):
    text = "".join(
        f"TY  - JOUR\nAU  - Author{i}, A.\nTI  - {t}\nPY  - {2000 + i}\n"
        f"AB  - Abstract of paper {i} about {t.lower()}.\nER  - \n\n"
        for i, t in enumerate(TITLES)
    )
    batch = services.import_batch_start(
        review=review, source=source, upload=ris_upload(text), filename="ten.ris", user=lead,
        preview=False, enqueue=False,
    )  # fmt: skip
    services.import_batch_run(batch_id=batch.pk)
    services.dedup_request(review_id=review.pk, enqueue=False)
    services.dedup_run(review_id=review.pk)
    return {r.pk: TITLES.index(r.title) for r in batch.records.all()}


def sign_in(browser, live_server, user, path):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.goto(f"{live_server.url}{path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")
    return context, page


def settled(page):
    # Not wait_for_function: the CSP (script-src 'self') rightly forbids its eval.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def screen_all(page, ids, who):
    seen = []
    for _ in range(len(ids)):
        settled(page)
        action = page.locator("#screen-card form.decide-form").get_attribute("action")
        record = int(ACTION.search(action).group(1))
        seen.append(record)
        key = PLAN[ids[record]][who]
        if not seen[:-1]:
            # The first record: a note by keyboard ("n" into the box, Esc out of it).
            page.keyboard.press("n")
            page.keyboard.type(f"note by reviewer {who + 1}")
            page.keyboard.press("Escape")
        if key == "e":
            page.keyboard.press("1")  # reason E1, then exclude
        page.keyboard.press(key)
        expect(page.locator("#screen-card .msg.success")).to_be_visible()
        if len(seen) < len(ids):
            expect(page.locator("#screen-card form.decide-form")).not_to_have_attribute(
                "action", action
            )
    settled(page)
    expect(page.locator("#screen-card .empty")).to_contain_text("Nothing left")
    return seen


def test_two_reviewers_screen_and_the_lead_resolves(
    browser, live_server, review, lead, reviewer, second_reviewer, ten_records
):
    screen = f"/reviews/{review.slug}/screening/title_abstract/screen/"
    ctx1, page1 = sign_in(browser, live_server, reviewer, screen)
    ctx2, page2 = sign_in(browser, live_server, second_reviewer, screen)
    order1 = screen_all(page1, ten_records, 0)
    order2 = screen_all(page2, ten_records, 1)
    assert sorted(order1) == sorted(order2) == sorted(ten_records)
    assert order1 != order2  # each reviewer has an order of their own
    expect(page1.locator("#screen-progress")).to_contain_text("Mine: 10 of 10")
    assert page1.console_errors == [] and page2.console_errors == []
    ctx1.close()
    ctx2.close()

    assert Decision.objects.filter(review=review).count() == 20
    notes = set(Decision.objects.exclude(note="").values_list("note", flat=True))
    assert notes == {"note by reviewer 1", "note by reviewer 2"}
    excluded = Decision.objects.filter(review=review, verdict="exclude")
    assert set(excluded.values_list("reason__code", flat=True)) == {"E1"}

    conflicts = f"/reviews/{review.slug}/screening/title_abstract/conflicts/"
    ctx, page = sign_in(browser, live_server, lead, conflicts)
    rows = page.locator("table tbody tr a")
    expect(rows).to_have_count(2)
    page.locator("table tbody tr a").first.click()
    for verdict in ("include", "exclude"):
        page.check(f"input[name=verdict][value={verdict}]")
        page.fill("#id_note", "Discussed")
        with page.expect_navigation():
            page.click("form.resolve-form button.primary")
    page.wait_for_url(f"**{conflicts}")  # straight on to the next, then the list
    expect(page.locator("table tbody")).to_contain_text("No conflicts waiting")
    assert Resolution.objects.filter(review=review).count() == 2

    page.goto(f"{live_server.url}/reviews/{review.slug}/screening/title_abstract/agreement/")
    # reviewer joined before second_reviewer: a = both include, d = both exclude.
    expected = agreement(3, 1, 1, 5)
    figures = page.locator(".agreement-figures").first
    expect(figures.locator("dd.n")).to_have_text("10")
    expect(figures.locator("dd.disagreements")).to_have_text("2")
    expect(figures.locator("dd.kappa")).to_contain_text(f"{expected.kappa:.4f}")
    page.goto(f"{live_server.url}/reviews/{review.slug}/screening/title_abstract/")
    expect(page.locator("#stage-included .big")).to_have_text("4")  # 3 agreed + 1 resolved
    expect(page.locator("#stage-excluded .big")).to_have_text("6")  # 5 agreed + 1 resolved
    assert page.console_errors == []
    ctx.close()
