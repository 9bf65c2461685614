"""lib.dedup over the labelled benchmark sets in ../shared/data/dedup, counted the way
benchmarks/dedup_bench.py counts them (automatic merges only).

The floors are the matcher's recorded figures (benchmarks/README.md), each at or above
bib-dedupe 0.11's on the same set; a false merge hides a paper from screening, so none is
allowed. Skipped where ../shared is absent (a user's clone).
"""

from pathlib import Path

import pytest

from benchmarks.dedup_bench import accuracy, citation_of, read_rows, read_truth
from lib.dedup import deduplicate
from tests.corpus import SHARED

DEDUP = SHARED / "data" / "dedup"
SETS = [
    # (records file, beside its truth file; minimum sensitivity). Recorded 2026-12-07 with
    # the fitted field evidence (issue #18): .9748, 1.0, 1.0, .9936, .9702.
    ("rathbone_respiratory/bib-dedupe__records_pre_merged.csv", 0.9725),
    ("asysd_diabetes/ASySD__labelled_test_set.csv", 1.0),
    ("special_cases/bib-dedupe__records_pre_merged.csv", 1.0),
    ("rathbone_stroke/bib-dedupe__records_pre_merged.csv", 0.9936),
    ("digital_work/bib-dedupe__records_pre_merged.csv", 0.9675),
]

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not DEDUP.is_dir(), reason=f"no dedup corpus at {DEDUP}"),
]


@pytest.mark.parametrize(("name", "floor"), SETS, ids=[s[0].split("/")[0] for s in SETS])
def test_benchmark_set_accuracy(name: str, floor: float) -> None:
    records = DEDUP / name
    rows = read_rows(records)
    truth = read_truth(Path(records.parent, "bib-dedupe__merged_record_ids.csv"))
    result = deduplicate(citation_of(row) for row in rows)
    clusters = [[str(i) for i in c.members] for c in result.clusters]
    figures = accuracy((row["ID"] for row in rows), clusters, truth)
    assert figures["false_merges"] == 0
    assert figures["sensitivity"] >= floor
    # A question is about two groups, never about two records already merged.
    group = {member: c.primary for c in result.clusters for member in c.members}
    assert all(group.get(q.a, q.a) != group.get(q.b, q.b) for q in result.queue)


@pytest.mark.slow
def test_the_shipped_weights_are_what_the_fit_gives() -> None:
    """lib/dedup/weights.json is written by benchmarks/dedup_fit.py, never edited by hand;
    and left out of its fit, no set gets a false merge (leave-one-set-out)."""
    from benchmarks import dedup_fit
    from lib.dedup import evidence

    shipped = dict(evidence.MODEL)
    sets = [dedup_fit.Set(name, DEDUP) for name in dedup_fit.SETS]
    try:
        model = dedup_fit.fit(sets)
        assert model["intercept"] == pytest.approx(shipped["intercept"], abs=0.01)
        assert model["weights"] == pytest.approx(shipped["weights"], abs=0.01)
        assert model["certain"] == pytest.approx(shipped["certain"], abs=0.01)
        for held in sets:
            evidence.set_model(dedup_fit.fit([s for s in sets if s is not held]))
            assert dedup_fit.evaluate(held)["false_merges"] == 0, held.name
    finally:
        evidence.set_model(shipped)
