"""Issue #21: every page a person can open, in one browser context over one world
(tests/security/conftest.py's `build_world`: an object of every kind a URL names).

At 390 px (a phone): no page is wider than the screen, the menu is folded, and the
screening page's decision buttons are in the first screen. At 1400 px the review's menu
is one line.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.axe import violations
from tests.security.conftest import build_world
from tests.security.test_dead_ends import add_probable_pair, pages_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


@pytest.fixture
def world(review, lead, reviewer, second_reviewer):
    return add_probable_pair(build_world(review, lead, reviewer, second_reviewer))


def html_pages(client: Client, urls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The HTML pages among `urls` (downloads and images are not laid out)."""
    keep = []
    for name, url in urls:
        response = client.get(url)
        kind = response.get("Content-Type", "")
        attachment = "attachment" in response.get("Content-Disposition", "")
        # not a fragment that htmx swaps in, nor a streamed download
        whole = not response.streaming and b"<html" in response.content[:500]
        if (
            response.status_code == 200
            and kind.startswith("text/html")
            and whole
            and not attachment
        ):
            keep.append((name, url))
    return keep


def signed_in(context, live_server, user) -> Client:
    client = Client()
    context.clear_cookies()
    if user is not None:
        client.force_login(user)
        value = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}]
        )
    return client


def too_wide(page) -> str | None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        culprit = page.evaluate(
            """() => { const w = window.innerWidth; const out = [];
            for (const el of document.querySelectorAll('body *')) {
              const r = el.getBoundingClientRect();
              if (r.right > w + 1 && r.width > 0) out.push(el.tagName.toLowerCase() +
                (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string'
                ? '.' + el.className.split(' ').join('.') : '') + ' ' + Math.round(r.right));
              if (out.length > 4) break; }
            return out.join(', '); }"""
        )
        return f"{width[0]} px wide: {culprit}"
    return None


def visit(page, live_server, url: str) -> None:
    response = page.goto(f"{live_server.url}{url}")
    assert response is not None and response.status < 500, (url, response and response.status)


def test_every_page_fits_a_phone(browser, live_server, world, admin_user):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    failures, accessibility = [], []
    visited = 0
    here = f"/reviews/{world.ids['review']}"
    walks = [  # (who, the pages the URL matrix lets them open, error pages they meet)
        (None, [], [("sign-in", "/accounts/login/")]),
        (world.lead, pages_for(world, "lead"), [("member removal", None)]),
        (world.reviewer, pages_for(world, "reviewer"), [
            ("403", f"{here}/duplicates/queue/"), ("404", f"{here}/records/999999/"),
        ]),
        (admin_user, [("people", "/site-admin/people/"), ("mail", "/site-admin/mail/")], []),
    ]  # fmt: skip
    for user, urls, more in walks:
        client = signed_in(context, live_server, user)
        checked = html_pages(client, urls) + [(n, u) for n, u in more if u]
        for name, url in checked:
            visit(page, live_server, url)
            visited += 1
            if problem := too_wide(page):
                failures.append(f"{getattr(user, 'username', 'anonymous')} {name} {url}: {problem}")
            for line in violations(page):
                accessibility.append(f"{getattr(user, 'username', 'anonymous')} {name}: {line}")
            nav = page.locator(".review-nav")
            if nav.count() and nav.is_visible():
                failures.append(f"{name}: the review's menu is not folded at 390 px")
    assert visited > 50
    assert not failures, "pages wider than a phone:\n" + "\n".join(failures)
    assert not accessibility, "axe-core violations:\n" + "\n".join(accessibility)

    # The screening page: Include / Exclude / Maybe without scrolling.
    signed_in(context, live_server, world.reviewer)
    visit(page, live_server, f"/reviews/{world.ids['review']}/screening/title_abstract/screen/")
    for label in ("Include", "Maybe", "Exclude"):
        box = page.get_by_role("button", name=label).first.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], label
    # The folded menu opens.
    page.get_by_role("button", name="Menu").click()
    assert page.locator(".review-nav").is_visible()

    # At 1400 px the review's menu is one line.
    page.set_viewport_size(DESKTOP)
    visit(page, live_server, f"/reviews/{world.ids['review']}/")
    signed_in(context, live_server, world.lead)
    visit(page, live_server, f"/reviews/{world.ids['review']}/")
    links = page.locator(".review-nav a")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} lines at 1400 px"
    assert not page.get_by_role("button", name="Menu").is_visible()  # nothing folded

    # axe at 1400 px too (the menu unfolded), over the lead's pages: every template.
    client = signed_in(context, live_server, world.lead)
    for name, url in html_pages(client, pages_for(world, "lead")):
        visit(page, live_server, url)
        accessibility += [f"lead {name} at 1400 px: {line}" for line in violations(page)]
    assert not accessibility, "axe-core violations:\n" + "\n".join(accessibility)

    # The skip link: from the top of the screening page to "Include" in a few Tabs.
    signed_in(context, live_server, world.reviewer)
    visit(page, live_server, f"/reviews/{world.ids['review']}/screening/title_abstract/screen/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    for _tab in range(7):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == "include":
            break
    else:
        raise AssertionError("Include is more than 7 Tabs after the skip link")
    context.close()
