"""The ranking model and the simulation the benchmark replays."""

from __future__ import annotations

import numpy as np
import pytest

from lib.ranking import features, retrain_due, score, text_of
from lib.ranking.figure import relevance_curve
from lib.ranking.simulation import metrics, priors, screened_to_find, simulate


def corpus(n: int = 200, seed: int = 3) -> tuple[list[str], np.ndarray]:
    """Includes talk about partnerships and smoking; excludes about other things."""
    rng = np.random.default_rng(seed)
    topic = ["partnership", "smoking", "cessation", "public", "health", "england"]
    other = ["tree", "oak", "cedar", "soil", "forest", "rain", "river", "bird", "mouse"]
    texts, labels = [], []
    for i in range(n):
        include = i % 10 == 0
        words = list(rng.choice(topic if include else other, 8)) + list(rng.choice(other, 4))
        texts.append(text_of(f"Study {i}", " ".join(words)))
        labels.append(int(include))
    return texts, np.array(labels)


def test_scores_put_likely_includes_first():
    texts, y = corpus()
    X = features(texts)
    labelled = np.array([0, 1, 2, 10])
    values = score(X, labelled, y[labelled])
    assert values.shape == (len(texts),)
    top = np.argsort(-values)[:20]
    assert y[top].mean() > 0.8


def test_training_needs_both_labels():
    texts, y = corpus()
    with pytest.raises(ValueError):
        score(features(texts), np.array([1, 2]), np.array([0, 0]))


def test_retrain_schedule():
    assert not retrain_due(10, 0)
    assert retrain_due(10, 1) and retrain_due(5000, 1)  # after every decision


def test_simulation_and_metrics():
    texts, y = corpus()
    sim = simulate(texts, y, seed=0)
    assert sim.total == len(y) - 2 and sim.includes == y.sum() - 1
    assert sum(sim.labels) == sim.includes  # ran until every include was found
    m = metrics(sim.labels, sim.total, sim.includes)
    assert m.wss95 > 0.5 and m.recall25 == 1.0
    assert priors(y, 0) == priors(y, 0)


def test_metrics_by_hand():
    labels = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]  # 2 includes among 10 records
    assert screened_to_find(labels, 2) == 3
    m = metrics(labels, 10, 2)
    assert m.n95 == 3 and m.wss95 == pytest.approx(0.7 - 0.05)
    assert m.wss100 == pytest.approx(0.7)
    assert m.recall10 == 0.5 and m.recall25 == 1.0


@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_relevance_curve(fmt, magic):
    body = relevance_curve([1, 0, 1, 0, 0], 20, fmt=fmt)
    assert body.startswith(magic)
    assert relevance_curve([1, 0, 1, 0, 0], 20, fmt=fmt) == body  # same input, same bytes
    assert relevance_curve([], 0, fmt=fmt).startswith(magic)
