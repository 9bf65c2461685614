"""Files of failed, undone and cancelled imports leave media/ (issue #16: they stayed
forever), at once after the commit and by the sweep a starting worker runs, which also
takes uploads no batch names once they are old enough. Live imports' files and other
files (full texts) stay."""

from __future__ import annotations

import datetime as dt
import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from reviews import services
from reviews.models import BatchStatus, ImportBatch
from tests.conftest import RIS_TWO, ris_upload
from tests.reviews.test_dedup_service import import_text

pytestmark = pytest.mark.django_db


def stored(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def start(review, source, lead, text: str = RIS_TWO, name: str = "r.ris") -> ImportBatch:
    return services.import_batch_start(
        review=review, source=source, upload=ris_upload(text, name), filename=name, user=lead,
        enqueue=False, allow_duplicate=True,
    )  # fmt: skip


def test_a_failed_import_leaves_no_file(
    review, source, lead, settings, django_capture_on_commit_callbacks
):
    batch = start(review, source, lead, "<html><body>not an export</body></html>", "bad.ris")
    name = batch.file.name
    assert name in stored(settings)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_batch_preview_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.errors
    assert batch.file.name == "" and name not in stored(settings)


def test_an_undone_import_leaves_no_file_and_keeps_its_history(
    review, source, lead, settings, django_capture_on_commit_callbacks
):
    batch = import_text(review, source, lead, RIS_TWO)
    name = batch.file.name
    assert name in stored(settings)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_batch_undo(batch=batch, user=lead)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE and batch.file.name == ""
    assert name not in stored(settings)
    assert batch.sha256  # what it was stays on the row


def test_a_cancelled_import_leaves_no_file(review, source, lead, settings):
    batch = start(review, source, lead)
    services.import_batch_preview_run(batch_id=batch.pk)
    batch.refresh_from_db()
    name = batch.file.name
    services.import_batch_cancel(batch=batch, user=lead)
    assert name not in stored(settings)


def test_the_sweep_takes_what_no_import_will_read_and_nothing_else(review, source, lead, settings):
    done = import_text(review, source, lead, RIS_TWO, name="kept.ris")
    waiting = start(review, source, lead, name="waiting.ris")
    # Left by an older Sift or a crash between the commit and the delete.
    failed = start(review, source, lead, name="failed.ris")
    ImportBatch.objects.filter(pk=failed.pk).update(status=BatchStatus.FAILED)
    undone = import_text(review, source, lead, RIS_TWO, name="undone.ris")
    ImportBatch.objects.filter(pk=undone.pk).update(status=BatchStatus.UNDONE)
    old_orphan = default_storage.save(f"imports/review-{review.pk}/ab/orphan", ContentFile(b"x"))
    new_orphan = default_storage.save(f"imports/review-{review.pk}/cd/fresh", ContentFile(b"y"))
    full_text = default_storage.save(f"reviews/{review.pk}/reports/1/a.pdf", ContentFile(b"%P"))
    hours_ago = time.time() - 2 * 3600
    os.utime(Path(settings.MEDIA_ROOT) / old_orphan, (hours_ago, hours_ago))

    out = StringIO()
    call_command("sweep_import_files", stdout=out)
    files = stored(settings)
    assert done.file.name in files and waiting.file.name in files
    assert new_orphan in files and full_text in files
    assert failed.file.name not in files and undone.file.name not in files
    assert old_orphan not in files
    assert "3 file(s) deleted" in out.getvalue()
    assert ImportBatch.objects.get(pk=failed.pk).file.name == ""
    # Twice is harmless.
    assert services.import_files_sweep(now=dt.datetime.now(dt.UTC)) == []


def test_a_run_stopped_by_its_time_limit_fails_and_leaves_nothing(
    review, source, lead, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from celery.exceptions import SoftTimeLimitExceeded

    from reviews import tasks
    from reviews.services.imports import runs

    assert tasks.import_batch_task.soft_time_limit and tasks.import_batch_task.time_limit
    assert tasks.import_batch_preview_task.soft_time_limit
    batch = start(review, source, lead)

    def stopped(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(runs, "open_export", stopped)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SoftTimeLimitExceeded):
        services.import_batch_preview_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.file.name == ""
    assert stored(settings) == set()
