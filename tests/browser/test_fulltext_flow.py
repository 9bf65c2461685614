"""A lead uploads two PDFs through the bulk form and confirms the matches; two reviewers
screen both reports at full text by keyboard, including one and excluding the other with a
reason; the database holds the decisions and one study."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lib.fulltext import make_pdf
from screening import selectors
from screening.models import BulkItem, BulkStatus, BulkUpload, Decision, Report, Retrieval, Study
from tests.browser.test_screening_flow import settled, sign_in
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import decide
from tests.screening.test_fulltexts import PAPERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTION = re.compile(r"/records/(\d+)/decision/")


@pytest.fixture
def two_reports(review, source, lead, reviewer, second_reviewer) -> list[Report]:
    batch = import_text(review, source, lead, ris(*PAPERS[:2]))
    run(review)
    for record in batch.records.all():
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, "include")
    reports = list(Report.objects.filter(review=review).select_related("record").order_by("pk"))
    assert len(reports) == 2
    return reports


def screen_both(page, keep: int) -> list[int]:
    """Screen every report offered: include `keep`, exclude the others for reason 1."""
    seen = []
    for _ in range(2):
        settled(page)
        form = page.locator("#screen-card form.decide-form")
        action = form.get_attribute("action")
        record = int(ACTION.search(action).group(1))
        seen.append(record)
        expect(page.locator("#screen-card iframe.pdf-frame")).to_have_count(1)
        if record == keep:
            page.keyboard.press("i")
        else:
            page.keyboard.press("1")  # reason E1, then exclude
            expect(page.locator("#screen-card input[name=reason]").first).to_be_checked()
            page.keyboard.press("e")
        expect(page.locator("#screen-card .msg.success")).to_be_visible()
        if len(seen) < 2:
            expect(page.locator("#screen-card form.decide-form")).not_to_have_attribute(
                "action", action
            )
    settled(page)
    expect(page.locator("#screen-card .empty")).to_contain_text("Nothing left")
    return seen


def test_bulk_upload_then_full_text_screening_by_keyboard(
    browser, live_server, review, lead, reviewer, second_reviewer, two_reports
):
    first, second = two_reports
    fulltexts = f"/reviews/{review.slug}/fulltexts/"
    ctx, page = sign_in(browser, live_server, lead, fulltexts)
    page.set_input_files(
        "input[name=files]",
        files=[
            {
                "name": f"report-{n}.pdf",
                "mimeType": "application/pdf",
                "buffer": make_pdf(r.record.title, ["Methods. Results."], doi=r.record.doi),
            }
            for n, r in enumerate(two_reports)
        ],
    )
    page.get_by_role("button", name="Upload and match").click()
    page.wait_for_url(re.compile(r"/fulltexts/bulk/\d+/$"))
    expect(page.locator("#bulk-status .status")).to_have_text("Ready to confirm")
    bulk = BulkUpload.objects.get()
    items = {i.name: i for i in BulkItem.objects.filter(upload=bulk)}
    assert {name: (i.report_id, i.method, i.certain) for name, i in items.items()} == {
        "report-0.pdf": (first.pk, "doi", True),
        "report-1.pdf": (second.pk, "doi", True),
    }
    # Certain matches come chosen.
    for name, report in (("report-0.pdf", first), ("report-1.pdf", second)):
        expect(page.locator(f"input[name=item-{items[name].pk}]")).to_have_value(
            f"#{report.record.label_number}"
        )
    assert not Report.objects.exclude(pdf="").exists()  # nothing before the confirmation
    page.get_by_role("button", name="Attach the chosen PDFs").click()
    page.wait_for_url(f"**{fulltexts}")
    expect(page.locator(".msg.success")).to_have_text("2 PDFs attached.")
    assert page.console_errors == []
    ctx.close()
    assert BulkUpload.objects.get().status == BulkStatus.DONE
    for report in Report.objects.all():
        assert report.retrieval == Retrieval.RETRIEVED
        assert report.pdf_name == f"report-{two_reports.index(report)}.pdf"

    screen = f"/reviews/{review.slug}/screening/full_text/screen/"
    for user in (reviewer, second_reviewer):
        ctx, page = sign_in(browser, live_server, user, screen)
        framed = []  # the PDFs the cards' frames load (the second card's, after the first)
        page.on("response", lambda r, framed=framed: framed.append((r.url, r.status)))
        seen = screen_both(page, keep=first.record_id)
        following = Report.objects.get(record_id=seen[1])
        assert (f"{live_server.url}/reviews/{review.slug}/fulltexts/{following.pk}/pdf/", 200) in (
            framed
        )
        assert sorted(seen) == sorted(r.record_id for r in two_reports)
        expect(page.locator("#screen-progress")).to_contain_text("Mine: 2 of 2")
        assert page.console_errors == []
        ctx.close()

    votes = Decision.objects.filter(review=review, stage="full_text")
    assert sorted(votes.values_list("paper_id", "reviewer__username", "verdict", "reason__code")) == (
        sorted([
            (first.record_id, "reviewer", "include", None),
            (first.record_id, "second_reviewer", "include", None),
            (second.record_id, "reviewer", "exclude", "E1"),
            (second.record_id, "second_reviewer", "exclude", "E1"),
        ])
    )  # fmt: skip
    study = Study.objects.get()
    assert list(study.reports.values_list("pk", flat=True)) == [first.pk]
    assert Report.objects.get(pk=second.pk).study_id is None
    settings = selectors.stage_settings(review, "full_text")
    assert selectors.fulltext_exclusions(review, settings) == [
        ("E1 Outside England", 1)
    ]  # code and label (#21)
