"""Upload -> background preview -> confirm -> import -> records; duplicates; undo; failures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import BatchStatus, ImportBatch, Record
from tests.conftest import RIS_TWO, ris_upload


def _upload(client, review, source, upload, capture):
    with capture(execute=True):
        return client.post(
            reverse("reviews:import_upload", args=[review.slug, source.pk]), {"file": upload}
        )


@pytest.mark.django_db
def test_upload_previews_then_imports_once_confirmed(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    response = _upload(client, review, source, ris_upload(), django_capture_on_commit_callbacks)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reviews:batch_detail", args=[review.slug, batch.pk])
    assert batch.status == BatchStatus.READY and batch.format == "ris"
    assert batch.uploaded_by == lead and len(batch.sha256) == 64
    assert not Record.objects.exists()  # nothing stored before the lead confirms
    preview = batch.preview
    assert preview["records"] == 2 and preview["encoding"] == "utf-8"
    assert [r["title"] for r in preview["sample"]] == [
        "Partnerships and health inequalities in England",
        "Local Strategic Partnerships and smoking cessation",
    ]
    assert preview["problems"] == {"no-abstract": 1}
    assert preview["problem_records"][0]["ordinal"] == 2
    page = client.get(response.url).content.decode()
    assert "2</b> records found" in page and "Import 2 records" in page
    assert "Leave out the 1 record with no abstract" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:batch_confirm", args=[review.slug, batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.records_found == batch.records_stored == 2
    first = Record.objects.get(batch=batch, ordinal=1)
    assert first.title == "Partnerships and health inequalities in England"
    assert first.authors == ["Smith, Katherine E."] and first.year == 2004
    assert first.doi == "10.1000/abc.1"
    assert first.raw_text.startswith("TY  - JOUR") and "AB  - We studied" in first.raw_text
    fields = dict(first.raw_field_items)
    assert fields["TI"] == ["Partnerships and health inequalities in England"]
    assert fields["AB"] == ["We studied Health Action Zones."]


@pytest.mark.django_db
def test_the_lead_may_leave_out_records_with_a_problem(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    _upload(client, review, source, ris_upload(), django_capture_on_commit_callbacks)
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reviews:batch_confirm", args=[review.slug, batch.pk]),
            {"exclude": ["no-abstract"]},
        )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.exclude_problems == ["no-abstract"]
    assert list(batch.records.values_list("ordinal", flat=True)) == [1]
    assert "1 record left out at your request (no abstract)" in batch.warnings[0]  # #21


@pytest.mark.django_db
def test_a_previewing_upload_can_be_cancelled_and_stores_nothing(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    _upload(client, review, source, ris_upload(), django_capture_on_commit_callbacks)
    batch = ImportBatch.objects.get()
    client.post(reverse("reviews:batch_cancel", args=[review.slug, batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED and not batch.file
    assert not Record.objects.exists()
    again = client.post(reverse("reviews:batch_confirm", args=[review.slug, batch.pk]), follow=True)
    assert "not waiting for confirmation" in again.content.decode()
    assert not Record.objects.exists()


@pytest.mark.django_db
def test_progress_fragment_polls_while_running_and_stops_when_done(client, review, source, lead):
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(),
        filename="r.ris",
        user=lead,
    )  # no on-commit capture: the job has not run, the batch is queued
    client.force_login(lead)
    url = reverse("reviews:batch_detail", args=[review.slug, batch.pk])
    running = client.get(url, headers={"HX-Request": "true"})
    assert running.status_code == 200
    body = running.content.decode()
    assert 'hx-trigger="every 1s"' in body and "<progress" in body and "<html" not in body
    services.import_batch_run(batch_id=batch.pk)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx: stop polling
    assert "hx-trigger" not in done.content.decode()
    assert "2</b> records imported" in done.content.decode()
    full = client.get(url)
    assert full.status_code == 200 and "<html" in full.content.decode()


@pytest.mark.django_db
def test_same_file_again_is_flagged_in_the_preview(
    client, review, source, lead, imported_batch, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    _upload(
        client, review, source, ris_upload(name="renamed.txt"), django_capture_on_commit_callbacks
    )
    again = ImportBatch.objects.exclude(pk=imported_batch.pk).get()
    assert again.status == BatchStatus.READY
    assert f"batch #{imported_batch.pk}" in again.warnings[0]
    assert Record.objects.visible().count() == 2
    page = client.get(
        reverse("reviews:batch_detail", args=[review.slug, again.pk])
    ).content.decode()
    assert "already imported" in page and "add every record twice" in page
    assert "Import it anyway" in page
    refused = client.post(
        reverse("reviews:batch_confirm", args=[review.slug, again.pk]), follow=True
    )
    assert "Tick “import it anyway”" in refused.content.decode()
    again.refresh_from_db()
    assert again.status == BatchStatus.READY and Record.objects.visible().count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reviews:batch_confirm", args=[review.slug, again.pk]),
            {"allow_duplicate": "yes"},
        )
    again.refresh_from_db()
    assert again.status == BatchStatus.DONE
    assert Record.objects.visible().count() == 4


@pytest.mark.django_db
def test_two_uploads_of_one_file_in_preview_cannot_both_slip_in(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    _upload(client, review, source, ris_upload(), django_capture_on_commit_callbacks)
    _upload(client, review, source, ris_upload(), django_capture_on_commit_callbacks)
    first, second = ImportBatch.objects.order_by("id")
    assert "was already uploaded" in second.warnings[0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:batch_confirm", args=[review.slug, first.pk]))
        client.post(reverse("reviews:batch_confirm", args=[review.slug, second.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (BatchStatus.DONE, BatchStatus.READY)
    assert Record.objects.visible().count() == 2


@pytest.mark.django_db
def test_a_script_refuses_the_same_file_unless_told(review, source, lead, imported_batch):
    with pytest.raises(services.DuplicateFileWarning, match="already imported"):
        services.import_batch_start(
            review=review, source=source, upload=ris_upload(), filename="a.ris", preview=False
        )
    assert ImportBatch.objects.count() == 1


@pytest.mark.django_db
def test_undo_removes_the_batch_records_and_nothing_else(
    client, review, source, lead, imported_batch, django_capture_on_commit_callbacks
):
    other_text = RIS_TWO.replace("Partnerships and", "Other partnerships and")
    with django_capture_on_commit_callbacks(execute=True):
        other = services.import_batch_start(
            preview=False,
            review=review,
            source=source,
            upload=ris_upload(other_text),
            filename="b.ris",
            user=lead,
        )
    client.force_login(lead)
    unconfirmed = client.post(
        reverse("reviews:batch_undo", args=[review.slug, imported_batch.pk]), follow=True
    )
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    assert Record.objects.filter(batch=imported_batch).count() == 2
    client.post(
        reverse("reviews:batch_undo", args=[review.slug, imported_batch.pk]), {"confirm": "yes"}
    )
    imported_batch.refresh_from_db()
    assert imported_batch.status == BatchStatus.UNDONE and imported_batch.undone_by == lead
    assert not Record.objects.filter(batch=imported_batch).exists()
    assert Record.objects.filter(batch=other).count() == 2
    again = client.post(
        reverse("reviews:batch_undo", args=[review.slug, imported_batch.pk]),
        {"confirm": "yes"},
        follow=True,
    )
    assert "Only a finished import can be undone" in again.content.decode()


@pytest.mark.django_db
def test_undo_is_refused_once_a_guard_says_records_were_screened(review, lead, imported_batch):
    from django.core.exceptions import ValidationError

    from reviews.services.imports import batches

    guard = services.register_undo_guard(lambda batch: "2 of its records have screening decisions")
    try:
        with pytest.raises(ValidationError, match="2 of its records have screening decisions"):
            services.import_batch_undo(batch=imported_batch, user=lead)
    finally:
        batches._undo_guards.remove(guard)
    imported_batch.refresh_from_db()
    assert imported_batch.status == BatchStatus.DONE and imported_batch.records.count() == 2


BROKEN = {
    "empty-ish": (b"   \n\n  ", "empty"),
    "binary": (b"\x00\x01\x02TY  - JOUR\x00" * 50, "binary"),
    "pdf": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    "no-records": (b"Just some notes about my search.\nNothing here.\n", "recognise"),
    "truncated": (
        b"TY  - JOUR\nTI  - A complete one\nER  - \n\nTY  - JOUR\nTI  - Cut off in the mid",
        "truncated",
    ),
    "gzip": (b"\x1f\x8b\x08\x00" + bytes(200), "compressed"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_fail_with_a_clear_message_and_leave_nothing(
    client, review, source, lead, django_capture_on_commit_callbacks, case
):
    content, expected = BROKEN[case]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(lead)
    _upload(
        client,
        review,
        source,
        SimpleUploadedFile(f"{case}.ris", content),
        django_capture_on_commit_callbacks,
    )
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert expected.lower() in batch.errors[0].lower()
    assert Record.objects.count() == 0
    page = client.get(
        reverse("reviews:batch_detail", args=[review.slug, batch.pk])
    ).content.decode()
    assert "Nothing was imported" in page


@pytest.mark.django_db
def test_a_crash_midway_leaves_no_records(review, source, lead, monkeypatch):
    """An error after some chunks were written removes them all (all or nothing)."""
    from reviews.services.imports import rows

    many = "".join(f"TY  - JOUR\nTI  - Paper {i}\nER  - \n" for i in range(2500))
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(many),
        filename="m.ris",
        user=lead,
    )
    calls = {"n": 0}
    real = rows._write_chunk

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(rows, "_write_chunk", failing)
    with pytest.raises(RuntimeError):
        services.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "internal error" in batch.errors[0]
    assert Record.objects.count() == 0


@pytest.mark.django_db
def test_running_twice_neither_duplicates_nor_loses(review, source, lead):
    many = "".join(f"TY  - JOUR\nTI  - Paper {i}\nER  - \n" for i in range(2100))
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(many),
        filename="m.ris",
        user=lead,
    )
    services.import_batch_run(batch_id=batch.pk)
    assert services.import_batch_run(batch_id=batch.pk) is None  # done: left alone
    assert Record.objects.filter(batch=batch).count() == 2100


@pytest.mark.django_db
def test_a_dead_run_is_taken_over_and_redone_from_the_start(review, source, lead):
    import datetime as dt

    from django.utils import timezone

    many = "".join(f"TY  - JOUR\nTI  - Paper {i}\nER  - \n" for i in range(1500))
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(many),
        filename="m.ris",
        user=lead,
    )
    # Simulate a worker killed after writing the first 1000 rows.
    from lib.imports import open_export
    from reviews.services.imports.rows import _insert_records, _record_row

    with open_export(batch.file.path) as reader:
        rows = [_record_row(batch, r) for _, r in zip(range(1000), reader, strict=False)]
    _insert_records(rows)
    stale = timezone.now() - dt.timedelta(minutes=5)
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, heartbeat_at=stale)
    services.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.attempts == 1
    assert Record.objects.filter(batch=batch).count() == 1500


@pytest.mark.django_db
def test_a_live_run_is_not_taken_over(review, source, lead):
    from django.utils import timezone

    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(),
        filename="m.ris",
        user=lead,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, heartbeat_at=timezone.now()
    )
    with pytest.raises(services.BatchBusy):
        services.import_batch_run(batch_id=batch.pk)


@pytest.mark.django_db
def test_records_of_an_unfinished_batch_are_invisible(client, review, source, lead):
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(),
        filename="m.ris",
        user=lead,
    )
    Record.objects.create(
        review=review, batch=batch, ordinal=1, source_line=1, title="Half-imported", raw_text="x"
    )
    client.force_login(lead)
    body = client.get(reverse("reviews:records", args=[review.slug])).content.decode()
    assert "Half-imported" not in body and "0 records" in body


@pytest.mark.django_db
def test_upload_to_a_source_of_another_review_is_404(client, review, lead, other_review):
    from reviews.models import SourceType

    foreign = services.source_create(review=other_review, name="X", source_type=SourceType.DATABASE)
    client.force_login(lead)
    response = client.post(
        reverse("reviews:import_upload", args=[review.slug, foreign.pk]), {"file": ris_upload()}
    )
    assert response.status_code == 404 and not ImportBatch.objects.exists()


def test_upload_limit_is_at_least_500_mb_by_default():
    from django.conf import settings

    assert settings.SIFT_MAX_UPLOAD_MB >= 500


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused_with_its_size(client, review, source, lead, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SIFT_MAX_UPLOAD_MB = 1
    client.force_login(lead)
    response = client.post(
        reverse("reviews:import_upload", args=[review.slug, source.pk]),
        {"file": SimpleUploadedFile("huge.ris", b"TY  - JOUR\n" * 200_000)},
    )
    body = response.content.decode()
    assert "huge.ris is 2 MB; the limit is 1 MB" in body and "import_records" in body
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_an_empty_upload_is_refused_by_the_form_naming_the_file(client, review, source, lead):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(lead)
    response = client.post(
        reverse("reviews:import_upload", args=[review.slug, source.pk]),
        {"file": SimpleUploadedFile("medline.ris", b"")},
    )
    assert response.status_code == 200
    assert "medline.ris is empty (0 bytes)" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_the_only_search_of_a_source_is_preselected(client, review, source, lead):
    client.force_login(lead)
    form = client.get(reverse("reviews:source_detail", args=[review.slug, source.pk])).context[
        "upload_form"
    ]
    assert form["search"].value() == source.searches.get().pk


@pytest.mark.django_db
def test_a_batch_waiting_for_a_worker_says_so_and_can_be_queued_again(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(),
        filename="r.ris",
        user=lead,
    )  # its message is lost: never delivered
    ImportBatch.objects.filter(pk=batch.pk).update(
        queued_at=timezone.now() - dt.timedelta(minutes=5)
    )
    client.force_login(lead)
    page = client.get(
        reverse("reviews:batch_detail", args=[review.slug, batch.pk])
    ).content.decode()
    assert "No background worker has taken this file on" in page and "Queue it again" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:batch_requeue", args=[review.slug, batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.records_stored == 2


@pytest.mark.django_db
def test_a_starting_worker_requeues_waiting_imports(
    review, source, lead, django_capture_on_commit_callbacks
):
    from reviews.tasks import requeue_waiting_imports

    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(),
        filename="r.ris",
        user=lead,
    )
    with django_capture_on_commit_callbacks(execute=True):
        requeue_waiting_imports()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE


@pytest.mark.django_db
def test_ragged_csv_preview_names_the_lines_and_lists_kept_cells(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    data = "Title,Year\nOne,2001,\nTwo,2002,stray\nThree\n"
    upload = ris_upload(data, "scopus.csv")
    response = _upload(client, review, source, upload, django_capture_on_commit_callbacks)
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.READY and batch.preview["records"] == 3
    assert batch.preview["file_warnings"] == [
        "1 row had fewer cells than the header row (line 4): the missing cells were left empty; "
        "check that their columns line up",
        "1 row had more cells than the header row, all of them empty (a delimiter at the end of "
        "the row; line 2): they were ignored",
        "1 row had more cells than the header row, with values (line 3): the values were kept as "
        "unnamed columns ('Unnamed: 2'), which feed no field; check that the columns of these "
        "rows line up",
    ]
    assert batch.preview["unmapped_fields"] == {"Unnamed: 2": 1}
    page = client.get(response.url).content.decode()
    assert "3 notes about the file" in page and "(line 3)" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:batch_confirm", args=[review.slug, batch.pk]))
    second = Record.objects.get(batch=batch, ordinal=2)
    assert dict(second.raw_field_items)["Unnamed: 2"] == ["stray"]
