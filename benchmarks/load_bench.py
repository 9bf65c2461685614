"""Load: reviewers screening through gunicorn while a lead imports a large file.

Against the production stack on this machine: gunicorn (`--workers`, sync) + PostgreSQL +
Redis, and one Celery worker process. `--reviewers` reviewers (default 50) sign in through
the login form and screen a `--records`-record review (default 100,000, written in bulk
as in screening_bench.py) for `--duration` seconds (default 300), each request an htmx
decision POST that renders the next card. Meanwhile a lead uploads a generated
`--import-records`-record RIS file (default 50,000) through the real upload form, waits for
the background preview, confirms it, and the worker imports it (into a second review of the
same lead, so its deduplication does not compete with a 150,000-record one).

Printed: decisions per second, p50/p95/p99 latency, errors (target 0), the import's times,
and, counted in the database afterwards, decisions lost or duplicated: every decision the
server answered "Saved" must be exactly one Decision row, and no record x reviewer x stage
has two. The anchor: the sign-in page's GET latency, idle before the load and sampled
during it, in the same run.

The client is plain threads with http.client (the standard library): one thread per
reviewer, a new connection per request (gunicorn's sync workers close each one).

    createdb -h 127.0.0.1 -U postgres sift_load   # or let the script create it
    .venv/bin/python benchmarks/load_bench.py --duration 60 --reviewers 20 --json

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/sift_load) and REDIS_URL
(default redis://127.0.0.1:6379/9: its own Redis database, so no other worker takes its
jobs). The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
NEXT = re.compile(r"/records/(\d+)/decision/")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = "load-bench-password"  # noqa: S105  (users of a throwaway benchmark database)


class Session:
    """Cookies and CSRF for one signed-in user; a new connection per request."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST" and "csrftoken" in self.cookies:
            headers.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        elapsed = (time.perf_counter() - start) * 1000
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return response.status, data.decode("utf-8", "replace"), elapsed, response

    def form(self, path: str, fields: dict, headers=None):
        body = urlencode(fields).encode()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, body, hdrs)

    def sign_in(self, username: str) -> None:
        status, page, _, _ = self.request("GET", "/accounts/login/")
        token = CSRF_INPUT.search(page).group(1)
        status, page, _, _ = self.form(
            "/accounts/login/",
            {"login": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            {"Referer": f"http://{self.host}:{self.port}/accounts/login/"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in of {username} failed: {status} {page[:300]}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 1)


def setup(args) -> dict:
    """The database, Django in this process (to build and to count), the files."""
    url = urlparse(args.database_url)
    name = url.path.lstrip("/")
    import psycopg

    admin = f"host={url.hostname} port={url.port or 5432} user={url.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    var = Path(tempfile.mkdtemp(prefix="sift-load-bench-"))
    env = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": "load-benchmark",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SIFT_SECURE_COOKIES": "0",  # plain HTTP on the loopback
        "SIFT_RATE_LIMITS": "0",  # 50 reviewers sign in from one address within a minute
        "SIFT_STATIC_MANIFEST": "0",
        "SIFT_TASKS_EAGER": "0",
        "SIFT_LOG_LEVEL": "WARNING",
        "SIFT_VAR_DIR": str(var),
        "MEDIA_ROOT": str(var / "media"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    os.environ.update(env)
    os.environ.pop("SIFT_DEBUG", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {"env": env, "var": var, "db": name, "admin": admin}


def build(args) -> dict:
    from django.contrib.auth import get_user_model
    from screening_bench import build_review

    from reviews import services
    from reviews.models import SourceType

    started = time.perf_counter()
    review, lead, users = build_review(args.records, args.reviewers)
    User = get_user_model()
    for user in [lead, *users]:
        user.set_password(PASSWORD)
    User.objects.bulk_update([lead, *users], ["password"])
    # The lead's second review, where the big file goes.
    target = services.review_create(
        user=lead, title=f"Load benchmark import {uuid.uuid4().hex[:6]}"
    )
    source = services.source_create(review=target, name="Medline", source_type=SourceType.DATABASE)
    return {
        "review": review,
        "lead": lead,
        "users": users,
        "target": target,
        "source": source,
        "build_seconds": round(time.perf_counter() - started, 1),
    }


def start_servers(args, env: dict, var: Path) -> list[subprocess.Popen]:
    full_env = {**os.environ, **env}
    logs = var / "logs"
    logs.mkdir()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application",
         "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers), "--timeout", "600",
         "--error-logfile", str(logs / "gunicorn.log")],
        cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1",
         "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT, env=full_env, stdout=(logs / "worker.log").open("w"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            Session("127.0.0.1", args.port).request("GET", "/accounts/login/")
            break
        except OSError:
            time.sleep(0.3)
    else:
        raise SystemExit(f"gunicorn did not start; see {logs / 'gunicorn.log'}")
    return [web, worker]


def stop_servers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def reviewer_loop(args, slug: str, username: str, deadline: float, out: dict, lock) -> None:
    session = Session("127.0.0.1", args.port)
    session.sign_in(username)
    base = f"/reviews/{slug}/screening/title_abstract"
    htmx = {"HX-Request": "true", "HX-Target": "screen-card"}
    latencies, saved, refused, errors, samples = [], [], 0, 0, []
    rng = random.Random(username)
    _, body, _, _ = session.request("GET", f"{base}/screen/")
    while time.monotonic() < deadline:
        match = NEXT.search(body)
        if not match:
            break
        record = int(match.group(1))
        verdict = rng.choice(["include", "exclude", "exclude", "exclude", "maybe"])
        try:
            status, body, ms, _ = session.form(
                f"{base}/records/{record}/decision/", {"verdict": verdict, "stream": "on"}, htmx
            )
        except OSError as error:
            errors += 1
            samples.append(f"{type(error).__name__}: {error}")
            _, body, _, _ = session.request("GET", f"{base}/screen/")
            continue
        latencies.append(ms)
        if status == 200 and "Saved" in body:
            saved.append(record)
        elif status == 200 and "enough reviewers" in body:
            refused += 1  # two colleagues took the record first: not an error
        else:
            errors += 1
            samples.append(f"{status}: {body[:200]}")
            _, body, _, _ = session.request("GET", f"{base}/screen/")
    with lock:
        out["latencies"].extend(latencies)
        out["saved"][username] = saved
        out["refused"] += refused
        out["errors"] += errors
        out["error_samples"].extend(samples[:3])


def anchor_loop(args, stop: threading.Event, out: list) -> None:
    session = Session("127.0.0.1", args.port)
    while not stop.is_set():
        out.append(session.request("GET", "/accounts/login/")[2])
        stop.wait(0.25)


def lead_import(args, data: dict, path: Path, out: dict) -> None:
    """Upload through the form, wait for the preview, confirm, wait for the import."""
    from reviews.models import BatchStatus, ImportBatch

    try:
        session = Session("127.0.0.1", args.port)
        session.sign_in(data["lead"].username)
        slug, source = data["target"].slug, data["source"].pk
        _, page, _, _ = session.request("GET", f"/reviews/{slug}/sources/{source}/")
        token = CSRF_INPUT.search(page).group(1)
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="load.ris"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        body = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        started = time.perf_counter()
        status, page, ms, response = session.request(
            "POST",
            f"/reviews/{slug}/sources/{source}/imports/",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        out["upload_ms"] = round(ms)
        if status != 302:
            raise RuntimeError(f"upload answered {status}: {page[:300]}")
        batch_id = int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1))

        def wait(statuses, limit):
            end = time.monotonic() + limit
            while time.monotonic() < end:
                batch = ImportBatch.objects.get(pk=batch_id)
                if batch.status not in statuses:
                    return batch
                time.sleep(1)
            raise RuntimeError(f"batch {batch_id} still {batch.status} after {limit} s")

        batch = wait((BatchStatus.PREVIEWING,), args.import_timeout)
        out["preview_done_s"] = round(time.perf_counter() - started, 1)
        if batch.status != BatchStatus.READY:
            raise RuntimeError(f"preview ended {batch.status}: {batch.errors}")
        _, page, _, _ = session.request("GET", f"/reviews/{slug}/imports/{batch_id}/")
        token = CSRF_INPUT.search(page).group(1)
        status, page, _, _ = session.form(
            f"/reviews/{slug}/imports/{batch_id}/confirm/", {"csrfmiddlewaretoken": token}
        )
        if status != 302:
            raise RuntimeError(f"confirm answered {status}: {page[:300]}")
        batch = wait((BatchStatus.QUEUED, BatchStatus.RUNNING), args.import_timeout)
        out["import_done_s"] = round(time.perf_counter() - started, 1)
        out["status"] = batch.status
        out["records_stored"] = batch.records_stored
    except Exception as error:  # reported, not raised: the screening figures still count
        out["error"] = f"{type(error).__name__}: {error}"


def count(data: dict, acknowledged: dict[str, list[int]], imported: dict) -> dict:
    from django.db.models import Count

    from reviews.models import Record
    from screening.models import Decision

    rows = Decision.objects.filter(review=data["review"])
    by_user = {u.username: u.pk for u in data["users"]}
    stored = set(rows.values_list("reviewer_id", "paper_id"))
    said = [(by_user[name], rec) for name, recs in acknowledged.items() for rec in recs]
    duplicated = (
        rows.values("paper", "reviewer", "stage").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    result = {
        "decisions_acknowledged": len(said),
        "decision_rows": rows.count(),
        "lost": sum(1 for pair in set(said) if pair not in stored),
        "acknowledged_twice": len(said) - len(set(said)),
        "duplicated": duplicated,
        "rows_not_acknowledged": len(stored - set(said)),
    }
    if imported.get("records_stored") is not None:
        visible = Record.objects.visible().filter(review=data["target"]).count()
        result["imported_records_in_db"] = visible
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=300, help="seconds of screening")
    ap.add_argument("--reviewers", type=int, default=50)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--import-records", type=int, default=50_000, help="0: no import")
    ap.add_argument("--import-timeout", type=float, default=900)
    ap.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sift_load"),
    )
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    ap.add_argument("--keep", action="store_true", help="keep the database")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    ctx = setup(args)
    processes: list[subprocess.Popen] = []
    try:
        say(f"building a {args.records}-record review with {args.reviewers} reviewers ...")
        data = build(args)
        ris = ctx["var"] / "load.ris"
        if args.import_records:
            from import_bench import generate

            say(f"generating a {args.import_records}-record RIS file ...")
            generate(ris, args.import_records)
        from django.db import connection

        connection.close()  # the servers start; this process only counts from here
        processes = start_servers(args, ctx["env"], ctx["var"])
        idle = [
            Session("127.0.0.1", args.port).request("GET", "/accounts/login/")[2] for _ in range(50)
        ]
        out = {"latencies": [], "saved": {}, "refused": 0, "errors": 0, "error_samples": []}
        lock, stop, under_load, imported = threading.Lock(), threading.Event(), [], {}
        say(f"screening for {args.duration:.0f} s with {args.reviewers} reviewers ...")
        deadline = time.monotonic() + args.duration
        threads = [
            threading.Thread(
                target=reviewer_loop,
                args=(args, data["review"].slug, u.username, deadline, out, lock),
            )
            for u in data["users"]
        ]
        anchor = threading.Thread(target=anchor_loop, args=(args, stop, under_load))
        lead = threading.Thread(target=lead_import, args=(args, data, ris, imported))
        started = time.perf_counter()
        for t in threads:
            t.start()
        anchor.start()
        if args.import_records:
            lead.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        stop.set()
        anchor.join()
        if args.import_records:
            say("screening over; waiting for the import to finish ...")
            lead.join()
        stop_servers(processes)
        processes = []
        lat = out["latencies"]
        figures = {
            "reviewers": args.reviewers,
            "records": args.records,
            "duration_s": round(seconds, 1),
            "gunicorn_workers": args.workers,
            "requests": len(lat),
            "decisions_per_s": round(sum(map(len, out["saved"].values())) / seconds, 1),
            "requests_per_s": round(len(lat) / seconds, 1),
            "p50_ms": percentile(lat, 0.50),
            "p95_ms": percentile(lat, 0.95),
            "p99_ms": percentile(lat, 0.99),
            "max_ms": round(max(lat), 1) if lat else 0,
            "errors": out["errors"],
            "refused_slot_taken": out["refused"],
            "anchor_login_idle_p50_ms": round(statistics.median(idle), 1),
            "anchor_login_under_load_p50_ms": percentile(under_load, 0.5),
            "anchor_login_under_load_p95_ms": percentile(under_load, 0.95),
            "import_records": args.import_records,
            "import": imported,
            "build_seconds": data["build_seconds"],
            **count(data, out["saved"], imported),
        }
        if out["error_samples"]:
            figures["error_samples"] = out["error_samples"][:5]
    finally:
        stop_servers(processes)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            import psycopg

            with psycopg.connect(ctx["admin"], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{ctx["db"]}" WITH (FORCE)')
        shutil.rmtree(ctx["var"], ignore_errors=True)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:32} {value}")
    bad = figures["errors"] + figures["lost"] + figures["duplicated"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
