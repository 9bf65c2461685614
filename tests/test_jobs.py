"""The background-job protocol (config/jobs.py), written once for imports, deduplication,
bulk PDF uploads and ranking: a claim is a compare-and-set that a second run loses while the
first is alive; a run gone silent is queued again and taken over; a heartbeat thread keeps a
live run's row fresh and notices when it was taken over; a job's message is sent by the
task's name and its row says whether it went; each task has soft and hard time limits."""

from __future__ import annotations

import ast
import datetime as dt
import logging
import time
from pathlib import Path

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from config import jobs
from reviews.models import DedupRun, DedupStatus
from screening import services as screening_services
from screening.models import BulkStatus, BulkUpload

pytestmark = pytest.mark.django_db


class Busy(Exception):
    pass


def bulk_rows(bulk: BulkUpload):
    return BulkUpload.objects.filter(pk=bulk.pk)


def claim_bulk(bulk: BulkUpload) -> bool:
    return jobs.claim(
        bulk_rows(bulk),
        kind="bulk",
        waiting=Q(status=BulkStatus.QUEUED),
        working=BulkStatus.RUNNING,
        busy=Busy(),
    )


def requeued_bulks(*, worker_start: bool = False) -> list[int]:
    return list(
        jobs.requeue_stale(
            BulkUpload.objects.all(),
            kind="bulk",
            waiting=Q(status=BulkStatus.QUEUED),
            working=[BulkStatus.RUNNING],
            worker_start=worker_start,
        ).values_list("pk", flat=True)
    )


def silent_for(row, seconds: float) -> None:
    type(row).objects.filter(pk=row.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds)
    )
    row.refresh_from_db()


@pytest.fixture
def bulk(review, lead):
    return BulkUpload.objects.create(
        review=review, uploaded_by=lead, queue_failed_at=timezone.now()
    )


def test_a_job_is_claimed_once_and_a_second_claim_meets_the_live_run(bulk):
    assert claim_bulk(bulk) is True
    bulk.refresh_from_db()
    # The claim holds the job: running, beating, the broker's mark gone.
    assert bulk.status == BulkStatus.RUNNING and bulk.heartbeat_at is not None
    assert bulk.queue_failed_at is None
    with pytest.raises(Busy):
        claim_bulk(bulk)
    # A job that is done is nothing to do, not a busy one.
    bulk_rows(bulk).update(status=BulkStatus.READY)
    assert claim_bulk(bulk) is False


def test_a_run_gone_silent_is_queued_again_and_taken_over(bulk):
    claim_bulk(bulk)
    stale = jobs.stale_after("bulk").total_seconds()
    silent_for(bulk, stale - 5)
    assert requeued_bulks() == [] and not bulk.waiting_for_worker
    with pytest.raises(Busy):
        claim_bulk(bulk)
    silent_for(bulk, stale + 1)
    assert requeued_bulks() == [bulk.pk]
    assert claim_bulk(bulk) is True  # taken over
    bulk.refresh_from_db()
    assert timezone.now() - bulk.heartbeat_at < dt.timedelta(seconds=5)


def test_a_starting_worker_queues_even_a_live_looking_run(bulk):
    claim_bulk(bulk)
    assert requeued_bulks() == []
    assert requeued_bulks(worker_start=True) == [bulk.pk]


def test_a_silent_bulk_upload_is_queued_again_and_its_page_says_so(
    client, review, lead, bulk, monkeypatch, django_capture_on_commit_callbacks
):
    """The drift this module ended: a bulk upload whose run went silent was queued again by
    a worker's start only, and its page showed a bar that never moved."""
    claim_bulk(bulk)
    bulk_rows(bulk).update(total=3, done=1)
    silent_for(bulk, jobs.stale_after("bulk").total_seconds() + 1)
    assert bulk.waiting_for_worker
    client.force_login(lead)
    url = reverse("screening:bulk", args=[review.slug, bulk.pk])
    assert "has stopped answering" in client.get(url).content.decode()

    sent = []
    monkeypatch.setattr("screening.tasks.bulk_upload_task.delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert screening_services.bulk_uploads_requeue() == [bulk.pk]
    assert sent == [bulk.pk]
    # The message takes the job over from the top.
    screening_services.bulk_upload_run(bulk_id=bulk.pk)
    bulk.refresh_from_db()
    assert bulk.status == BulkStatus.READY and not bulk.waiting_for_worker
    assert "has stopped answering" not in client.get(url).content.decode()


def test_a_live_bulk_upload_is_left_alone(client, review, lead, bulk):
    claim_bulk(bulk)
    bulk.refresh_from_db()
    assert not bulk.waiting_for_worker
    assert screening_services.bulk_uploads_requeue() == []
    client.force_login(lead)
    html = client.get(reverse("screening:bulk", args=[review.slug, bulk.pk])).content.decode()
    assert "has stopped answering" not in html and "No background worker" not in html


def test_every_job_row_says_a_silent_run_is_waiting_for_a_worker(review, bulk):
    run = DedupRun.objects.create(review=review, status=DedupStatus.RUNNING)
    claim_bulk(bulk)
    for row, kind in ((run, "dedup"), (bulk, "bulk")):
        silent_for(row, jobs.stale_after(kind).total_seconds() - 5)
        assert not row.waiting_for_worker, kind
        silent_for(row, jobs.stale_after(kind).total_seconds() + 1)
        assert row.waiting_for_worker, kind


# --- the heartbeat thread: needs a second connection that sees the row ------------------------


@pytest.fixture
def quick_clocks(settings):
    kinds = {k: {**v, "STALE_AFTER": 1} for k, v in settings.SIFT_JOBS["KINDS"].items()}
    settings.SIFT_JOBS = {**settings.SIFT_JOBS, "HEARTBEAT_EVERY": 0.1, "KINDS": kinds}


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_keeps_a_live_job_and_stops_when_it_was_taken_over(bulk, quick_clocks):
    claim_bulk(bulk)
    running = BulkUpload.objects.filter(pk=bulk.pk, status=BulkStatus.RUNNING)
    with jobs.Heartbeat(running, error=Busy(), label="test") as heartbeat:
        time.sleep(2.5)  # more than twice the stale time, with no other sign of life
        assert heartbeat.beats > 0 and not heartbeat.superseded
        assert requeued_bulks() == []
        with pytest.raises(Busy):
            claim_bulk(bulk)
        bulk.refresh_from_db()
        assert not bulk.waiting_for_worker
        # Another run took it over (here: the job ended): the beat finds no row and stops.
        bulk_rows(bulk).update(status=BulkStatus.FAILED)
        deadline = time.monotonic() + 10
        while not heartbeat.superseded and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(Busy):
            heartbeat.check()
    # Without its heartbeat, a run is presumed dead once the stale time has passed.
    bulk_rows(bulk).update(status=BulkStatus.RUNNING)
    time.sleep(1.5)
    assert requeued_bulks() == [bulk.pk]


def test_inside_a_transaction_the_heartbeat_has_no_thread(bulk):
    assert jobs.Heartbeat(bulk_rows(bulk), error=Busy(), label="test").thread is None


# --- sending ----------------------------------------------------------------------------------


class Broken:
    name = "tests.test_jobs.BROKEN"

    def delay(self, *args) -> None:
        raise ConnectionRefusedError("no broker")


BROKEN = Broken()


def test_a_job_is_sent_by_its_task_name_after_commit_and_its_row_says_whether_it_went(
    bulk, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    sent: list[int] = []
    monkeypatch.setattr("screening.tasks.bulk_upload_task.delay", sent.append)
    marks: list[bool] = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs.enqueue_on_commit(
            "screening.tasks.bulk_upload_task", bulk.pk, mark=lambda sent: marks.append(sent)
        )
    assert sent == [] and len(callbacks) == 1  # nothing before the commit
    callbacks[0]()
    assert sent == [bulk.pk] and marks == [True]

    with caplog.at_level(logging.ERROR, logger="config.jobs"):
        assert (
            jobs.send("tests.test_jobs.BROKEN", bulk.pk, mark=lambda sent: marks.append(sent))
            is False
        )
    assert marks == [True, False]
    assert "could not queue tests.test_jobs.BROKEN" in caplog.text


def test_the_broker_mark_is_set_only_on_a_waiting_row_and_cleared_by_a_send(bulk):
    waiting = Q(status=BulkStatus.QUEUED)
    bulk_rows(bulk).update(queue_failed_at=None, status=BulkStatus.READY)
    jobs.mark_sent(bulk_rows(bulk), sent=False, waiting=waiting)
    assert bulk_rows(bulk).get().queue_failed_at is None
    bulk_rows(bulk).update(status=BulkStatus.QUEUED)
    jobs.mark_sent(bulk_rows(bulk), sent=False, waiting=waiting)
    assert bulk_rows(bulk).get().queue_unreachable
    jobs.mark_sent(bulk_rows(bulk), sent=True)
    assert bulk_rows(bulk).get().queue_failed_at is None


def test_every_background_task_has_its_kinds_soft_and_hard_time_limits(settings):
    from reviews import tasks as review_tasks
    from screening import tasks as screening_tasks

    tasks = [
        review_tasks.import_batch_task,
        review_tasks.import_batch_preview_task,
        review_tasks.dedup_task,
        screening_tasks.bulk_upload_task,
        screening_tasks.ranking_train_task,
        screening_tasks.ranking_prepare_task,
    ]
    assert {t.kind for t in tasks} == set(settings.SIFT_JOBS["KINDS"])
    for task in tasks:
        soft, hard = jobs.time_limits(task.kind)
        assert (task.soft_time_limit, task.time_limit) == (soft, hard), task.name
        assert 0 < soft < hard, task.name
        assert task.acks_late and task.reject_on_worker_lost, task.name


def test_services_send_jobs_by_name_and_never_import_tasks():
    """Tasks import services; services name the task they send (config.jobs), so the two
    never import each other."""
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for app in ("reviews", "screening"):
        for path in sorted((root / app / "services").rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                if any(n.split(".")[-1] == "tasks" for n in names):
                    offenders.append(str(path.relative_to(root)))
    assert offenders == []
