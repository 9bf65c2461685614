"""Stopping aids for prioritised screening: a statistical test and simple heuristics.

They are aids: each says what it assumes, and none replaces the lead's judgement.

`hypergeometric_test` is Callaghan & Müller-Hansen (2020), "Statistical stopping criteria
for automated screening in systematic reviews", Systematic Reviews 9:273, as in their
reference code (buscar): treat the last n records screened as a sample drawn without
replacement from the records that were still unscreened before it; under the null
hypothesis "recall is below the target", the urn held at least K_tar relevant records, and
finding as few as k of them in the sample has probability hypergeom.cdf(k, N, K_tar, n).
Every n from 1 to the number screened is tried and the smallest p-value is kept; the null
is rejected (screening may stop) when it is below 1 - confidence. Ranked screening puts
relevant records first, so treating its tail as a random sample is conservative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import hypergeom


@dataclass(frozen=True, slots=True)
class HypergeometricResult:
    p_value: float  # the smallest over the sample sizes tried; 1.0 when nothing to test
    sample_size: int  # the n that gave it
    recall_target: float
    confidence: float

    @property
    def may_stop(self) -> bool:
        return self.p_value < 1 - self.confidence


def hypergeometric_test(
    labels: list[int] | np.ndarray, total: int, *, recall_target: float = 0.95,
    confidence: float = 0.95,
) -> HypergeometricResult:  # fmt: skip
    """`labels`: 1/0 of the records screened so far, in the order they were screened;
    `total`: all records of the stage (screened or not)."""
    if not 0 < recall_target < 1 or not 0 < confidence < 1:
        raise ValueError("recall target and confidence are fractions between 0 and 1")
    seen = np.asarray(labels, dtype=np.int64)
    n_seen = len(seen)
    if n_seen == 0 or total <= n_seen:
        # Nothing screened: nothing to test. Everything screened: recall is known (1.0).
        return HypergeometricResult(1.0 if n_seen == 0 else 0.0, n_seen, recall_target, confidence)
    r_seen = int(seen.sum())
    n = np.arange(1, n_seen + 1)  # sample: the last n records screened
    k = np.cumsum(seen[::-1])  # relevant records in that sample
    urn = total - n_seen + n  # records unscreened when the sample began
    # The fewest relevant records the urn must have held for recall to be below target.
    k_tar = np.floor(r_seen / recall_target - (r_seen - k) + 1)
    k_tar = np.minimum(k_tar, urn)
    p = hypergeom.cdf(k, urn, k_tar, n)
    best = int(np.argmin(p))
    return HypergeometricResult(float(p[best]), int(n[best]), recall_target, confidence)


def consecutive_excludes(labels: list[int] | np.ndarray) -> int:
    """Records excluded in a row since the last include (all of them if none)."""
    seen = np.asarray(labels, dtype=np.int64)
    hits = np.flatnonzero(seen)
    return int(len(seen) - 1 - hits[-1]) if len(hits) else len(seen)


@dataclass(frozen=True, slots=True)
class RemainingEstimate:
    estimate: float
    window: int
    method: str


def estimate_remaining(labels: list[int] | np.ndarray, total: int) -> RemainingEstimate:
    """Relevant records still unscreened, from the rate of includes among the most recently
    screened records (the last 10% screened, at least 50) times the records left. Ranking
    puts likely includes first, so the rate further down is usually lower: this leans high.
    """
    seen = np.asarray(labels, dtype=np.int64)
    left = max(0, total - len(seen))
    window = min(len(seen), max(50, math.ceil(0.1 * len(seen))))
    rate = float(seen[-window:].mean()) if window else 0.0
    return RemainingEstimate(
        estimate=rate * left,
        window=window,
        method=f"includes among the last {window} records screened ({rate:.1%}) x the {left} "
        "records not yet screened; an upper-leaning estimate, since ranking puts likely "
        "includes first",
    )


def heuristic_consecutive(labels: list[int] | np.ndarray, total: int, *, run: int) -> bool:
    """The simple rule many teams use: stop after `run` excludes in a row. No guarantee."""
    return consecutive_excludes(labels) >= run and len(labels) < total or len(labels) >= total
