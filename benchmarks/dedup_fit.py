"""Fitting the weights of lib.dedup's field evidence, and checking them leave-one-set-out.

Every candidate pair (the engine's blocking) of the labelled sets in ../shared/data/dedup
that `score.compare` weighs on its fields (no shared or conflicting identifier, not a
notice or preprint against a paper, years at most one apart) gives one row: the agreement
level of each field (`lib.dedup.evidence.features`) and whether the two records are one
paper. A logistic regression over those rows gives each level its weight in log-odds.

Two thresholds go with the weights, both set from the training pairs: `certain`, above
which a pair merges without a rule naming it (the highest log-odds of two different
papers the evidence may merge, i.e. with titles alike and printed in the same place, plus a
margin), and `veto`, below which a rule's certain match goes to a person
instead (the lowest log-odds of a true pair a rule merged, minus a margin, never above 0:
evidence leaning towards two papers always stops a merge).

    .venv/bin/python benchmarks/dedup_fit.py              # leave-one-set-out, then all sets
    .venv/bin/python benchmarks/dedup_fit.py --write      # ... and write lib/dedup/weights.json
    .venv/bin/python benchmarks/dedup_fit.py --json       # figures as one JSON object
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.dedup_bench import accuracy, citation_of, read_rows, read_truth  # noqa: E402
from lib.dedup import (  # noqa: E402
    candidate_pairs,
    deduplicate,
    evidence,  # noqa: E402
    key_of,
)
from lib.dedup.score import Kind, compare, field_evidence  # noqa: E402
from tests.corpus import SHARED  # noqa: E402

DEDUP = SHARED / "data" / "dedup"  # ../shared, or $SIFT_SHARED
SETS = {
    "special_cases": "bib-dedupe__records_pre_merged.csv",
    "rathbone_respiratory": "bib-dedupe__records_pre_merged.csv",
    "asysd_diabetes": "ASySD__labelled_test_set.csv",
    "rathbone_stroke": "bib-dedupe__records_pre_merged.csv",
    "digital_work": "bib-dedupe__records_pre_merged.csv",
}
FEATURES = [
    "title_exact", "title_95", "title_90", "title_80", "title_part", "title_short", "title_numbers_differ",
    "authors_missing", "authors_one", "authors_all", "authors_most", "authors_half", "first_author",
    "authors_many", "year_same", "year_close", "year_missing", "journal_same",
    "journal_differs", "volume_same", "volume_differs", "issue_same", "issue_differs",
    "pages_same", "pages_range_same", "pages_differ", "pages_differ_marked",
    "abstract_same", "abstract_differs", "kind_differs",
]  # fmt: skip
# Margins in log-odds around the thresholds the training pairs give (see the docstring).
CERTAIN_MARGIN = 1.0
VETO_MARGIN = 1.0
VETO: float | None = 0.0
METHOD = "regression"  # "fields" (Fellegi-Sunter) or "regression"
C = 1.0  # inverse regularisation strength of the regression
_TITLES_ALIKE = frozenset({"title_exact", "title_95", "title_90", "title_80", "title_part"})


class Set:
    def __init__(self, name: str, root: Path):
        self.name = name
        rows = read_rows(root / name / SETS[name])
        self.rows = rows
        self.truth = read_truth(root / name / "bib-dedupe__merged_record_ids.csv")
        paper = {r["ID"]: r["ID"] for r in rows}
        for cluster in self.truth:
            for rid in cluster:
                paper[rid] = cluster[0]
        keys = [key_of(citation_of(r)) for r in rows]
        pairs, _ = candidate_pairs(keys)
        self.pairs: list[tuple[list[str], bool]] = []  # (features, same paper)
        for i, j in sorted(pairs):
            on = field_evidence(keys[i], keys[j])
            if on is None:
                continue
            same = paper[rows[i]["ID"]] == paper[rows[j]["ID"]]
            self.pairs.append((on, same))
        self.keys = keys


# The indicators of one field, of which at most one is on (none on: the field's baseline
# level, e.g. titles less than 80% alike, or pages missing on one side).
GROUPS = [
    ["title_exact", "title_95", "title_90", "title_80"], ["title_part"], ["title_short"],
    ["title_numbers_differ"],
    ["authors_missing", "authors_one", "authors_all", "authors_most", "authors_half"],
    ["first_author"], ["authors_many"], ["year_same", "year_close", "year_missing"],
    ["journal_same", "journal_differs"], ["volume_same", "volume_differs"],
    ["issue_same", "issue_differs"], ["pages_same", "pages_differ", "pages_differ_marked"],
    ["pages_range_same"], ["abstract_same", "abstract_differs"], ["kind_differs"],
]  # fmt: skip


def fit_fields(rows: list[tuple[list[str], bool]]) -> tuple[float, dict[str, float]]:
    """Fellegi and Sunter's weights: each field's level by itself, log P(level | one paper)
    - log P(level | two papers) over the candidate pairs (add-one smoothed), the baseline
    level folded into the intercept with the prior odds."""
    import math

    pos = [set(on) for on, same in rows if same]
    neg = [set(on) for on, same in rows if not same]
    intercept = math.log(len(pos) / len(neg))
    weights = {}
    for group in GROUPS:
        k = len(group) + 1

        def ratio(level: str | None, group: list[str] = group, k: int = k) -> float:
            def share(sets: list[set[str]]) -> float:
                hit = sum(1 for on in sets if (level in on if level else not (on & set(group))))
                return (hit + 1) / (len(sets) + k)

            return math.log(share(pos) / share(neg))

        base = ratio(None)
        intercept += base
        for level in group:
            weights[level] = ratio(level) - base
    return intercept, weights


def fit(sets: list[Set]) -> dict:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rows = [pair for s in sets for pair in s.pairs]
    if METHOD == "fields":
        intercept, weights = fit_fields(rows)
        out = {
            "intercept": round(intercept, 3),
            "weights": {k: round(v, 3) for k, v in weights.items()},
        }
        return _thresholds(out, rows, sets)
    index = {name: n for n, name in enumerate(FEATURES)}
    x = np.zeros((len(rows), len(FEATURES)))
    for r, (on, _) in enumerate(rows):
        for name in on:
            x[r, index[name]] = 1.0
    y = np.array([same for _, same in rows])
    model = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    weights = {name: round(float(w), 3) for name, w in zip(FEATURES, model.coef_[0], strict=True)}
    out = {"intercept": round(float(model.intercept_[0]), 3), "weights": weights}
    return _thresholds(out, rows, sets)


def _thresholds(out: dict, rows: list[tuple[list[str], bool]], sets: list[Set]) -> dict:
    evidence.set_model(out | {"certain": 99.0, "veto": -99.0})
    # Two papers the evidence could merge: titles alike, printed in the same place.
    z_diff = [
        evidence.log_odds(on)
        for on, same in rows
        if not same and evidence.may_merge(on) and not _TITLES_ALIKE.isdisjoint(on)
    ]
    # True pairs a rule merges on its own: the veto must leave them alone.
    z_rule = []
    for s in sets:
        for i, j in _rule_pairs(s):
            on = field_evidence(s.keys[i], s.keys[j])
            if on is not None:
                z_rule.append(evidence.log_odds(on))
    out["certain"] = round(max(z_diff) + CERTAIN_MARGIN, 3)
    out["veto"] = VETO if VETO is not None else round(min(0.0, min(z_rule) - VETO_MARGIN), 3)
    out["pairs"] = len(rows)
    out["positives"] = sum(same for _, same in rows)
    return out


def _rule_pairs(s: Set) -> list[tuple[int, int]]:
    """True pairs that compare merges by a rule (with the evidence switched off)."""
    paper = {r["ID"]: r["ID"] for r in s.rows}
    for cluster in s.truth:
        for rid in cluster:
            paper[rid] = cluster[0]
    pairs, _ = candidate_pairs(s.keys)
    out = []
    for i, j in sorted(pairs):
        if paper[s.rows[i]["ID"]] != paper[s.rows[j]["ID"]]:
            continue
        m = compare(s.keys[i], s.keys[j])
        if m is not None and m.kind is Kind.CERTAIN and m.rule.name != "EVIDENCE":
            out.append((i, j))
    return out


def evaluate(s: Set) -> dict:
    result = deduplicate(citation_of(r) for r in s.rows)
    clusters = [[str(i) for i in c.members] for c in result.clusters]
    figures = accuracy((r["ID"] for r in s.rows), clusters, s.truth)
    return {k: figures[k] for k in ("sensitivity", "false_merges", "found_duplicates")} | {
        "true_duplicates": figures["true_duplicates"]
    }


def main(argv: list[str] | None = None) -> int:
    global METHOD
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEDUP, help="folder of the labelled sets")
    ap.add_argument("--write", action="store_true", help="write lib/dedup/weights.json")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument("--method", choices=("fields", "regression"), default=METHOD)
    args = ap.parse_args(argv)
    METHOD = args.method

    saved = dict(evidence.MODEL)
    sets = [Set(name, args.data) for name in SETS]
    out: dict = {"leave_one_set_out": {}}
    for held in sets:
        model = fit([s for s in sets if s is not held])
        evidence.set_model(model)
        out["leave_one_set_out"][held.name] = evaluate(held) | {
            "certain": model["certain"],
            "veto": model["veto"],
        }
    model = fit(sets)
    evidence.set_model(model)
    out["all_sets"] = {s.name: evaluate(s) for s in sets}
    out["model"] = model
    if args.write:
        keep = {k: model[k] for k in ("intercept", "weights", "certain", "veto")}
        evidence.WEIGHTS_FILE.write_text(json.dumps(keep, indent=1) + "\n", encoding="utf-8")
    else:
        evidence.set_model(saved)
    if args.json:
        print(json.dumps(out))
        return 0
    for title, table in (("leave one set out", out["leave_one_set_out"]), ("fit on all sets", out["all_sets"])):  # fmt: skip
        print(title)
        for name, f in table.items():
            extra = f"  certain {f['certain']} veto {f['veto']}" if "certain" in f else ""
            print(
                f"  {name:<22} sensitivity {f['sensitivity']:.4f} ({f['found_duplicates']}/"
                f"{f['true_duplicates']})  false merges {f['false_merges']}{extra}"
            )
    print(f"model ({model['pairs']} pairs, {model['positives']} one paper):")
    print(f"  intercept {model['intercept']}  certain {model['certain']}  veto {model['veto']}")
    for name, w in sorted(model["weights"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:<22} {w:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
