"""Import throughput and memory against rispy's bare parse of the same file.

See benchmarks/README.md. Prints the median of --runs runs of each measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"

WORDS = [
    "partnership",
    "partnerships",
    "public",
    "health",
    "inequalities",
    "local",
    "strategic",
    "health",
    "action",
    "zone",
    "neighbourhood",
    "renewal",
    "primary",
    "care",
    "trust",
    "governance",
    "accountability",
    "outcomes",
    "smoking",
    "cessation",
    "teenage",
    "pregnancy",
    "obesity",
    "physical",
    "activity",
    "evaluation",
    "qualitative",
    "interviews",
    "stakeholders",
    "commissioning",
    "joint",
    "working",
    "community",
    "deprivation",
    "england",
    "policy",
    "intervention",
    "longitudinal",
    "survey",
    "mortality",
    "wellbeing",
    "collaboration",
    "council",
    "services",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
]
JOURNALS = [
    "Journal of Public Health",
    "Health & Social Care in the Community",
    "Social Science & Medicine",
    "Public Health",
    "Critical Public Health",
    "Policy & Politics",
]


def generate(path: Path, records: int, seed: int = 7) -> None:
    """A realistic RIS file: ~2 kB per record, abstracts of ~250 words, several AU/KW."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for i in range(records):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize()
            abstract = ". ".join(
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24))).capitalize()
                for _ in range(rng.randint(10, 14))
            )
            lines = ["TY  - JOUR"]
            lines += [
                f"AU  - {rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJKLMNPRST')}."
                for _ in range(rng.randint(1, 6))
            ]
            sp = rng.randint(1, 900)
            lines += [
                f"TI  - {title} ({i})",
                f"AB  - {abstract}.",
                f"PY  - {rng.randint(1997, 2008)}",
                f"T2  - {rng.choice(JOURNALS)}",
                f"VL  - {rng.randint(1, 40)}",
                f"IS  - {rng.randint(1, 12)}",
                f"SP  - {sp}",
                f"EP  - {sp + rng.randint(3, 20)}",
                f"DO  - 10.{rng.randint(1000, 9999)}/bench.{i}",
            ]
            lines += [f"KW  - {rng.choice(WORDS)}" for _ in range(rng.randint(3, 6))]
            lines += ["DB  - Benchmark", "ER  - ", ""]
            out.write("\n".join(lines) + "\n")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_rispy(path: Path) -> dict:
    import rispy

    start = time.perf_counter()
    entries = rispy.load(path, encoding="utf-8")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "records": len(entries), "peak_rss_mb": peak_rss_mb()}


def child_import(path: Path) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ.setdefault("SIFT_LOG_LEVEL", "WARNING")
    var = tempfile.mkdtemp(prefix="sift-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SIFT_VAR_DIR"] = var
    os.environ["MEDIA_ROOT"] = str(Path(var) / "media")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from reviews import services
    from reviews.models import Review, SourceType

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="benchmark")
    review = services.review_create(user=user, title=f"Benchmark {time.time()}")
    source = services.source_create(review=review, name="Bench", source_type=SourceType.DATABASE)
    start = time.perf_counter()
    with path.open("rb") as handle:
        batch = services.import_batch_start(
            review=review,
            source=source,
            upload=File(handle, name=path.name),
            filename=path.name,
            preview=False,
            enqueue=False,
        )
    batch = services.import_batch_run(batch_id=batch.pk)
    seconds = time.perf_counter() - start
    result = {
        "seconds": seconds,
        "records": batch.records_stored,
        "status": batch.status,
        "errors": batch.errors,
        "peak_rss_mb": peak_rss_mb(),
        "database": connection.vendor,
    }
    if os.environ.get("DATABASE_URL"):
        Review.objects.filter(pk=review.pk).delete()  # leave a shared database as found
    connection.close()
    shutil.rmtree(var, ignore_errors=True)
    return result


def run_child(kind: str, path: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["rispy", "import"])
    parser.add_argument("path", nargs="?", type=Path)
    args = parser.parse_args()

    if args.child:
        result = child_rispy(args.path) if args.child == "rispy" else child_import(args.path)
        print(json.dumps(result))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bench-{args.records}.ris"
    if not path.exists():
        generate(path, args.records)
    size_mb = path.stat().st_size / 1e6
    rispy_runs, import_runs = [], []
    for n in range(args.runs):
        rispy_runs.append(run_child("rispy", path))
        import_runs.append(run_child("import", path))
        if not args.json:
            print(
                f"run {n + 1}: rispy {rispy_runs[-1]['seconds']:.2f} s, "
                f"import {import_runs[-1]['seconds']:.2f} s "
                f"({import_runs[-1]['records']} records, {import_runs[-1]['peak_rss_mb']:.0f} MB)"
            )
    bad = [r for r in import_runs if r["records"] != args.records or r["status"] != "done"]
    if bad:
        raise SystemExit(f"import did not store every record: {bad[0]}")
    rispy_s = statistics.median(r["seconds"] for r in rispy_runs)
    import_s = statistics.median(r["seconds"] for r in import_runs)
    figures = {
        "records": args.records,
        "file_mb": round(size_mb, 1),
        "import_s": round(import_s, 2),
        "rispy_parse_s": round(rispy_s, 2),
        "ratio": round(import_s / rispy_s, 2),
        "records_per_s": round(args.records / import_s),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in import_runs), 1),
        "rispy_peak_rss_mb": round(max(r["peak_rss_mb"] for r in rispy_runs), 1),
        "database": import_runs[0]["database"],
        "runs": args.runs,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['records']} records ({figures['file_mb']} MB) into {figures['database']}: "
            f"import {figures['import_s']} s ({figures['records_per_s']} records/s), "
            f"rispy.load {figures['rispy_parse_s']} s, ratio {figures['ratio']} (target <= 3), "
            f"peak RSS {figures['peak_rss_mb']} MB (target < 1536; rispy alone "
            f"{figures['rispy_peak_rss_mb']} MB); median of {args.runs} runs"
        )


if __name__ == "__main__":
    main()
