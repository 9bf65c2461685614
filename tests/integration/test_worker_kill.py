"""A Celery worker killed (SIGKILL, its whole process group) in the middle of an import or a
deduplication run: a new worker started straight away finishes the job, and no record is
lost or stored twice.

What makes it work: the job's row has a heartbeat; the new worker queues running jobs again
when it starts (Redis would hand back the killed worker's unacknowledged message only after
the visibility timeout, an hour); the message waits (BatchBusy / DedupBusy) until the
heartbeat is stale, then takes the job over from the top. The workers here presume a run
dead after STALE seconds (SIFT_JOB_STALE_AFTER, read by config.jobs) instead of the real one
or two minutes, and beat four times as often: the protocol is the same, the wait shorter.

Runs in CI against PostgreSQL and Redis (DATABASE_URL and REDIS_URL set by .ci/run).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count

from config.celery import app as celery_app
from reviews import services
from reviews.models import BatchStatus, DedupRun, DedupStatus, ImportBatch, Record

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
]
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from import_bench import generate  # noqa: E402  (the import benchmark's realistic RIS)

RECORDS = 20_000
STALE = 10  # seconds of silence after which the workers here presume a run dead
TASK_ID = re.compile(r"Task (reviews\.tasks\.\w+)\[([0-9a-f-]+)\] received")


class Workers:
    """Worker processes on the test database, each in its own process group."""

    def __init__(self, settings, tmp_path: Path):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "SIFT_TASKS_EAGER": "0",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SECRET_KEY": "integration",
            "SIFT_JOB_STALE_AFTER": str(STALE),
        }
        self.tmp_path = tmp_path
        self.logs: list[Path] = []
        self.process: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        log = self.tmp_path / f"worker-{len(self.logs) + 1}.log"
        self.logs.append(log)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--without-mingle", "--without-gossip", "--loglevel=INFO"],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )  # fmt: skip
        return self.process

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no message handed back to the broker."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2500:]}" for p in self.logs)

    def received(self) -> set[str]:
        return {m.group(2) for p in self.logs for m in TASK_ID.finditer(p.read_text())}


@pytest.fixture
def workers(settings, tmp_path):
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    w = Workers(settings, tmp_path)
    yield w
    w.stop()
    _forget_unacked(w.received())
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def _forget_unacked(task_ids: set[str]) -> None:
    """The killed worker's messages stay in Redis's unacked hash and would come back in an
    hour, naming rows of a database that is gone by then: remove them."""
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        for tag, payload in client.hgetall("unacked").items():
            message = json.loads(payload)[0]
            if message.get("headers", {}).get("id") in task_ids:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def wait_for(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _big_file(tmp_path: Path, records: int) -> SimpleUploadedFile:
    path = tmp_path / "big.ris"
    generate(path, records)
    return SimpleUploadedFile("big.ris", path.read_bytes())


def _deduplicated(review) -> bool:
    run = DedupRun.objects.filter(review=review).first()
    return (
        run is not None
        and run.status == DedupStatus.IDLE
        and run.done_version == run.version
        and not Record.objects.filter(review=review, dedup_checked=False).exists()
    )


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_is_finished_by_the_next(
    review, source, lead, workers, tmp_path
):
    upload = _big_file(tmp_path, RECORDS)
    workers.start()
    batch = services.import_batch_start(
        review=review, source=source, upload=upload, filename="big.ris", user=lead, preview=False
    )
    rows = Record.objects.filter(batch_id=batch.pk)

    def writing() -> bool:
        b = ImportBatch.objects.get(pk=batch.pk)
        return b.status == BatchStatus.RUNNING and b.heartbeat_at is not None and rows.exists()

    assert wait_for(writing, 120, step=0.05), f"never running:\n{workers.tail()}"
    workers.kill()
    batch.refresh_from_db()
    written = rows.count()
    assert batch.status == BatchStatus.RUNNING and 0 < written < RECORDS, (batch.status, written)
    assert not Record.objects.visible().filter(batch_id=batch.pk).exists()  # never half-shown

    workers.start()  # at once: the killed run's heartbeat is still fresh
    done = wait_for(
        lambda: ImportBatch.objects.get(pk=batch.pk).status != BatchStatus.RUNNING,
        STALE + 180,
        step=1,
    )
    assert done, f"not finished after the restart:\n{workers.tail()}"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.errors
    assert batch.attempts == 2  # the killed run, then the one that took over
    assert batch.records_stored == RECORDS == rows.count()
    assert rows.values("ordinal").distinct().count() == RECORDS  # none twice, none lost
    assert not rows.values("ordinal").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert set(rows.values_list("ordinal", flat=True)) == set(range(1, RECORDS + 1))
    # The deduplication that follows the import ran to the end too.
    assert wait_for(lambda: _deduplicated(review), 300, step=1), workers.tail()
    assert Record.objects.filter(review=review).count() == RECORDS


@pytest.mark.django_db(transaction=True)
def test_a_deduplication_whose_worker_is_killed_is_finished_by_the_next(
    review, source, lead, workers, tmp_path
):
    # The generated file again with its first 500 records copied word for word at the end:
    # exactly 500 certain duplicates among otherwise distinct papers.
    path = tmp_path / "big.ris"
    generate(path, RECORDS)
    text = path.read_text()
    copies = "".join(text.split("ER  - \n")[i] + "ER  - \n" for i in range(500))
    upload = SimpleUploadedFile("dups.ris", (text + copies).encode())
    batch = services.import_batch_start(
        review=review,
        source=source,
        upload=upload,
        filename="dups.ris",
        user=lead,
        preview=False,
        enqueue=False,
    )
    # Imported here; the deduplication it asks for is queued to the worker on commit.
    services.import_batch_run(batch_id=batch.pk)
    total = RECORDS + 500
    assert Record.objects.visible().filter(review=review).count() == total
    workers.start()

    def running() -> bool:
        run = DedupRun.objects.filter(review=review).first()
        return run is not None and run.status == DedupStatus.RUNNING and run.done > 0

    assert wait_for(running, 180, step=0.05), f"never running:\n{workers.tail()}"
    workers.kill()
    run = DedupRun.objects.get(review=review)
    assert run.status == DedupStatus.RUNNING and run.done_version < run.version
    token = run.token

    workers.start()
    assert wait_for(lambda: _deduplicated(review), STALE + 300, step=1), workers.tail()
    run.refresh_from_db()
    assert run.token > token and run.error == ""  # taken over by a new run
    records = Record.objects.filter(review=review)
    assert records.count() == total  # nothing deleted or added
    assert records.values("ordinal").distinct().count() == total
    duplicates = records.filter(duplicate_of__isnull=False)
    assert duplicates.count() == 500
    # Each copy points at its original (ordinal n + RECORDS -> n), never the other way.
    pairs = set(duplicates.values_list("ordinal", "duplicate_of__ordinal"))
    assert pairs == {(RECORDS + n, n) for n in range(1, 501)}
