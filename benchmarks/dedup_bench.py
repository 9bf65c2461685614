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
import unicodedata
from collections.abc import Iterable
from html.entities import codepoint2name
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.ris import abbreviate_pages, sentence_case, title_case  # noqa: E402
from lib.dedup import Citation, deduplicate  # noqa: E402

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


# A name between ';' separators; an HTML entity's own ';' ('K&aacute;miro') is part of it.
_BETWEEN_SEMICOLONS = re.compile(r"(?:&#?\w{1,8};|[^;])+")
_BLOB_SPLIT = re.compile(r"(?<=\.)(?=[A-Z\u00c0-\u00de])")


def split_authors(value: str) -> tuple[str, ...]:
    """'Smith, J. and Lee, K.' (BibTeX), 'Smith J; Lee K', or ASySD's 'Smith J.Lee K.'."""
    value = (value or "").strip()
    if not value:
        return ()
    if " and " in value:
        return tuple(a.strip() for a in value.split(" and ") if a.strip())
    if ";" in value:
        return tuple(a.strip() for a in _BETWEEN_SEMICOLONS.findall(value) if a.strip())
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
# Accented forms of a letter, as in names and titles from many languages.
_ACCENTS = {
    "a": "áàäâ",
    "e": "éèëê",
    "o": "öóø",
    "u": "üú",
    "i": "íï",
    "n": "ñ",
    "c": "ç",
    "l": "ł",
}
_GREEK = ("α", "β", "γ", "κ")
_CONFERENCES = ("Annual Meeting", "International Congress", "World Conference", "Symposium")
_NOTICE_TITLES = ("Erratum: {}", "Correction to: {}", "Erratum to: {}", "{} (vol {}, pg {}, {})")


def _accented(rng: random.Random, word: str) -> str:
    spots = [i for i, ch in enumerate(word) if ch in _ACCENTS]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + rng.choice(_ACCENTS[word[i]]) + word[i + 1 :]


def _typo(rng: random.Random, title: str) -> str:
    """One slip of the keyboard: a letter swapped, dropped, doubled or replaced."""
    i = rng.randrange(1, len(title) - 2)
    if not title[i].isalpha():
        return title
    kind = rng.randrange(4)
    if kind == 0:
        return title[:i] + title[i + 1] + title[i] + title[i + 2 :]
    if kind == 1:
        return title[:i] + title[i + 1 :]
    if kind == 2:
        return title[:i] + title[i] + title[i:]
    return title[:i] + rng.choice("aeiourstln") + title[i + 1 :]


def _ascii(text: str) -> str:
    """How a database without accents prints the text: 'Müller' -> 'Muller', 'β' -> 'beta'."""
    text = text.replace("ø", "o").replace("ł", "l")
    for letter, name in zip(_GREEK, ("alpha", "beta", "gamma", "kappa"), strict=True):
        text = text.replace(letter, name)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _entities(text: str) -> str:
    """How a database that escapes HTML prints the text: 'Müller' -> 'M&uuml;ller'."""
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
        elif ord(ch) in codepoint2name:
            out.append(f"&{codepoint2name[ord(ch)]};")
        else:
            out.append(f"&#{ord(ch)};")
    return "".join(out)


def generate(n: int, dup_share: float = 0.3, seed: int = 7) -> tuple[list[dict], list[list[str]]]:
    """`n` records of which `dup_share` are planted copies of others, printed differently
    the way databases print one paper, and the truth.

    A copy may change case and punctuation, carry a typo in its title, print accented
    letters as HTML entities or without accents, cut its author list with 'et al.', give
    authors' initials or full names, abbreviate the journal and the page range, or lack
    the DOI, abstract or pages. Among the distinct papers are near misses that must stay
    apart: a conference abstract of a later journal article (same title and authors, a
    year or two earlier), an erratum of a paper ('Erratum: <title>', sometimes with the
    paper's own DOI) and a preprint of a published paper."""
    rng = random.Random(seed)
    words = sorted({"".join(rng.choices(_SYL, k=rng.randint(2, 4))) for _ in range(12000)})
    names = sorted({"".join(rng.choices(_SYL, k=rng.randint(2, 3))).title() for _ in range(8000)})
    # About one name in twelve has an accented letter.
    names = [_accented(rng, s) if rng.random() < 0.08 else s for s in names]
    journals = [
        " ".join(w.title() for w in rng.sample(words, rng.randint(2, 5))) for _ in range(600)
    ]
    n_papers = round(n * (1 - dup_share))
    papers: list[dict] = []
    while len(papers) < n_papers:
        p = len(papers)
        start = rng.randint(1, 2000)
        title_words = rng.choices(words, k=rng.randint(6, 16))
        if rng.random() < 0.03:
            title_words[rng.randrange(len(title_words))] = (
                f"{rng.choice(_GREEK)}-{rng.choice(words)}"
            )
        if rng.random() < 0.05:
            i = rng.randrange(len(title_words))
            title_words[i] = _accented(rng, title_words[i])
        journal = rng.choice(journals)
        paper = {
            "title": " ".join(title_words).capitalize(),
            "authors": [
                (rng.choice(names), rng.choice("ABCDEFGHJKLMNPRSTW"), rng.choice(names))
                for _ in range(rng.randint(1, 7))
            ],
            "year": rng.randint(1985, 2025),
            "journal": journal,
            "abbrev": " ".join(w[:4] for w in journal.split()),
            "volume": str(rng.randint(3, 120)),
            "number": str(rng.randint(1, 12)),
            "start": str(start),
            "end": str(start + rng.randint(1, 25)),
            "doi": f"10.{rng.randint(1000, 9999)}/gen.{p}" if rng.random() < 0.7 else "",
            "abstract": " ".join(rng.choices(words, k=rng.randint(60, 160))).capitalize() + ".",
            "type": "article",
        }
        papers.append(paper)
        near = rng.random()
        if near < 0.03:
            # The conference abstract the paper grew from: its own venue or the journal's
            # supplement, a year or two earlier, a shorter abstract or none.
            gap = rng.choice((1, 1, 2))
            abstract = paper["abstract"][: rng.randint(0, 400)]
            supplement = rng.random() < 0.5
            papers.append(
                paper
                | {
                    "year": paper["year"] - gap,
                    "journal": paper["journal"] if supplement else "",
                    "abbrev": paper["abbrev"] if supplement else "",
                    "booktitle": "" if supplement else f"{rng.choice(_CONFERENCES)} {journal}",
                    "volume": str(int(paper["volume"]) - gap) if supplement else "",
                    "number": "S1" if supplement else "",
                    "start": f"S{rng.randint(1, 400)}" if supplement else "",
                    "end": "",
                    "doi": "",
                    "abstract": abstract.rsplit(" ", 1)[0] if abstract else "",
                    "type": "article" if supplement else "inproceedings",
                }
            )
        elif near < 0.05:
            # An erratum or correction of the paper, printed later in the same journal.
            form = rng.choice(_NOTICE_TITLES)
            volume = str(int(paper["volume"]) + rng.choice((0, 1)))
            title = form.format(paper["title"], paper["volume"], paper["start"], paper["year"])
            page = str(rng.randint(1, 2000))
            papers.append(
                paper
                | {
                    "title": title,
                    "authors": paper["authors"] if rng.random() < 0.6 else [],
                    "year": paper["year"] + (volume != paper["volume"]),
                    "volume": volume,
                    "start": page,
                    "end": page,
                    # Some databases give the notice the corrected paper's DOI.
                    "doi": paper["doi"] if rng.random() < 0.2 else "",
                    "abstract": "",
                }
            )
        elif near < 0.06:
            # The preprint of the paper, a year earlier: related, not the same record.
            papers.append(
                paper
                | {
                    "year": paper["year"] - 1,
                    "journal": "medRxiv",
                    "abbrev": "medRxiv",
                    "volume": "",
                    "number": "",
                    "start": "",
                    "end": "",
                    "doi": f"10.1101/gen.{p}",
                }
            )
    papers = papers[:n_papers]
    copies = [rng.randrange(n_papers) for _ in range(n - n_papers)]
    members: dict[int, list[str]] = {}
    rows = []
    for pid in list(range(n_papers)) + copies:
        p = papers[pid]
        dup = pid in members
        title, doi, start, end, journal = p["title"], p["doi"], p["start"], p["end"], p["journal"]
        abstract = p["abstract"]
        authors = p["authors"]
        full = rng.random() < 0.5
        cut = False
        accents = "keep"
        if dup:
            if rng.random() < 0.4:
                title = rng.choice([str.upper, title_case, sentence_case])(title)
            if rng.random() < 0.3:
                title += "."
            if rng.random() < 0.08:
                title = _typo(rng, title)
            if doi and rng.random() < 0.3:
                doi = ""
            elif doi and rng.random() < 0.15:
                doi = f"https://doi.org/{doi.upper()}"
            if end != start and rng.random() < 0.35:
                end = abbreviate_pages(start, end)
            if rng.random() < 0.1:
                start = end = ""
            if journal and rng.random() < 0.3:
                journal = p["abbrev"]
            if rng.random() < 0.2:
                abstract = ""
            if len(authors) > 3 and rng.random() < 0.15:
                authors, cut = authors[: rng.choice((1, 3))], True
            accents = rng.choice(("keep", "keep", "keep", "entities", "ascii"))
        author = " and ".join(
            f"{s}, {g}. {m[0]}." if not full else f"{s}, {g}{m.lower()}" for s, g, m in authors
        )
        if cut:
            author += " et al."
        if accents != "keep":
            fix = _entities if accents == "entities" else _ascii
            title, author = fix(title), fix(author)
        rid = f"id_{len(rows) + 1:07d}"
        members.setdefault(pid, []).append(rid)
        rows.append(
            {
                "ID": rid,
                "title": title,
                "author": author,
                "year": str(p["year"]),
                "journal": journal,
                "booktitle": p.get("booktitle", ""),
                "volume": p["volume"],
                "number": p["number"],
                "pages": f"{start}-{end}" if end and end != start else start,
                "doi": doi,
                "abstract": abstract,
                "ENTRYTYPE": p["type"],
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
