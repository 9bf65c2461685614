"""Duplicate detection: accuracy and speed of Sift's matcher against bib-dedupe.

Runs exactly the matcher the app's background job uses (`lib.dedup.deduplicate`,
automatic merges only, no human queue) on a benchmark CSV or on generated records, and
bib-dedupe on the same input in the same run when it is installed. See
benchmarks/README.md.

    .venv/bin/python benchmarks/dedup_bench.py \
        --input ../shared/data/dedup/rathbone_respiratory/bib-dedupe__records_pre_merged.csv \
        --truth ../shared/data/dedup/rathbone_respiratory/bib-dedupe__merged_record_ids.csv \
        --clusters-out benchmarks/out/rathbone.clusters
    .venv/bin/python benchmarks/dedup_bench.py --generate 100000 --json
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import random
import re
import resource
import statistics
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.dedup import Citation, deduplicate  # noqa: E402
from lib.demo.ris import abbreviate_pages, sentence_case, title_case  # noqa: E402

csv.field_size_limit(1 << 30)
# bib-dedupe is timed on sets this small only: beyond it takes many minutes.
ANCHOR_MAX_RECORDS = 20_000


# --- reading the benchmark formats -------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a benchmark CSV (UTF-8, or cp1252 as the ASySD file is)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    rows = list(csv.DictReader(text.splitlines(keepends=True)))
    if not rows:
        raise SystemExit(f"{path}: no records")
    if "ID" not in rows[0]:
        if "record_id" not in rows[0]:
            raise SystemExit(f"{path}: needs an ID column (bib-dedupe) or record_id (ASySD)")
        # ASySD's labelled sets number records; their truth files call them id_0000001.
        for row in rows:
            row["ID"] = f"id_{int(row['record_id']):07d}"
    return rows


_BLOB_SPLIT = re.compile(r"(?<=\.)(?=[A-Z\u00c0-\u00de])")


def split_authors(value: str) -> tuple[str, ...]:
    """'Smith, J. and Lee, K.' (BibTeX), 'Smith J; Lee K', or ASySD's 'Smith J.Lee K.'."""
    value = (value or "").strip()
    if not value:
        return ()
    if " and " in value:
        return tuple(a.strip() for a in value.split(" and ") if a.strip())
    if ";" in value:
        return tuple(a.strip() for a in value.split(";") if a.strip())
    return tuple(a.strip() for a in _BLOB_SPLIT.split(value) if a.strip())


def _year(value: str) -> int | None:
    m = re.search(r"\d{4}", value or "")
    return int(m.group(0)) if m else None


def citation_of(row: dict[str, str]) -> Citation:
    g = lambda *names: next((row[n] for n in names if row.get(n)), "")  # noqa: E731
    return Citation(
        id=row["ID"],
        title=g("title"),
        authors=split_authors(g("author", "authors")),
        year=_year(g("year")),
        journal=g("journal", "booktitle", "container_title"),
        volume=g("volume"),
        issue=g("number", "issue"),
        pages=g("pages"),
        doi=g("doi"),
        pmid=g("pmid"),
        abstract=g("abstract"),
        type=g("ENTRYTYPE", "type"),
    )


def read_truth(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [row["merged_ids"].split(";") for row in csv.DictReader(f) if row["merged_ids"]]


# --- generated records -------------------------------------------------------------------

_SYL = [
    "ka",
    "ro",
    "mi",
    "ten",
    "sal",
    "vor",
    "li",
    "dan",
    "pe",
    "tra",
    "no",
    "gus",
    "bel",
    "chi",
    "ver",
    "mon",
    "ta",
    "rel",
    "si",
    "phe",
    "ul",
    "gra",
    "dis",
    "cor",
    "ex",
]


def generate(n: int, dup_share: float = 0.3, seed: int = 7) -> tuple[list[dict], list[list[str]]]:
    """`n` records of which `dup_share` are planted copies of others, printed differently
    the way databases print one paper (the demo review's variations), and the truth."""
    rng = random.Random(seed)
    words = sorted({"".join(rng.choices(_SYL, k=rng.randint(2, 4))) for _ in range(12000)})
    names = sorted({"".join(rng.choices(_SYL, k=rng.randint(2, 3))).title() for _ in range(8000)})
    journals = [
        " ".join(w.title() for w in rng.sample(words, rng.randint(2, 5))) for _ in range(600)
    ]
    n_papers = round(n * (1 - dup_share))
    papers = []
    for p in range(n_papers):
        start = rng.randint(1, 2000)
        authors = [
            (rng.choice(names), rng.choice("ABCDEFGHJKLMNPRSTW"), rng.choice(names))
            for _ in range(rng.randint(1, 7))
        ]
        journal = rng.choice(journals)
        papers.append(
            {
                "title": " ".join(rng.choices(words, k=rng.randint(6, 16))).capitalize(),
                "authors": authors,
                "year": rng.randint(1985, 2025),
                "journal": journal,
                "abbrev": " ".join(w[:4] for w in journal.split()),
                "volume": str(rng.randint(1, 120)),
                "number": str(rng.randint(1, 12)),
                "start": str(start),
                "end": str(start + rng.randint(1, 25)),
                "doi": f"10.{rng.randint(1000, 9999)}/gen.{p}" if rng.random() < 0.7 else "",
                "abstract": " ".join(rng.choices(words, k=rng.randint(60, 160))).capitalize() + ".",
            }
        )
    copies = [rng.randrange(n_papers) for _ in range(n - n_papers)]
    members: dict[int, list[str]] = {}
    rows = []
    for pid in list(range(n_papers)) + copies:
        p = papers[pid]
        dup = pid in members
        title, doi, end, journal = p["title"], p["doi"], p["end"], p["journal"]
        full = rng.random() < 0.5
        abstract = p["abstract"]
        if dup:
            if rng.random() < 0.4:
                title = rng.choice([str.upper, title_case, sentence_case])(title)
            if rng.random() < 0.3:
                title += "."
            if doi and rng.random() < 0.3:
                doi = ""
            elif doi and rng.random() < 0.15:
                doi = f"https://doi.org/{doi.upper()}"
            if rng.random() < 0.35:
                end = abbreviate_pages(p["start"], end)
            if rng.random() < 0.3:
                journal = p["abbrev"]
            if rng.random() < 0.2:
                abstract = ""
        authors = " and ".join(
            f"{s}, {g}. {m[0]}." if not full else f"{s}, {g}{m.lower()}" for s, g, m in p["authors"]
        )
        rid = f"id_{len(rows) + 1:07d}"
        members.setdefault(pid, []).append(rid)
        rows.append(
            {
                "ID": rid,
                "title": title,
                "author": authors,
                "year": str(p["year"]),
                "journal": journal,
                "volume": p["volume"],
                "number": p["number"],
                "pages": f"{p['start']}-{end}",
                "doi": doi,
                "abstract": abstract,
                "ENTRYTYPE": "article",
            }
        )
    order = list(range(len(rows)))
    rng.shuffle(order)
    rows = [rows[i] for i in order]
    truth = [ids for ids in members.values() if len(ids) > 1]
    return rows, truth


# --- measuring ---------------------------------------------------------------------------


def run_sift(rows: list[dict]) -> tuple[list[list[str]], int, float]:
    t0 = time.perf_counter()
    result = deduplicate(citation_of(r) for r in rows)
    seconds = time.perf_counter() - t0
    return [[str(i) for i in c.members] for c in result.clusters], len(result.queue), seconds


def run_bib_dedupe(rows: list[dict]) -> tuple[list[list[str]], int, float]:
    import pandas as pd
    from bib_dedupe import bib_dedupe as bd

    df = pd.DataFrame(rows)
    t0 = time.perf_counter()
    prepared = bd.prep(df, verbosity_level=0)
    blocked = bd.block(prepared, verbosity_level=0)
    matched = bd.match(blocked, verbosity_level=0)
    clusters = bd.cluster(matched, verbosity_level=0)
    seconds = time.perf_counter() - t0
    queued = (
        int((matched["duplicate_label"] == "maybe").sum()) if "duplicate_label" in matched else 0
    )
    return [sorted(map(str, c)) for c in clusters], queued, seconds


def _child(which: str, rows: list[dict], out: mp.Queue) -> None:
    import contextlib
    import io

    fn = run_sift if which == "sift" else run_bib_dedupe
    with contextlib.redirect_stdout(io.StringIO()):
        clusters, queued, seconds = fn(rows)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put((clusters, queued, seconds, peak_mb))


def measure(which: str, rows: list[dict], runs: int) -> dict:
    """Median seconds over `runs` fresh child processes (so peak RSS is the run's own)."""
    ctx = mp.get_context("fork")
    results = []
    for _ in range(runs):
        q = ctx.Queue()
        p = ctx.Process(target=_child, args=(which, rows, q))
        p.start()
        results.append(q.get())
        p.join()
        if p.exitcode:
            raise SystemExit(f"{which} run failed (exit {p.exitcode})")
    clusters, queued = results[0][0], results[0][1]
    return {
        "records": len(rows),
        "clusters": len(clusters),
        "removed": sum(len(c) - 1 for c in clusters),
        "seconds": round(statistics.median(r[2] for r in results), 3),
        "queued_pairs": queued,
        "peak_rss_mb": round(max(r[3] for r in results), 1),
        "_clusters": clusters,
    }


def accuracy(ids: Iterable[str], predicted: list[list[str]], truth: list[list[str]]) -> dict:
    """In each true cluster one record is kept and each other removed member is a true
    positive. A predicted cluster spanning k true papers loses k - 1 papers: those are the
    false positives (false merges), whichever record is kept."""
    paper = {rid: rid for rid in ids}
    for cluster in truth:
        for rid in cluster:
            paper[rid] = cluster[0]
    true_dups = sum(len(c) - 1 for c in truth)
    negatives = len(paper) - true_dups
    tp = fp = 0
    for cluster in predicted:
        k = len({paper.get(rid, rid) for rid in cluster})
        fp += k - 1
        tp += len(cluster) - k
    return {
        "sensitivity": round(tp / true_dups, 4) if true_dups else 1.0,
        "specificity": round((negatives - fp) / negatives, 4) if negatives else 1.0,
        "false_merges": fp,
        "true_duplicates": true_dups,
        "found_duplicates": tp,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", type=Path, help="bib-dedupe records_pre_merged.csv or ASySD CSV")
    src.add_argument(
        "--generate", type=int, metavar="N", help="N generated records, 30%% duplicates"
    )
    ap.add_argument("--truth", type=Path, help="merged_record_ids.csv: one true cluster a row")
    ap.add_argument("--clusters-out", type=Path, help="write Sift's clusters, IDs joined by ;")
    ap.add_argument("--runs", type=int, default=3, help="runs of each matcher (median)")
    ap.add_argument("--no-anchor", action="store_true", help="do not run bib-dedupe")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)

    if args.generate:
        rows, truth = generate(args.generate)
    else:
        rows = read_rows(args.input)
        truth = read_truth(args.truth) if args.truth else None

    sift = measure("sift", rows, args.runs)
    anchor = None
    if not args.no_anchor and len(rows) <= ANCHOR_MAX_RECORDS:
        try:
            import bib_dedupe  # noqa: F401
        except ImportError:
            print("bib-dedupe is not installed: pip install bib-dedupe==0.11.0", file=sys.stderr)
        else:
            anchor = measure("bib_dedupe", rows, args.runs)

    ids = [r["ID"] for r in rows]
    if args.clusters_out:
        args.clusters_out.parent.mkdir(parents=True, exist_ok=True)
        args.clusters_out.write_text("".join(";".join(c) + "\n" for c in sift["_clusters"]))
    for figures in filter(None, (sift, anchor)):
        if truth is not None:
            figures.update(accuracy(ids, figures["_clusters"], truth))
    out = {k: v for k, v in sift.items() if not k.startswith("_")}
    if anchor:
        out["bib_dedupe"] = {k: v for k, v in anchor.items() if not k.startswith("_")}
        out["speedup"] = round(anchor["seconds"] / sift["seconds"], 1) if sift["seconds"] else None
    if args.json:
        print(json.dumps(out))
        return 0
    label = args.input.name if args.input else f"{args.generate} generated records"
    print(f"{label}: {len(rows)} records, median of {args.runs} runs")
    for name, f in (("Sift", out), ("bib-dedupe", out.get("bib_dedupe"))):
        if not f:
            continue
        line = (
            f"  {name:<10} {f['seconds']:>8.2f} s  peak {f['peak_rss_mb']:>7.0f} MB  "
            f"{f['clusters']} clusters, {f['removed']} removed, {f['queued_pairs']} queued"
        )
        if "sensitivity" in f:
            line += (
                f"  sensitivity {f['sensitivity']:.4f} specificity {f['specificity']:.4f}"
                f" false merges {f['false_merges']}"
            )
        print(line)
    if anchor:
        print(f"  speed-up over bib-dedupe: {out['speedup']}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
