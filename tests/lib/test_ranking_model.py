"""The ranking model and the simulation the benchmark replays."""

from __future__ import annotations

import numpy as np
import pytest

from lib.ranking import features, retrain_due, score, text_of
from lib.ranking.figure import relevance_curve
from lib.ranking.model import presumed_excludes
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


@pytest.mark.slow  # renders a figure (matplotlib): .ci/run's PostgreSQL pass
@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_relevance_curve(fmt, magic):
    body = relevance_curve([1, 0, 1, 0, 0], 20, fmt=fmt)
    assert body.startswith(magic)
    assert relevance_curve([1, 0, 1, 0, 0], 20, fmt=fmt) == body  # same input, same bytes
    assert relevance_curve([], 0, fmt=fmt).startswith(magic)


def test_presumed_excludes_are_unlabelled_distinct_and_repeatable():
    labelled = np.array([0, 3, 7, 8])
    drawn = presumed_excludes(50, labelled, count=20)
    assert len(drawn) == 20 and len(set(drawn.tolist())) == 20
    assert not set(drawn.tolist()) & set(labelled.tolist())
    assert drawn.min() >= 0 and drawn.max() < 50
    # The same labels give the same sample (the same order for the reviewer).
    assert np.array_equal(drawn, presumed_excludes(50, labelled[::-1], count=20))
    # Fewer unlabelled rows than asked for: all of them; none left: none.
    assert sorted(presumed_excludes(6, labelled[:2], count=20).tolist()) == [1, 2, 4, 5]
    assert len(presumed_excludes(4, np.arange(4), count=20)) == 0


def test_unscreened_records_teach_what_the_bulk_of_the_search_looks_like():
    """One include and one odd exclude known: without the records not yet screened, every
    record sharing the search's common words ("randomised controlled trial") with the
    include looks like an include. The presumed excludes show that those words are what
    the bulk of the search says: such records are scored as excludes, and the records on
    the include's topic still come first."""
    texts, labels = [], []
    for i in range(300):
        if i == 0:
            abstract = "randomised controlled trial primary outcome wilson disease"
        elif i % 30 == 0:
            abstract = f"wilson disease in a cohort of patients number{i} seen at clinic{i}"
        else:
            abstract = "randomised controlled trial primary outcome"
        texts.append(text_of("", abstract))
        labels.append(int(i % 30 == 0))
    texts.append(text_of("Poems", "sonnet meter rhyme"))  # the one known exclude: off the topic
    labels.append(0)
    y = np.array(labels)
    labelled = np.array([0, len(y) - 1])
    values = score(features(texts), labelled, y[labelled])
    ranked = [i for i in np.argsort(-values, kind="stable") if i not in labelled]
    assert y[ranked[:9]].sum() == 9  # the nine other includes first
    bulk = [i for i in range(1, 300) if y[i] == 0]
    assert (values[bulk] < 0).all()  # predicted excluded
