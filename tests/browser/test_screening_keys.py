"""A fast reviewer's keys while the next record loads (walk defect: a reason key pressed
during the htmx swap was dropped). Keys pressed while a decision is in flight are queued
with the record shown when they were pressed, and applied to that record only: when the
server sends the same record back they apply; when the next record has replaced it, they
are never applied to the next one, and the reviewer is told. The decision request is held
in the browser (Playwright's route) so the in-flight window is certain, not timed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from screening.models import Decision
from tests.browser.test_screening_flow import ACTION, settled, sign_in, ten_records  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Held:
    """Decision POSTs wait here until released (or failed) by the test."""

    def __init__(self, page):
        self.page, self.routes, self.holding = page, [], True
        page.route(re.compile(r"/records/\d+/decision/$"), self._route)

    def _route(self, route):
        if self.holding:
            self.routes.append(route)
        else:
            route.continue_()

    def wait(self):
        for _ in range(500):  # the route handler runs between Playwright calls
            if self.routes:
                return self.routes.pop()
            self.page.wait_for_timeout(10)
        raise AssertionError("the decision request never left the page")


def shown(page) -> int:
    settled(page)
    return int(
        ACTION.search(page.locator("#screen-card form.decide-form").get_attribute("action"))[1]
    )


def test_keys_pressed_while_a_decision_is_saved_go_to_their_own_record_only(
    browser,
    live_server,
    review,
    reviewer,
    ten_records,  # noqa: F811
):
    path = f"/reviews/{review.slug}/screening/title_abstract/screen/"
    ctx, page = sign_in(browser, live_server, reviewer, path)
    exceptions = []
    page.on("pageerror", lambda e: exceptions.append(str(e)))
    held = Held(page)
    e3 = review.criteria.get(code="E3")

    # 1. The request fails (no swap): record A is still shown, so the queued reason key "2"
    # chooses its reason there, and the next "e" excludes A for E3.
    a = shown(page)
    page.keyboard.press("e")
    route = held.wait()
    page.keyboard.press("2")  # in flight: queued for A
    expect(page.locator('#screen-card input[name="reason"]:checked')).to_have_count(0)
    route.abort()
    expect(page.locator(f'#screen-card label[data-key="2"] input[value="{e3.pk}"]')).to_be_checked()
    assert shown(page) == a and not Decision.objects.filter(reviewer=reviewer).exists()
    held.holding = False
    page.keyboard.press("e")
    expect(page.locator("#screen-card .msg.success")).to_be_visible()
    assert list(Decision.objects.filter(reviewer=reviewer).values_list("paper", "verdict",
                                                                       "reason")) == [
        (a, "exclude", e3.pk)
    ]  # fmt: skip

    # 2. The next record B arrives: keys pressed for A ("2", a second "i") are not applied
    # to B, and the reviewer is told; B has no vote and no reason chosen.
    held.holding = True
    b = shown(page)
    assert b != a
    page.keyboard.press("i")
    route = held.wait()
    page.keyboard.press("2")
    page.keyboard.press("i")
    route.continue_()
    c = shown(page)
    assert c not in (a, b)
    expect(page.locator("#flash [data-missed-keys]")).to_have_attribute("data-missed-keys", "2i")
    expect(page.locator("#flash")).to_contain_text(f"record #{b} was being saved")
    expect(page.locator('#screen-card input[name="reason"]:checked')).to_have_count(0)
    votes = dict(Decision.objects.filter(reviewer=reviewer).values_list("paper", "verdict"))
    assert votes == {a: "exclude", b: "include"}

    # 3. Keys pressed once the page is idle act at once, as before.
    held.holding = False
    page.keyboard.press("1")
    page.keyboard.press("e")
    expect(page.locator("#screen-card form.decide-form")).not_to_have_attribute(
        "action", re.compile(rf"/records/{c}/decision/")
    )
    assert Decision.objects.get(reviewer=reviewer, paper=c).reason.code == "E1"
    assert exceptions == []  # (the console has htmx's own report of the aborted request)
    ctx.close()
