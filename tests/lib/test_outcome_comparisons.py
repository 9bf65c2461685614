"""Outcome tables as two-group rows for metafor and RevMan (lib.appraisal.outcomes)."""

from __future__ import annotations

from lib.appraisal.outcomes import comparisons


def test_arms_pair_within_an_outcome_and_time_point_first_arm_is_group_1():
    rows = [
        {"outcome": "quit", "timepoint": "6m", "arm": "drug", "n": 50, "events": 12},
        {"outcome": "quit", "timepoint": "6m", "arm": "placebo", "n": 48, "events": 5},
        {"outcome": "quit", "timepoint": "6m", "arm": "advice", "n": 47, "events": 7},
        {"outcome": "score", "timepoint": "6m", "arm": "drug", "n": 50, "mean": 3.2, "sd": 1.1},
        {"outcome": "score", "timepoint": "6m", "arm": "placebo", "n": 48, "mean": 3.9, "sd": 1.4},
        {"outcome": "score", "timepoint": "12m", "arm": "drug", "n": 40, "mean": 3.0, "sd": 1.0},
    ]
    dichotomous, continuous = comparisons("Smith 2010", rows)
    assert dichotomous == [
        {"study": "Smith 2010", "outcome": "quit", "timepoint": "6m", "group1": "drug",
         "group2": "placebo", "ai": 12, "n1i": 50, "ci": 5, "n2i": 48},
        {"study": "Smith 2010", "outcome": "quit", "timepoint": "6m", "group1": "drug",
         "group2": "advice", "ai": 12, "n1i": 50, "ci": 7, "n2i": 47},
    ]  # fmt: skip
    # The 12-month score has one arm only: nothing to compare.
    assert continuous == [
        {"study": "Smith 2010", "outcome": "score", "timepoint": "6m", "group1": "drug",
         "group2": "placebo", "m1i": 3.2, "sd1i": 1.1, "n1i": 50, "m2i": 3.9, "sd2i": 1.4,
         "n2i": 48},
    ]  # fmt: skip


def test_text_cells_and_missing_numbers_make_no_row():
    rows = [
        {"outcome": "q", "arm": "a", "n": "50", "events": 3},
        {"outcome": "q", "arm": "b", "n": 40},
    ]
    assert comparisons("S", rows) == ([], [])
