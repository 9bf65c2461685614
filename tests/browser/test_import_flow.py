"""A lead signs in, adds a source, uploads a RIS file, watches the import finish and
finds a record by searching."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from django.db import connection
from playwright.sync_api import expect

from reviews import services
from tests.conftest import PASSWORD, RIS_TWO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_worker(monkeypatch):
    """Run queued previews and imports in a thread after a pause, so the page really polls."""

    def later(job):
        def enqueue(batch_id):
            def work():
                time.sleep(1.5)
                try:
                    job(batch_id=batch_id)
                finally:
                    connection.close()

            threading.Thread(target=work, daemon=True).start()

        return enqueue

    # Services send jobs by the task's name (config.jobs): the task's .delay is the seam.
    monkeypatch.setattr(
        "reviews.tasks.import_batch_task", SimpleNamespace(delay=later(services.import_batch_run))
    )
    monkeypatch.setattr(
        "reviews.tasks.import_batch_preview_task",
        SimpleNamespace(delay=later(services.import_batch_preview_run)),
    )


def test_lead_imports_and_finds_a_record(page, live_server, review, lead, slow_worker, tmp_path):
    ris = tmp_path / "medline-export.txt"
    many = "".join(f"TY  - JOUR\nTI  - Filler record {i}\nPY  - 2003\nER  - \n" for i in range(60))
    ris.write_text(RIS_TWO + "\n" + many)

    page.goto(f"{live_server.url}/reviews/{review.slug}/")
    page.fill("#id_username", lead.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/reviews/{review.slug}/")

    page.click("text=Sources")
    page.click("text=Add source")
    page.fill("#id_name", "Medline")
    page.fill("#id_platform", "Ovid")
    page.select_option("#id_source_type", "database")
    page.click("button:has-text('Add source')")
    page.fill("#id_label", "Main search")
    page.fill("#id_records_reported", "62")
    page.click("button:has-text('Save search')")

    page.set_input_files("#id_file", str(ris))
    page.click("button:has-text('Upload and import')")
    page.wait_for_url("**/imports/*/")
    progress = page.locator("#batch-progress")
    assert "Reading the file" in progress.inner_text()
    page.wait_for_selector("#batch-progress .status.ready", timeout=15000)
    assert "62 records found" in progress.inner_text()
    page.click("button:has-text('Import 62 records')")
    assert "Queued" in progress.inner_text() or "Importing" in progress.inner_text()
    page.wait_for_selector("#batch-progress .status.done", timeout=15000)
    assert page.locator("#batch-progress progress").get_attribute("value") == "100"
    assert "62 records imported" in progress.inner_text()
    assert page.locator("#batch-progress[hx-trigger]").count() == 0  # polling stopped

    page.click("text=See them")
    page.fill("#id_q", "health inequalities")
    expect(page.locator("#record-results tbody tr")).to_have_count(1, timeout=5000)
    page.click("#record-results a:has-text('Partnerships and health inequalities')")
    assert "We studied Health Action Zones." in page.content()
    assert page.console_errors == []  # no CSP violations, no script errors


def test_lead_maps_an_unknown_column_in_the_preview(
    page, live_server, review, source, lead, slow_worker, tmp_path
):
    csv_file = tmp_path / "export.csv"
    csv_file.write_text(
        "Title,Abstract,Year,Headline notes\n"
        "Partnerships in Leeds,A study,2004,Important partnership paper\n"
        "Health Action Zones,Evaluation,2001,Second paper\n"
    )
    page.goto(f"{live_server.url}/reviews/{review.slug}/sources/{source.pk}/")
    page.fill("#id_username", lead.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.set_input_files("#id_file", str(csv_file))
    page.click("button:has-text('Upload and import')")
    page.wait_for_selector("#batch-progress .status.ready", timeout=15000)
    assert "Headline notes (2)" in page.locator("#batch-progress").inner_text()

    page.click("summary:has-text('Columns: what each one holds')")
    page.get_by_label("Headline notes").select_option("keywords")
    page.click("button:has-text('Read the file again')")
    page.wait_for_selector("#batch-progress .status.ready", timeout=15000)
    assert "Headline notes (2)" not in page.locator("#batch-progress").inner_text()
    page.click("button:has-text('Import 2 records')")
    page.wait_for_selector("#batch-progress .status.done", timeout=15000)
    page.click("text=See them")
    page.click("#record-results a:has-text('Partnerships in Leeds')")
    assert "Important partnership paper" in page.locator("dl.facts").inner_text()
    assert page.console_errors == []
