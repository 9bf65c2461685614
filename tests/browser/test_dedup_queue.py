"""A lead works through the probable-duplicates queue by keyboard only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reviews import selectors, services
from reviews.models import DedupDecision, DedupPair, Record, Verdict
from tests.conftest import PASSWORD
from tests.reviews.test_dedup_service import import_text, ris

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAPERS = [
    {
        "title": "Partnerships and health inequalities in England: a qualitative study",
        "authors": ["Smith, Katherine E.", "Jones, A."],
        "journal": "Journal of Public Health",
        "year": "2004",
        "volume": "26",
        "sp": "210",
        "ep": "221",
        "doi": "10.1093/pubmed/fdh150",
        "abstract": "We interviewed 40 managers of Health Action Zones about joint working.",
    },
    {
        "title": "Smoking cessation services in deprived neighbourhoods: a cohort study",
        "authors": ["Brown, Thomas", "Green, Rachel"],
        "journal": "Tobacco Control",
        "year": "2009",
        "volume": "18",
        "sp": "45",
        "ep": "52",
        "doi": "10.1136/tc.2008.0001",
        "abstract": "Quit rates at four weeks were compared across 120 service areas.",
    },
    {
        "title": "Community food growing and mental wellbeing among older adults",
        "authors": ["Patel, Nisha", "Okafor, Chidi"],
        "journal": "Health and Place",
        "year": "2015",
        "volume": "33",
        "sp": "101",
        "ep": "110",
        "doi": "10.1016/j.healthplace.2015.0002",
        "abstract": "Allotment holders reported wellbeing scores before and after a season.",
    },
]


def look_alike(paper: dict) -> dict:
    # As in test_dedup_service._probable_pair: same authors, a near-identical title, another
    # abstract, no volume, pages or DOI: the matcher is unsure and asks a lead.
    blank = dict.fromkeys(("doi", "volume", "sp", "ep"), "")
    return paper | blank | {"title": paper["title"] + ": interim findings", "abstract": "Early."}


def shown_pair(page) -> set[int]:
    """The two record numbers (in the review) in the side-by-side header."""
    header = page.locator("#dedup-pair table.compare thead").inner_text()
    return {int(n) for n in re.findall(r"#(\d+)", header)}


def swapped(page, message: str) -> None:
    """Wait until htmx has swapped the next pair in and finished settling it: only then is
    its new form wired to htmx (in the settle delay a click would submit it natively)."""
    expect(page.locator("#dedup-pair [role=status]")).to_contain_text(message)
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def test_lead_decides_two_pairs_by_keyboard(page, live_server, review, source, lead):
    records = [r for p in PAPERS for r in (p, look_alike(p))]
    import_text(review, source, lead, ris(*records))
    services.dedup_request(review_id=review.pk, enqueue=False)
    services.dedup_run(review_id=review.pk)
    pairs = list(
        DedupPair.objects.filter(review=review)
        .select_related("record_a", "record_b")
        .order_by("-score", "pk")
    )
    assert len(pairs) >= 3
    waiting = len(pairs)
    # The page names records by their number in the review (#1, #2 ...); the rows by pk.
    first, second, third = ({p.record_a_id, p.record_b_id} for p in pairs[:3])
    number = {r.pk: r.number for p in pairs for r in (p.record_a, p.record_b)}

    def shown(pair: set[int]) -> set[int]:
        return {number[pk] for pk in pair}

    page.goto(f"{live_server.url}/reviews/{review.slug}/duplicates/queue/")
    page.fill("#id_username", lead.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/duplicates/queue/")
    assert shown_pair(page) == shown(first)
    reloads = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and reloads.append(frame.url))

    page.keyboard.press("?")
    expect(page.locator("dialog#keys-help")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("dialog#keys-help")).to_be_hidden()

    page.keyboard.press("s")
    swapped(page, "the same paper")
    assert shown_pair(page) == shown(second)
    page.keyboard.press("d")
    swapped(page, "different papers")
    assert shown_pair(page) == shown(third)
    assert reloads == []  # both answers went through htmx, no full page load
    expect(page.locator("#dedup-pair .state")).to_contain_text(f"{waiting - 2} pair")

    decisions = {
        (d.record_a_id, d.record_b_id): d.verdict
        for d in DedupDecision.objects.filter(review=review)
    }
    assert decisions == {
        tuple(sorted(first)): Verdict.SAME,
        tuple(sorted(second)): Verdict.DIFFERENT,
    }
    a, b = sorted(first)
    same = dict(Record.objects.filter(pk__in=first).values_list("pk", "duplicate_of_id"))
    assert same in ({a: None, b: a}, {a: b, b: None})  # one cluster, either may be primary
    apart = Record.objects.filter(pk__in=second).values_list("duplicate_of_id", flat=True)
    assert list(apart) == [None, None]
    assert DedupPair.objects.filter(review=review).count() == waiting - 2
    left = selectors.dedup_queue_next(review)
    assert left is not None and {left.record_a_id, left.record_b_id} == third
    assert page.console_errors == []
