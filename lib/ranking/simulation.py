"""Replaying a labelled review through the ranking, ASReview's simulation protocol: start
from one random include and one random exclude, then always screen the top-ranked record
not yet screened, retraining on the schedule the app uses (`model.retrain_due`).

Metrics leave the two prior records out (as ASReview's do): N and the includes counted are
those after the priors. WSS@r = (N - n_r) / N - (1 - r), n_r being the records screened to
find ceil(r x includes) of them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lib.ranking.model import features, retrain_due, score


@dataclass
class Simulation:
    labels: list[int]  # of the records screened after the priors, in order
    total: int  # records after the priors
    includes: int  # includes after the priors
    retrain_seconds: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Metrics:
    wss95: float
    wss100: float
    recall10: float
    recall25: float
    n95: int


def screened_to_find(labels: list[int] | np.ndarray, needed: int) -> int:
    """Records screened (in order) until `needed` includes were found."""
    if needed <= 0:
        return 0
    cumulative = np.cumsum(labels)
    return int(np.searchsorted(cumulative, needed) + 1)


def metrics(labels: list[int] | np.ndarray, total: int, includes: int) -> Metrics:
    labels = np.asarray(labels)
    n95 = screened_to_find(labels, math.ceil(0.95 * includes))
    n100 = screened_to_find(labels, includes)

    def recall_after(fraction: float) -> float:
        return float(labels[: math.ceil(fraction * total)].sum() / includes)

    return Metrics(
        wss95=(total - n95) / total - 0.05,
        wss100=(total - n100) / total,
        recall10=recall_after(0.10),
        recall25=recall_after(0.25),
        n95=n95,
    )


def priors(labels: np.ndarray, seed: int) -> tuple[int, int]:
    """One random include and one random exclude, the same for a given seed (the
    benchmark gives ASReview the same two)."""
    rng = np.random.default_rng(seed)
    return int(rng.choice(np.flatnonzero(labels == 1))), int(
        rng.choice(np.flatnonzero(labels == 0))
    )


def simulate(
    texts: list[str],
    labels: list[int] | np.ndarray,
    *,
    seed: int,
    rank: Callable | None = None,
) -> Simulation:
    """Screen until every include is found (the rest cannot change the metrics)."""
    y = np.asarray(labels, dtype=np.int64)
    X = features(texts)
    rank = rank or score
    screened = np.zeros(len(y), dtype=bool)
    screened[list(priors(y, seed))] = True
    sim = Simulation(labels=[], total=len(y) - 2, includes=int(y.sum()) - 1)
    found, since, scores = 1, 0, None
    while found < int(y.sum()):
        if scores is None or retrain_due(int(screened.sum()), since):
            labelled = np.flatnonzero(screened)
            start = time.perf_counter()
            scores = rank(X, labelled, y[labelled])
            sim.retrain_seconds.append(time.perf_counter() - start)
            since = 0
        nxt = int(np.argmax(np.where(screened, -np.inf, scores)))
        screened[nxt] = True
        sim.labels.append(int(y[nxt]))
        found += int(y[nxt])
        since += 1
    return sim
