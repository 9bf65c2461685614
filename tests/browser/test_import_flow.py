"""A lead signs in, adds a source, uploads a RIS file, watches the import finish and
finds a record by searching."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from playwright.sync_api import expect

from reviews import services
from tests.conftest import PASSWORD, RIS_TWO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_worker(monkeypatch):
    """Run queued imports in a thread after a pause, so the page really polls."""

    def enqueue(batch_id):
        def work():
            time.sleep(1.5)
            try:
                services.import_batch_run(batch_id=batch_id)
            finally:
                connection.close()

        threading.Thread(target=work, daemon=True).start()

    monkeypatch.setattr("reviews.tasks.enqueue_import", enqueue)


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
