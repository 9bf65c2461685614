"""Imports write their audit events (reviews.AuditEvent) in the transaction of the change:
a finished import, its undo, a cancelled upload and a failed file each leave one row with
who, what and the batch; a change that fails leaves none. Undoing an import keeps every
event that named its records, record ids included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import AuditEvent, AuditKind, BatchStatus, ImportBatch, Record
from reviews.services.imports import batches, common
from tests.conftest import ris_upload
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import paper

pytestmark = pytest.mark.django_db


def events(review, kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(review=review, kind=kind).order_by("pk"))


def _start(review, source, lead, text: str, *, preview: bool, name: str = "r.ris"):
    return services.import_batch_start(
        review=review, source=source, upload=ris_upload(text, name), filename=name, user=lead,
        preview=preview, enqueue=False,
    )  # fmt: skip


def test_a_finished_import_logs_its_file_source_and_count_for_the_uploader(
    imported_batch, review, lead
):
    (event,) = events(review, AuditKind.IMPORT)
    assert event.actor == lead and event.record_id is None
    assert event.detail["batch_id"] == imported_batch.pk
    assert event.detail["filename"] == "results.ris"
    assert event.detail["records_stored"] == imported_batch.records_stored == 2
    assert event.summary == "Imported 2 records from results.ris (Medline)"


def test_a_batch_is_never_done_without_its_event(review, source, lead, monkeypatch):
    batch = _start(review, source, lead, ris(paper(1)), preview=False)

    def broken(**kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(common, "audit_log", broken)
    with pytest.raises(RuntimeError):
        services.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING  # left for a retry, not marked done
    assert not AuditEvent.objects.exists()


def test_undo_logs_who_and_how_many_records_went(review, source, lead):
    batch = import_text(review, source, lead, ris(paper(1), paper(2), paper(3)))
    run(review)
    removed = services.import_batch_undo(batch=batch, user=lead)
    (event,) = events(review, AuditKind.IMPORT_UNDO)
    assert removed == 3 and event.actor == lead
    assert event.detail == {
        "batch_id": batch.pk, "filename": "results.ris", "records_removed": 3,
    }  # fmt: skip
    assert len(events(review, AuditKind.IMPORT)) == 1  # the import's own event stays


def test_an_undo_that_fails_leaves_no_event_and_the_records(review, source, lead, monkeypatch):
    batch = import_text(review, source, lead, ris(paper(1), paper(2)))
    run(review)

    def broken(**kwargs):
        raise RuntimeError("broker exploded")

    monkeypatch.setattr(batches, "dedup_request", broken)
    with pytest.raises(RuntimeError):
        services.import_batch_undo(batch=batch, user=lead)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and Record.objects.filter(batch=batch).count() == 2
    assert not events(review, AuditKind.IMPORT_UNDO)


def test_a_refused_undo_logs_nothing(review, source, lead):
    batch = _start(review, source, lead, ris(paper(1)), preview=True)
    with pytest.raises(Exception, match="Only a finished import"):
        services.import_batch_undo(batch=batch, user=lead)
    assert not AuditEvent.objects.exists()


def test_cancelling_an_upload_logs_who_cancelled_it(client, review, source, lead, reviewer):
    batch = _start(review, source, lead, ris(paper(1)), preview=True, name="draft.ris")
    client.force_login(reviewer)
    assert (
        client.post(reverse("reviews:batch_cancel", args=[review.slug, batch.pk])).status_code
        == 403
    )
    assert not AuditEvent.objects.exists()
    client.force_login(lead)
    client.post(reverse("reviews:batch_cancel", args=[review.slug, batch.pk]))
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.CANCELLED
    (event,) = events(review, AuditKind.IMPORT_CANCEL)
    assert event.actor == lead and event.detail["batch_id"] == batch.pk
    assert event.summary == "Import of draft.ris cancelled"


def test_a_file_that_cannot_be_read_logs_the_failure_and_its_message(review, source, lead):
    batch = _start(review, source, lead, "This is not a bibliography at all.\n", preview=False,
                   name="notes.txt")  # fmt: skip
    services.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    (event,) = events(review, AuditKind.IMPORT_FAIL)
    assert event.detail["message"] == batch.errors[0] and event.detail["during"] == "import"
    assert event.actor == lead and batch.errors[0] in event.summary
    assert not events(review, AuditKind.IMPORT)


def test_a_late_failure_of_a_superseded_run_logs_nothing(review, source, lead):
    batch = _start(review, source, lead, ris(paper(1)), preview=False)
    services.import_batch_run(batch_id=batch.pk)
    services.import_batch_fail(batch_id=batch.pk, message="late", attempt=99)
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE
    assert not events(review, AuditKind.IMPORT_FAIL)


def test_undoing_an_import_keeps_every_event_naming_its_records(review, source, lead):
    """The automation tool's per-record events name records by number: they outlive the
    records (an import can be undone once the stop is undone)."""
    from screening import services as screening_services
    from screening.models import Stage

    batch = import_text(review, source, lead, ris(paper(1), paper(2), paper(3)))
    run(review)
    ids = set(batch.records.values_list("pk", flat=True))
    stop = screening_services.screening_stop_early(
        review=review, stage=Stage.TITLE_ABSTRACT, user=lead, rule="judgement"
    )
    screening_services.screening_stop_undo(review=review, stop=stop, user=lead)
    before = list(AuditEvent.objects.filter(review=review).order_by("pk").values())
    services.import_batch_undo(batch=batch, user=lead)
    assert not Record.objects.filter(pk__in=ids).exists()
    after = list(AuditEvent.objects.filter(review=review).order_by("pk").values())
    assert after[: len(before)] == before  # nothing changed or removed
    assert [e["kind"] for e in after[len(before) :]] == [AuditKind.IMPORT_UNDO]
    named = AuditEvent.objects.filter(review=review, record_id__isnull=False)
    assert sorted(named.values_list("record_id", flat=True)) == sorted([*ids, *ids])
