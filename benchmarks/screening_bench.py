"""Screening speed: "record a decision and render the next record" on a 100,000-record review.

Server time of the real view (Django's test client in-process: routing, middleware, the
service, the selector and the template), for 1,000 decisions by two reviewers taking turns;
p50 and p95, and the SQL queries per request. Then, on PostgreSQL only, 20 reviewers in
threads with their own sessions and connections making 5,000 decisions, followed by a count
in the database: no errors, no lost or duplicated decisions. See benchmarks/README.md.

    .venv/bin/python benchmarks/screening_bench.py                 # SQLite, 100,000 records
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sift_bench \\
        .venv/bin/python benchmarks/screening_bench.py --json      # PostgreSQL, + concurrency
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from import_bench import WORDS  # noqa: E402  (the same vocabulary as the import benchmark)

NEXT = re.compile(r"/records/(\d+)/decision/")


def setup_django() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ.setdefault("SIFT_LOG_LEVEL", "WARNING")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("SIFT_DEBUG", None)  # production-like: DEBUG off, no query log
    os.environ.setdefault("SIFT_STATIC_MANIFEST", "0")  # no collectstatic needed
    var = tempfile.mkdtemp(prefix="sift-screening-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SIFT_VAR_DIR"] = var
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var


def build_review(records: int, reviewers: int, seed: int = 11, texts=None):
    """A review with `records` deduplicated records and `reviewers` reviewer members,
    written in bulk (setting up, not what is measured). `texts`: (title, abstract) pairs
    to use instead of generated ones, repeated as needed."""
    from django.contrib.auth import get_user_model

    from reviews import services
    from reviews.models import BatchStatus, ImportBatch, Record, Role, SourceType

    rng = random.Random(seed)
    User = get_user_model()
    tag = f"{int(time.time())}-{rng.randint(0, 10**6)}"
    lead = User.objects.create_user(f"bench-lead-{tag}")
    review = services.review_create(user=lead, title=f"Screening benchmark {tag}")
    users = []
    for i in range(reviewers):
        user = User.objects.create_user(f"bench-r{i}-{tag}")
        services.member_add(review=review, username=user.username, role=Role.REVIEWER)
        users.append(user)
    source = services.source_create(review=review, name="Bench", source_type=SourceType.DATABASE)
    batch = ImportBatch.objects.create(
        review=review, source=source, filename="bench.ris", sha256=tag, status=BatchStatus.DONE
    )
    chunk = []
    for i in range(records):
        title = " ".join(rng.choices(WORDS, k=rng.randint(8, 16))).capitalize()
        abstract = " ".join(rng.choices(WORDS, k=rng.randint(150, 250))).capitalize() + "."
        if texts:
            title, abstract = texts[i % len(texts)]
        chunk.append(
            Record(
                review=review, batch=batch, ordinal=i + 1, source_line=i * 12 + 1,
                title=f"{title} ({i})", abstract=abstract, authors=["Smith, K.", "Jones, A."],
                authors_text="Smith, K.; Jones, A.", year=rng.randint(1997, 2008),
                journal="Journal of Public Health", raw_text="TY  - JOUR", dedup_checked=True,
                shuffle_a=rng.getrandbits(31), shuffle_b=rng.getrandbits(31),
            )
        )  # fmt: skip
        if len(chunk) == 5000:
            Record.objects.bulk_create(chunk)
            chunk = []
    Record.objects.bulk_create(chunk)
    from django.db import connection

    with connection.cursor() as cursor:
        # A review that has been imported for a while has planner statistics (autovacuum
        # takes care of that on PostgreSQL); a bulk load just now has none.
        cursor.execute("ANALYZE")
    return review, lead, users


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def measure_latency(review, users, decisions: int) -> dict:
    """Two reviewers take turns: each POST records a decision and renders the next card."""
    from django.db import connection

    counted = [0]

    def count(execute, sql, params, many, context):
        counted[0] += 1
        return execute(sql, params, many, context)

    url = f"/reviews/{review.slug}/screening/title_abstract/screen/"
    clients = [_client(u) for u in users[:2]]
    current = []
    for client in clients:
        page = client.get(url)
        current.append(int(NEXT.search(page.content.decode()).group(1)))
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "screen-card"}
    timings, queries = [], []
    for n in range(decisions):
        who = n % 2
        record = current[who]
        post = f"/reviews/{review.slug}/screening/title_abstract/records/{record}/decision/"
        data = {
            "verdict": random.choice(["include", "exclude", "exclude", "maybe"]),
            "stream": "on",
        }
        counted[0] = 0
        with connection.execute_wrapper(count):
            start = time.perf_counter()
            response = clients[who].post(post, data, **htmx)
            timings.append((time.perf_counter() - start) * 1000)
        queries.append(counted[0])
        body = response.content.decode()
        if response.status_code != 200 or "Saved" not in body:
            raise SystemExit(f"decision {n} failed: {response.status_code} {body[:300]}")
        current[who] = int(NEXT.search(body).group(1))
    # The anchor, measured in the same run: the sign-in page, a plain Django form page
    # through the same middleware stack.
    anchor, signed_out = [], type(clients[0])()  # the sign-in page is for people signed out
    for _ in range(200):
        start = time.perf_counter()
        signed_out.get("/accounts/login/")
        anchor.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "queries_per_request": max(queries),
        "queries_min": min(queries),
        "anchor_login_page_p50_ms": round(statistics.median(anchor), 2),
    }


def measure_concurrency(review, users, decisions: int) -> dict:
    """Reviewers in threads, each with its own session and database connection."""
    from django.db import connection

    from screening.models import Decision

    per = decisions // len(users)
    results = {"saved": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()
    url = f"/reviews/{review.slug}/screening/title_abstract/screen/"
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "screen-card"}

    def reviewer(user):
        saved = refused = errors = 0
        try:
            client = _client(user)
            body = client.get(url).content.decode()
            while saved < per:
                match = NEXT.search(body)
                if not match:
                    break
                post = f"/reviews/{review.slug}/screening/title_abstract/records/{match.group(1)}/decision/"
                try:
                    response = client.post(post, {"verdict": "exclude", "stream": "on"}, **htmx)
                except Exception:
                    errors += 1
                    body = client.get(url).content.decode()
                    continue
                body = response.content.decode()
                if response.status_code != 200:
                    errors += 1
                elif "Saved" in body:
                    saved += 1
                elif "enough reviewers" in body:
                    refused += 1  # another reviewer took the last slot first: not an error
                else:
                    errors += 1
        finally:
            connection.close()
            with lock:
                results["saved"] += saved
                results["refused"] += refused
                results["errors"] += errors

    threads = [threading.Thread(target=reviewer, args=(u,)) for u in users]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    rows = Decision.objects.filter(review=review).count()
    from django.db.models import Count

    over = (
        Decision.objects.filter(review=review)
        .values("paper")
        .annotate(n=Count("pk"))
        .filter(n__gt=2)
        .count()
    )
    return {
        "concurrent_decisions": results["saved"],
        "concurrent_refused": results["refused"],
        "errors": results["errors"],
        "lost_or_duplicated": abs(rows - results["saved"]) + over,
        "concurrent_seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--decisions", type=int, default=1000)
    ap.add_argument("--reviewers", type=int, default=20, help="concurrent reviewers (PostgreSQL)")
    ap.add_argument("--concurrent-decisions", type=int, default=5000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    var = setup_django()
    from django.db import connection

    from reviews.models import Review

    t0 = time.perf_counter()
    review, _, users = build_review(args.records, max(2, args.reviewers))
    setup_seconds = time.perf_counter() - t0
    out = {"records": args.records, "database": connection.vendor}
    out |= measure_latency(review, users, args.decisions)
    if connection.vendor == "postgresql":
        # Fresh decisions on a fresh review, so the latency run does not help or hinder.
        review2, _, users2 = build_review(args.records // 10, args.reviewers, seed=12)
        out |= measure_concurrency(review2, users2, args.concurrent_decisions)
        Review.objects.filter(pk=review2.pk).delete()
    else:
        out |= {"concurrent_decisions": None, "errors": None, "lost_or_duplicated": None}
    out["setup_seconds"] = round(setup_seconds, 1)
    if os.environ.get("DATABASE_URL"):
        Review.objects.filter(pk=review.pk).delete()  # leave a shared database as found
    shutil.rmtree(var, ignore_errors=True)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['records']} records on {out['database']}, {args.decisions} decisions:")
    print(
        f"  decide + next record: p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms, "
        f"{out['queries_per_request']} queries per request (min {out['queries_min']})"
    )
    print(f"  anchor (sign-in page): p50 {out['anchor_login_page_p50_ms']} ms")
    if out["concurrent_decisions"] is not None:
        print(
            f"  {args.reviewers} concurrent reviewers: {out['concurrent_decisions']} decisions "
            f"saved in {out['concurrent_seconds']} s, {out['concurrent_refused']} refused "
            f"(slot taken), {out['errors']} errors, {out['lost_or_duplicated']} lost or duplicated"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
