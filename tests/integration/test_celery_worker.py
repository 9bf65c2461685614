"""A real Celery worker process on Redis previews and imports an upload made on the web,
then deduplicates the review.

Runs in CI against PostgreSQL and Redis (DATABASE_URL and REDIS_URL set by .ci/run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from config.celery import app as celery_app
from reviews import services
from reviews.models import BatchStatus, DedupRun, DedupStatus, ImportBatch, Record
from tests.conftest import RIS_TWO, ris_upload

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(settings, tmp_path):
    """A worker process on the test database and the same media folder."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SIFT_TASKS_EAGER": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": "integration",
        "SIFT_JOB_STALE_AFTER": "10",  # a message meeting a live run looks again sooner
    }
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.django_db(transaction=True)
def test_worker_imports_an_uploaded_file(client, review, source, lead, worker, tmp_path):
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    text = "".join(f"TY  - JOUR\nTI  - Worker paper {i}\nPY  - 2001\nER  - \n" for i in range(2500))
    client.force_login(lead)
    response = client.post(
        reverse("reviews:import_upload", args=[review.slug, source.pk]),
        {"file": ris_upload(text, "big.ris")},
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()

    def settled():
        return ImportBatch.objects.get(pk=batch.pk).status not in (
            "previewing",
            "queued",
            "running",
        )

    log = tmp_path / "worker.log"
    assert wait_for(settled), f"no preview; worker log:\n{log.read_text()[-3000:]}"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.preview["records"] == 2500
    assert not Record.objects.exists()
    client.post(reverse("reviews:batch_confirm", args=[review.slug, batch.pk]))
    assert wait_for(settled), f"no import; worker log:\n{log.read_text()[-3000:]}"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.errors
    assert batch.records_stored == 2500 and batch.attempts == 1  # the import job, first try
    assert Record.objects.visible().filter(batch=batch).count() == 2500
    assert "reviews.tasks.import_batch_preview_task[" in log.read_text()
    assert "reviews.tasks.import_batch_task[" in log.read_text()


@pytest.mark.django_db(transaction=True)
def test_worker_deduplicates_after_an_import(review, source, lead, worker, tmp_path):
    copy = RIS_TWO.split("ER  - ")[0] + "ER  - \n"  # the first paper again, word for word
    batch = services.import_batch_start(
        review=review,
        source=source,
        upload=ris_upload(RIS_TWO + "\n" + copy, "twice.ris"),
        filename="twice.ris",
        user=lead,
        preview=False,
    )  # queued on commit; no transaction is open here, so at once
    records = Record.objects.filter(review=review)

    def deduplicated():
        run = DedupRun.objects.filter(review=review).first()
        return (
            records.count() == 3
            and not records.filter(dedup_checked=False).exists()
            and run is not None
            and run.status == DedupStatus.IDLE
            and run.done_version == run.version
        )

    log = tmp_path / "worker.log"
    assert wait_for(deduplicated), f"no deduplication; worker log:\n{log.read_text()[-3000:]}"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.errors
    first, other, again = batch.records.order_by("ordinal")
    assert again.duplicate_of_id == first.pk  # the earlier of two identical records is kept
    assert first.duplicate_of_id is None and other.duplicate_of_id is None
    assert records.primaries().count() == 2
    run = DedupRun.objects.get(review=review)
    assert run.done_version == run.version >= 1 and run.error == ""
    assert "reviews.tasks.import_batch_task[" in log.read_text()
    assert "reviews.tasks.dedup_task[" in log.read_text()
