"""Issue #21.1: a lead resolves two conflicts by keyboard only: r opens the first, i / e
and a digit choose the verdict and reason, n a note, Enter (Ctrl+Enter from the note)
records it and opens the next conflict; the database holds both resolutions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reviews import services as review_services
from screening import services
from screening.models import Resolution, Stage
from tests.browser.test_screening_flow import sign_in
from tests.conftest import ris_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TA = Stage.TITLE_ABSTRACT


@pytest.fixture
def two_conflicts(review, source, lead, reviewer, second_reviewer):
    text = "".join(
        f"TY  - JOUR\nAU  - Author{i}, A.\nTI  - {t}\nPY  - {2000 + i}\n"
        f"AB  - Abstract of paper {i}: {t.lower()}.\nER  - \n\n"
        for i, t in enumerate(["Health Action Zones in Leeds", "Surgical outcomes in Ohio"])
    )
    batch = review_services.import_batch_start(
        review=review, source=source, upload=ris_upload(text), filename="two.ris", user=lead,
        preview=False, enqueue=False,
    )  # fmt: skip
    review_services.import_batch_run(batch_id=batch.pk)
    review_services.dedup_request(review_id=review.pk, enqueue=False)
    review_services.dedup_run(review_id=review.pk)
    papers = list(batch.records.order_by("pk"))
    e1 = review.criteria.get(code="E1")
    for paper in papers:
        services.decision_record(
            review=review, record=paper, reviewer=reviewer, stage=TA, verdict="include",
            note="partnership in England",
        )  # fmt: skip
        services.decision_record(
            review=review, record=paper, reviewer=second_reviewer, stage=TA, verdict="exclude",
            reason=e1, note="not England",
        )  # fmt: skip
    return papers


def test_a_lead_resolves_two_conflicts_by_keyboard_only(browser, live_server, review, lead,
                                                        two_conflicts):  # fmt: skip
    first, second = two_conflicts
    conflicts = f"/reviews/{review.slug}/screening/{TA}/conflicts/"
    ctx, page = sign_in(browser, live_server, lead, conflicts)
    expect(page.locator("table tbody tr a")).to_have_count(2)
    with page.expect_navigation():
        page.keyboard.press("r")
    page.wait_for_url(f"**/conflicts/{first.pk}/")
    votes = page.locator(".votes .vote")
    expect(votes).to_have_count(2)
    expect(page.locator(".votes")).to_contain_text("partnership in England")
    expect(page.locator(".votes")).to_contain_text("not England")
    expect(page.locator(".criteria-panel")).to_contain_text("Outside England")

    page.keyboard.press("i")
    expect(page.locator("input[name=verdict][value=include]")).to_be_checked()
    page.keyboard.press("n")
    page.keyboard.type("agreed on a call")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    # Straight on to the next conflict, not back to the list.
    page.wait_for_url(f"**/conflicts/{second.pk}/")
    expect(page.locator("#flash, .messages").first).to_contain_text(f"#{first.number} resolved")

    page.keyboard.press("2")  # the second exclusion reason, E3; chooses Exclude too
    expect(page.locator("input[name=verdict][value=exclude]")).to_be_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**{conflicts}")
    expect(page.locator("table tbody")).to_contain_text("No conflicts waiting")
    assert page.console_errors == []
    ctx.close()

    got = {r.paper_id: r for r in Resolution.objects.filter(review=review, stage=TA)}
    assert set(got) == {first.pk, second.pk}
    assert (got[first.pk].verdict, got[first.pk].reason_id, got[first.pk].note) == (
        "include",
        None,
        "agreed on a call",
    )
    assert (got[second.pk].verdict, got[second.pk].reason.code, got[second.pk].note) == (
        "exclude",
        "E3",
        "",
    )
    assert all(r.resolved_by == lead for r in got.values())
