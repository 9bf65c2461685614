"""PRISMA diagram speed: the diagram page of a 100,000-record review, server time.

A review with 100,000 deduplicated records (plus 10,000 duplicates), two reviewers' votes on
every record (10% included, 5% conflicts resolved by the lead), a report for every included
paper and two full-text votes on each. Measured: the lead's GET of the diagram page through
Django's test client in-process (routing, middleware, every count in SQL, the checks, the
layout and the SVG template); median of several runs. Anchor, same run: the selector the
screening overview uses (`screening.selectors.stage_summary`) for the title and abstract
stage alone (a Python loop over the votes until #17; since then it reads the same SQL counts
as PRISMA, from `screening.outcomes`). Target (issue #8): under 300 ms.

    .venv/bin/python benchmarks/prisma_bench.py [--records 100000] [--runs 7] [--json]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sift_bench .venv/bin/python benchmarks/prisma_bench.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from screening_bench import _client, build_review, setup_django  # noqa: E402


def add_votes(review, users, seed: int = 5) -> dict:
    """Bulk-written facts, as months of screening would leave them (setup, not measured)."""
    from django.db import connection

    from reviews.models import Record
    from screening.models import Decision, Report, Resolution, Retrieval, Stage

    rng = random.Random(seed)
    a, b = users[0], users[1]
    lead = review.members.get(role="lead").user
    reasons = list(review.criteria.filter(kind="exclude"))
    if not reasons:
        from reviews.services.reviews import CriterionItem, criteria_replace

        criteria_replace(review=review, inclusion=[CriterionItem("I1", "In")],
                         exclusion=[CriterionItem(f"E{i}", f"Reason {i}") for i in range(1, 5)])  # fmt: skip
        reasons = list(review.criteria.filter(kind="exclude"))
    ids = list(Record.objects.filter(review=review).values_list("pk", flat=True))
    # 10% more records, folded into others as duplicates.
    batch = Record.objects.filter(review=review).first().batch
    dups = [
        Record(review=review, batch=batch, ordinal=len(ids) + i + 1, source_line=1, title="dup",
               raw_text="TY  - JOUR", dedup_checked=True, duplicate_of_id=ids[i * 10])
        for i in range(len(ids) // 10)
    ]  # fmt: skip
    Record.objects.bulk_create(dups, batch_size=5000)
    total = len(ids) + len(dups)
    type(batch).objects.filter(pk=batch.pk).update(records_found=total, records_stored=total)
    votes, resolutions, included = [], [], []
    for pk in ids:
        roll = rng.random()
        if roll < 0.10:
            va = vb = "include"
        elif roll < 0.15:
            va, vb = "include", "exclude"
        else:
            va = vb = "exclude"
        reason = rng.choice(reasons)
        for user, verdict in ((a, va), (b, vb)):
            votes.append(Decision(review=review, record_id=pk, paper_id=pk, reviewer=user,
                                  stage=Stage.TITLE_ABSTRACT, verdict=verdict,
                                  reason=reason if verdict == "exclude" else None))  # fmt: skip
        if va != vb:
            final = "include" if rng.random() < 0.4 else "exclude"
            resolutions.append(Resolution(review=review, record_id=pk, paper_id=pk, stage=Stage.TITLE_ABSTRACT,
                                          verdict=final, resolved_by=lead,
                                          reason=reason if final == "exclude" else None))  # fmt: skip
            if final == "include":
                included.append(pk)
        elif va == "include":
            included.append(pk)
        if len(votes) >= 20000:
            Decision.objects.bulk_create(votes)
            votes = []
    Decision.objects.bulk_create(votes)
    Resolution.objects.bulk_create(resolutions, batch_size=5000)
    Report.objects.bulk_create(
        [Report(review=review, record_id=pk, retrieval=Retrieval.RETRIEVED, link="https://x.org")
         for pk in included], batch_size=5000,
    )  # fmt: skip
    ft = []
    for pk in included:
        verdict = "include" if rng.random() < 0.2 else "exclude"
        reason = rng.choice(reasons) if verdict == "exclude" else None
        for user in (a, b):
            ft.append(Decision(review=review, record_id=pk, paper_id=pk, reviewer=user,
                               stage=Stage.FULL_TEXT, verdict=verdict, reason=reason))  # fmt: skip
    Decision.objects.bulk_create(ft, batch_size=10000)
    with connection.cursor() as cursor:
        # A review screened over months has been vacuumed and analysed by autovacuum
        # (statistics, and the visibility map that lets counts read indexes alone); a bulk
        # load a moment ago has neither.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"duplicates": len(dups), "included_ta": len(included)}


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    var = setup_django()
    from django.db import connection
    from django.urls import reverse

    from reporting import rendering
    from reviews.models import Review
    from screening import selectors

    t0 = time.perf_counter()
    review, lead, users = build_review(args.records, 2)
    facts = add_votes(review, users)
    setup = time.perf_counter() - t0
    client = _client(lead)
    url = reverse("reporting:prisma", args=[review.slug])
    assert client.get(url).status_code == 200  # warm-up: templates, connections

    def page():
        response = client.get(url)
        assert response.status_code == 200

    settings = selectors.stage_settings(review, "title_abstract")
    diagram = rendering.diagram(review)
    out = {
        "records": args.records,
        "database": connection.vendor,
        "runs": args.runs,
        "page_ms": median_ms(page, args.runs),
        "counts_ms": median_ms(lambda: rendering.diagram(review), args.runs),
        "anchor_stage_summary_ms": median_ms(
            lambda: selectors.stage_summary(review, "title_abstract", settings), args.runs
        ),
        "records_screened": diagram.flow.value("records_screened"),
        "duplicates": diagram.flow.value("duplicates"),
        "new_studies": diagram.flow.value("new_studies"),
        "errors": len(diagram.errors),
        "setup_seconds": round(setup, 1),
        **facts,
    }
    out["ratio_to_anchor"] = round(out["page_ms"] / out["anchor_stage_summary_ms"], 2)
    if os.environ.get("DATABASE_URL"):
        Review.objects.filter(pk=review.pk).delete()
    shutil.rmtree(var, ignore_errors=True)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['records']:,} records (+{out['duplicates']:,} duplicates) on {out['database']}, "
          f"median of {args.runs}:")  # fmt: skip
    print(f"  diagram page (server time): {out['page_ms']} ms  (target < 300 ms)")
    print(f"  counts + checks + layout:   {out['counts_ms']} ms")
    print(f"  anchor, stage_summary (title/abstract only): "
          f"{out['anchor_stage_summary_ms']} ms; page/anchor = {out['ratio_to_anchor']}")  # fmt: skip
    print(f"  records screened {out['records_screened']:,}, studies {out['new_studies']:,}, "
          f"consistency errors {out['errors']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
