"""Relevance ranking: replay a labelled review through exactly the model the app uses, with
ASReview's simulation protocol, and ASReview LAB beside it when it is installed.

Protocol (lib.ranking.simulation): one random include and one random exclude as prior
knowledge (the same two for Sift and ASReview for a given seed), then always screen the
top-ranked record not yet screened; both retrain after every decision (Sift: the app's
schedule, `lib.ranking.retrain_due`; ASReview: its default). Figures leave the priors out
and are medians over the seeds: WSS@95, WSS@100, recall after 10% and 25% of the records
screened, records screened to find 95% of the includes, and wall time per retrain.
Also: one retrain (weighting the stored term counts, fit, scores) on 10,000 records, the\napp's worst case target, and the term counts themselves (once per record, after an import).

    .venv/bin/python benchmarks/ranking_bench.py --dataset ../shared/data/screening/Kwok_2020.csv
    .venv/bin/python benchmarks/ranking_bench.py --dataset FILE --seeds 5 --json \\
        --asreview /tmp/asr/bin/asreview

ASReview is found through --asreview, the ASREVIEW environment variable, or `asreview` on
PATH (install it in a separate venv: `python3.12 -m venv /tmp/asr &&
/tmp/asr/bin/pip install asreview==3.0.8`). Without it the anchor's figures measured with
the same protocol are printed as "not measured here".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.ranking import score, term_counts, text_of, tfidf  # noqa: E402
from lib.ranking.simulation import metrics, priors, simulate  # noqa: E402

KEYS = ("wss95", "wss100", "recall10", "recall25", "n95", "retrain_s")

# ASReview LAB 3.0.8 default (ELAS u4), median of 10 seeds, same protocol (issue #9).
ANCHOR = {
    "Kwok_2020": {"wss95": 0.709, "recall10": 0.752},
    "van_der_Valk_2021": {"wss95": 0.463, "recall10": 0.341},
    "Appenzeller-Herzog_2020": {"wss95": 0.813, "recall10": 0.909},
}


def load(path: Path) -> tuple[list[str], np.ndarray]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    texts = [text_of(t, a) for t, a in zip(frame["title"], frame["abstract"], strict=True)]
    return texts, frame["label_included"].astype(int).to_numpy()


def median(rows: list[dict]) -> dict:
    return {k: round(float(statistics.median(r[k] for r in rows)), 4) for k in rows[0]}


def elas_u4(X, labelled: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ASReview LAB 3's default model (ELAS u4: the same TF-IDF, linear SVM C 0.11, balance
    1 : 9.8) re-implemented: on the shared sets it screens in the same order as ASReview LAB
    itself, seed for seed (benchmarks/README.md). For sets too large to run ASReview LAB
    ten times here (`--elas-u4`); the figures are then labelled as the re-implementation."""
    y = np.asarray(y, dtype=np.int64)
    includes, excludes = int(y.sum()), int(len(y) - y.sum())
    weights = np.where(y == 1, 1.0, includes / (9.8 * excludes))
    weights = weights * (len(y) / weights.sum())
    classifier = LinearSVC(C=0.11, loss="squared_hinge", random_state=0)
    classifier.fit(X[labelled], y, sample_weight=weights)
    return classifier.decision_function(X)


def run_sift(texts: list[str], labels: np.ndarray, seeds: int, rank=None) -> dict:
    rows = []
    for seed in range(seeds):
        sim = simulate(texts, labels, seed=seed, rank=rank)
        m = asdict(metrics(sim.labels, sim.total, sim.includes))
        m["retrain_s"] = statistics.median(sim.retrain_seconds)
        m["retrains"] = len(sim.retrain_seconds)
        rows.append(m)
    return median(rows)


def asreview_binary(option: str | None) -> str | None:
    return option or os.environ.get("ASREVIEW") or shutil.which("asreview")


def _asreview_version(binary: str) -> str:
    with tempfile.TemporaryDirectory(prefix="sift-asreview-") as tmp:
        done = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, check=True, cwd=tmp
        )  # in a temporary directory: ASReview leaves a synergy_cache.sqlite behind
    return done.stdout.strip()


def run_asreview(
    binary: str, path: Path, labels: np.ndarray, seeds: int, cache: Path | None = None
) -> dict:
    """ASReview's simulation with the same priors and seed, per seed. With `cache`, each
    seed's screening order is kept under a key of ASReview's version, the dataset's bytes,
    the seed and the priors (an ASReview run of a few thousand records takes minutes and
    its result depends on nothing else), and read back instead of running again."""
    rows = []
    version = _asreview_version(binary) if cache else ""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if cache else ""
    for seed in range(seeds):
        include, exclude = priors(labels, seed)
        key = (
            cache / f"asreview-{version.replace(' ', '_')}-{digest}-{seed}-{include}-{exclude}.json"
            if cache
            else None
        )
        if key is not None and key.exists():
            kept = json.loads(key.read_text())
            m = asdict(metrics(kept["order"], len(labels) - 2, int(labels.sum()) - 1))
            m["retrain_s"], m["wall_s"] = kept["retrain_s"], kept["wall_s"]
            rows.append(m)
            continue
        with tempfile.TemporaryDirectory(prefix="sift-asreview-") as tmp:
            project = Path(tmp) / "sim.asreview"
            start = time.perf_counter()
            subprocess.run(
                [binary, "simulate", str(path.resolve()), "--prior-idx", str(include), str(exclude),
                 "--seed", str(seed), "-o", str(project)],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd=tmp,  # ASReview leaves a synergy_cache.sqlite in its working directory
            )  # fmt: skip
            wall = time.perf_counter() - start
            with zipfile.ZipFile(project) as archive:
                archive.extract("results.db", tmp)
            db = sqlite3.connect(Path(tmp) / "results.db")
            # Rows in the order screened; the priors have no classifier.
            order = db.execute(
                "SELECT label FROM results WHERE classifier IS NOT NULL ORDER BY rowid"
            ).fetchall()
            db.close()
        seq = [int(label) for (label,) in order]
        m = asdict(metrics(seq, len(labels) - 2, int(labels.sum()) - 1))
        m["retrain_s"] = wall / max(1, len(seq))  # whole run per query: trains every record
        m["wall_s"] = wall
        rows.append(m)
        if key is not None:
            cache.mkdir(parents=True, exist_ok=True)
            key.write_text(json.dumps({"order": seq, "retrain_s": m["retrain_s"], "wall_s": wall}))
    return median(rows)


def retrain_10k(texts: list[str], labels: np.ndarray, size: int = 10_000, runs: int = 5) -> dict:
    """One retrain as the app runs it, on `size` records (the dataset's records repeated
    with a marker word, so the vocabulary grows as a real review's would), with 10% of them
    labelled: weighting the stored term counts (`tfidf`) and the fit and scores. Also the
    term counts themselves (computed once per record, in the background after an import).
    Medians of `runs`."""
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(texts), size)
    big = [f"{texts[i]} copy{n // len(texts)}" for n, i in enumerate(picks)]
    y_all = labels[picks]
    labelled = rng.choice(size, size // 10, replace=False)
    labelled = np.union1d(labelled, [int(np.flatnonzero(y_all)[0])])
    counts_s, weight_s, fit_s = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        counts = term_counts(big)
        mid = time.perf_counter()
        X = tfidf(counts)
        weighted = time.perf_counter()
        score(X, labelled, y_all[labelled])
        end = time.perf_counter()
        counts_s.append(mid - start)
        weight_s.append(weighted - mid)
        fit_s.append(end - weighted)
    med = statistics.median
    return {"counts_s": round(med(counts_s), 3), "weight_s": round(med(weight_s), 3),
            "fit_score_s": round(med(fit_s), 3),
            "retrain_s": round(med(np.add(weight_s, fit_s)), 3)}  # fmt: skip


def app_retrain(
    texts: list[str], records: int = 10_000, labelled: int = 1_000, runs: int = 3
) -> dict:
    """The app's whole training run (`screening.services.ranking_train`: read the records
    and labels, features, fit per reviewer group, write every reviewer's scores) on a review
    of `records` records (the dataset's texts, repeated) with `labelled` decided by each of
    two reviewers, one new decision before each run. Three cases, medians of `runs` each:
    a worker that has just started (term counts stored, nothing in memory), a retrain in a
    running worker (features in memory), and nothing stored at all (counts computed in the
    run). Also the background job that stores an import's term counts (`ranking_prepare`).
    SQLite in a temporary directory unless DATABASE_URL is set."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from screening_bench import build_review, setup_django

    setup_django()
    import shutil
    import tempfile

    from django.conf import settings

    from screening import services
    from screening.models import Decision, DecisionEvent, Order, Stage, Verdict
    from screening.services import ranking as ranking_service

    cache = Path(tempfile.mkdtemp(prefix="sift-ranking-cache-"))
    settings.RANKING_CACHE_DIR = cache
    pairs = [tuple((t.split("\n", 1) + [""])[:2]) for t in texts]
    review, lead, users = build_review(records, 2, texts=pairs)
    services.stage_settings_update(
        review=review, stage=Stage.TITLE_ABSTRACT, user=lead, order=Order.RELEVANCE
    )
    rng = np.random.default_rng(0)
    papers = list(review.records.order_by("pk").values_list("pk", flat=True))
    rows, events = [], []
    for user in users:
        for pk in rng.choice(papers, labelled, replace=False):
            verdict = Verdict.INCLUDE if rng.random() < 0.1 else Verdict.EXCLUDE
            rows.append(Decision(review=review, record_id=pk, paper_id=pk, reviewer=user,
                                 stage=Stage.TITLE_ABSTRACT, verdict=verdict))  # fmt: skip
            events.append(DecisionEvent(review=review, record_id=pk, reviewer=user,
                                        stage=Stage.TITLE_ABSTRACT, new_verdict=verdict))  # fmt: skip
    Decision.objects.bulk_create(rows, batch_size=2000)
    DecisionEvent.objects.bulk_create(events, batch_size=2000)

    trained = [0]

    def train() -> float:
        DecisionEvent.objects.create(review=review, record_id=papers[0], reviewer=users[0],
                                     stage=Stage.TITLE_ABSTRACT, new_verdict="exclude")  # fmt: skip
        start = time.perf_counter()
        model = services.ranking_train(review_id=review.pk, stage=Stage.TITLE_ABSTRACT)
        seconds = time.perf_counter() - start
        assert model.trained_at is not None
        trained[0] = model.models_trained
        return seconds

    def forget(files: bool) -> None:
        ranking_service._FEATURES.clear()
        if files:
            shutil.rmtree(cache, ignore_errors=True)

    prepare, fresh, warm, scratch = [], [], [], []
    for _ in range(runs):
        forget(files=True)
        start = time.perf_counter()
        services.ranking_prepare(review_id=review.pk)
        prepare.append(time.perf_counter() - start)
        forget(files=False)
        fresh.append(train())
        warm.append(train())
        forget(files=True)
        scratch.append(train())
    shutil.rmtree(cache, ignore_errors=True)
    med = statistics.median
    return {"records": records, "models": trained[0],
            "prepare_s": round(med(prepare), 3), "fresh_worker_s": round(med(fresh), 3),
            "warm_s": round(med(warm), 3), "nothing_stored_s": round(med(scratch), 3)}  # fmt: skip


def one_dataset(
    path: Path, seeds: int, binary: str | None, cache: Path | None, elas: bool = False
) -> dict:
    texts, labels = load(path)
    name = path.stem
    out: dict = {"dataset": name, "seeds": seeds, "records": len(labels),
                 "includes": int(labels.sum())}  # fmt: skip
    start = time.perf_counter()
    out.update(run_sift(texts, labels, seeds))
    out["sift_wall_s"] = round(time.perf_counter() - start, 1)
    if elas:
        start = time.perf_counter()
        out["asreview"] = {"version": "ELAS u4 re-implemented (not ASReview LAB itself)",
                           **run_sift(texts, labels, seeds, rank=elas_u4)}  # fmt: skip
        out["asreview_wall_s"] = round(time.perf_counter() - start, 1)
    elif binary:
        start = time.perf_counter()
        out["asreview"] = {"version": "measured here",
                           **run_asreview(binary, path, labels, seeds, cache)}  # fmt: skip
        out["asreview_wall_s"] = round(time.perf_counter() - start, 1)
    else:
        out["asreview"] = {"version": "not measured here (anchor from issue #9, 10 seeds)",
                           **ANCHOR.get(name, {})}  # fmt: skip
    return out


def summary(results: list[dict]) -> dict:
    """Mean of the per-set medians, and on how many sets Sift's median WSS@95 is at least
    ASReview's (sets where ASReview was not measured are left out)."""
    both = [r for r in results if "wss95" in r["asreview"]]
    if not both:
        return {"sets": 0}
    return {
        "sets": len(both),
        "sift_mean_wss95": round(statistics.mean(r["wss95"] for r in both), 4),
        "asreview_mean_wss95": round(statistics.mean(r["asreview"]["wss95"] for r in both), 4),
        "at_least_asreview": sum(r["wss95"] >= r["asreview"]["wss95"] for r in both),
    }


def print_one(out: dict) -> None:
    print(f"{out['dataset']}: {out['records']} records, {out['includes']} includes, "
          f"{out['seeds']} seeds (medians)")  # fmt: skip
    print(f"{'':12}{'Sift':>10}{'ASReview':>12}")
    for key in KEYS:
        theirs = out["asreview"].get(key, "")
        print(f"{key:12}{out[key]:>10}{theirs if theirs == '' else round(theirs, 4):>12}")
    print(f"ASReview: {out['asreview']['version']}; its retrain_s is the whole run's wall time "
          "per record screened (it retrains after each)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", required=True, type=Path, nargs="+",
                        help="one or more labelled CSVs (title, abstract, label_included)")  # fmt: skip
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--asreview", help="the asreview executable (else $ASREVIEW or PATH)")
    parser.add_argument("--no-asreview", action="store_true", help="do not run ASReview")
    parser.add_argument("--cache", type=Path,
                        help="keep ASReview's screening order per dataset and seed here and "
                        "reuse it (its result depends on nothing else)")  # fmt: skip
    parser.add_argument("--elas-u4", nargs="*", default=[], metavar="NAME",
                        help="datasets (file stems) whose anchor is ELAS u4 re-implemented "
                        "in-process instead of ASReview LAB (too slow on large sets here)")  # fmt: skip
    parser.add_argument("--no-scale", action="store_true", help="skip the 10,000-record retrain")
    parser.add_argument(
        "--app", action="store_true", help="also time the app's training run on 10,000 records"
    )
    args = parser.parse_args()
    binary = None if args.no_asreview else asreview_binary(args.asreview)
    results = [
        one_dataset(path, args.seeds, binary, args.cache, elas=path.stem in args.elas_u4)
        for path in args.dataset
        if args.seeds > 0  # --seeds 0: the timings alone
    ]
    out: dict = results[0] if len(results) == 1 else {"datasets": results, **summary(results)}
    texts, labels = load(args.dataset[0])
    if not args.no_scale:
        out["retrain_10k"] = retrain_10k(texts, labels)
    if args.app:
        out["app_retrain_10k"] = app_retrain(texts)
    if args.json:
        print(json.dumps(out))
        return
    for result in results:
        print_one(result)
    if len(results) > 1:
        print("\n| dataset | records / includes | Sift WSS@95 | ASReview WSS@95 | difference |")
        print("|---|---|---|---|---|")
        for r in results:
            theirs = r["asreview"].get("wss95")
            diff = "" if theirs is None else f"{r['wss95'] - theirs:+.4f}"
            print(f"| {r['dataset']} | {r['records']:,} / {r['includes']} | {r['wss95']:.4f} | "
                  f"{'' if theirs is None else f'{theirs:.4f}'} | {diff} |")  # fmt: skip
        s = summary(results)
        if s["sets"]:
            print(f"mean over {s['sets']} sets: Sift {s['sift_mean_wss95']:.4f}, ASReview "
                  f"{s['asreview_mean_wss95']:.4f}; Sift at least ASReview on "
                  f"{s['at_least_asreview']} of {s['sets']}")  # fmt: skip
    if "retrain_10k" in out:
        r = out["retrain_10k"]
        print(f"one retrain on 10,000 records: {r['retrain_s']} s (weighting the stored term "
              f"counts {r['weight_s']} s, fit and score {r['fit_score_s']} s); the term counts "
              f"themselves, once per record after an import: {r['counts_s']} s")  # fmt: skip
    if "app_retrain_10k" in out:
        r = out["app_retrain_10k"]
        print(f"the app's training run on 10,000 records ({r['models']} models, scores written): "
              f"{r['fresh_worker_s']} s in a worker just started, {r['warm_s']} s in a running "
              f"worker, {r['nothing_stored_s']} s with no term counts stored; storing an "
              f"import's term counts (background job): {r['prepare_s']} s")  # fmt: skip


if __name__ == "__main__":
    main()
