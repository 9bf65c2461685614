"""Hostile text renders inertly in a real browser: records whose title, abstract, authors
and journal carry script payloads, a criterion and a note with them too, shown on every
page a lead and a reviewer open. No dialog opens, the page title is never rewritten, and
the browser never even reports a Content-Security-Policy violation (which would mean a
payload reached the page as markup: escaping failed and only the CSP saved us)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reviews.services.reviews import CriterionItem, criteria_replace
from tests.browser.test_screening_flow import settled, sign_in
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import decide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE_JS = "document.title='XSS'"
PAYLOADS = [
    f'<img src=x onerror="{TITLE_JS}">',
    "<script>alert('XSS')</script>",
    f'"><svg onload="{TITLE_JS}">',
    "javascript:alert('XSS')",
    f'</textarea><iframe srcdoc="<script>{TITLE_JS}</script>">',
]


def hostile_records() -> str:
    return ris(*(
        {
            "title": f"Partnership study {n} {payload}",
            "abstract": f"Background {payload} methods {payload}",
            "authors": [f"Evil{n}, {payload}"],
            "journal": f"Journal {payload}",
            "year": str(2000 + n),
            "volume": str(n + 1),
            "sp": str(10 * n + 1),
        }
        for n, payload in enumerate(PAYLOADS)
    ))  # fmt: skip


def visit(page, url: str, refused: list[str], dialogs: list[str]) -> None:
    page.goto(url)
    settled(page)
    assert page.title() != "XSS", url
    assert not dialogs, (url, dialogs)
    assert not refused, (url, refused)


def tour(browser, live_server, user, paths: list[str], *, screen: bool) -> None:
    context, page = sign_in(browser, live_server, user, paths[0])
    # Injected by the browser itself (not subject to the page's CSP): report every
    # violation, which only happens if a payload reached the page as markup.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.log('CSP violation: ' + e.violatedDirective + ' ' + (e.sample || '')))"
    )
    refused: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: "CSP violation" in m.text and refused.append(m.text))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in paths:
        visit(page, f"{live_server.url}{path}", refused, dialogs)
    if screen:
        # The payloads are on the reviewer's screen as text, where they can read them.
        page.goto(f"{live_server.url}{paths[0]}")
        expect(page.locator("#screen-card")).to_contain_text(
            re.compile(r"<script>|onerror=|onload=|srcdoc=|javascript:")
        )
    context.close()


def test_payloads_render_inertly_on_every_page(
    browser, live_server, review, source, lead, reviewer, second_reviewer
):
    criteria_replace(review=review, inclusion=[CriterionItem("I1", f"Include {PAYLOADS[0]}")],
                     exclusion=[CriterionItem("E1", f"Exclude {PAYLOADS[2]}")])  # fmt: skip
    batch = import_text(review, source, lead, hostile_records())
    run(review)
    records = list(batch.records.order_by("ordinal"))
    decide(review, records[0], reviewer, "include", note=PAYLOADS[1])
    decide(review, records[0], second_reviewer, "exclude",
           reason=review.criteria.get(code="E1"), note=PAYLOADS[0])  # fmt: skip
    slug = review.slug
    for user, paths in (
        (lead, [
            f"/reviews/{slug}/", f"/reviews/{slug}/records/", f"/reviews/{slug}/records/{records[0].pk}/",
            f"/reviews/{slug}/duplicates/", f"/reviews/{slug}/screening/title_abstract/",
            f"/reviews/{slug}/screening/title_abstract/conflicts/",
            f"/reviews/{slug}/screening/title_abstract/conflicts/{records[0].pk}/",
            f"/reviews/{slug}/screening/title_abstract/agreement/", f"/reviews/{slug}/prisma/",
            f"/reviews/{slug}/prisma/boxes/records_screened/", f"/reviews/{slug}/prisma-s/",
            f"/reviews/{slug}/edit/", f"/reviews/{slug}/exports/",
        ]),
        (reviewer, [
            f"/reviews/{slug}/screening/title_abstract/screen/",
            f"/reviews/{slug}/screening/title_abstract/mine/", f"/reviews/{slug}/records/",
        ]),
    ):  # fmt: skip
        tour(browser, live_server, user, paths, screen=user is reviewer)
