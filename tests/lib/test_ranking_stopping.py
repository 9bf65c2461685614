"""Stopping aids: the hypergeometric test (Callaghan & Müller-Hansen 2020) and heuristics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom

from lib.ranking import consecutive_excludes, estimate_remaining, hypergeometric_test


def test_consecutive_excludes():
    assert consecutive_excludes([]) == 0
    assert consecutive_excludes([0, 0, 0]) == 3
    assert consecutive_excludes([1, 0, 1, 0, 0]) == 2
    assert consecutive_excludes([0, 1]) == 0


def test_a_long_run_of_excludes_after_the_includes_lets_the_test_stop():
    labels = [1] * 20 + [0] * 980  # 20 found early, then 980 excludes in a row; 100 left
    result = hypergeometric_test(labels, total=1100, recall_target=0.95, confidence=0.95)
    assert result.may_stop
    assert result.p_value < 0.05


def test_includes_still_turning_up_do_not():
    rng = np.random.default_rng(1)
    labels = list(rng.random(300) < 0.1)  # includes at 10% all along: many must remain
    result = hypergeometric_test(labels, total=2000)
    assert not result.may_stop
    assert result.p_value > 0.05


def test_the_p_value_is_the_hypergeometric_cdf_of_the_best_sample():
    """One sample by hand: last n=100 screened, none relevant, 10 found before; urn of
    N = 1000 - 110 + 100 records; K_tar = floor(10 / 0.9 - 10 + 1) = 2."""
    labels = [1] * 10 + [0] * 100
    result = hypergeometric_test(labels, total=1000, recall_target=0.9, confidence=0.95)
    expected = hypergeom.cdf(0, 1000 - 110 + 100, 2, 100)
    assert result.p_value <= expected + 1e-12
    assert result.sample_size >= 1


def test_a_higher_target_is_harder_to_reach():
    labels = [1] * 30 + [0] * 400
    low = hypergeometric_test(labels, total=3000, recall_target=0.8)
    high = hypergeometric_test(labels, total=3000, recall_target=0.99)
    assert low.p_value <= high.p_value


def test_edges():
    assert not hypergeometric_test([], total=100).may_stop
    assert hypergeometric_test([1, 0, 0], total=3).may_stop  # everything screened
    with pytest.raises(ValueError):
        hypergeometric_test([1], total=10, recall_target=1.0)


def test_estimate_remaining_states_its_method():
    labels = [1] * 10 + [0] * 90
    estimate = estimate_remaining(labels, total=1100)
    # The last 50 records (10% of 100, at least 50): none relevant.
    assert estimate.window == 50 and estimate.estimate == 0
    assert "last 50 records" in estimate.method
    estimate = estimate_remaining([1, 0] * 50, total=200)
    assert estimate.estimate == pytest.approx(0.5 * 100)
