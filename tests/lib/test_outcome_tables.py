"""Outcome tables per arm: numbers stored as numbers, the checks a meta-analysis needs
refused with a message naming the row."""

from __future__ import annotations

import pytest

from lib.appraisal.definitions import DefinitionError, clean_table, clean_value

COLUMNS = ("outcome", "arm", "n", "events", "mean", "sd", "se", "median", "iqr", "p")


def test_numbers_are_kept_as_numbers_and_blank_rows_dropped():
    rows = clean_table(COLUMNS, [
        {"outcome": "quit", "arm": "intervention", "n": "1204", "events": "30", "p": "<0.001"},
        {c: "" for c in COLUMNS},
        {"outcome": "score", "arm": "control", "n": "98", "mean": "\u22120.35", "sd": "1.10",
         "median": "4", "iqr": "2-5"},
    ])  # fmt: skip
    assert len(rows) == 2
    assert rows[0]["n"] == 1204 and rows[0]["events"] == 30 and rows[0]["p"] == "<0.001"
    assert rows[1]["mean"] == -0.35 and rows[1]["sd"] == 1.1 and rows[1]["iqr"] == "2-5"
    assert isinstance(rows[0]["n"], int) and rows[1]["sd"] == 1.1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"arm": "control", "n": "100", "events": "120"},
            "Row 1 (control): events (120) are more than N (100).",
        ),
        ({"arm": "control", "n": "0"}, "Row 1 (control): N must be a whole number above 0"),
        ({"arm": "control", "n": "12.5"}, "N must be a whole number above 0"),
        ({"arm": "control", "events": "-1"}, "events must be a whole number, 0 or more"),
        ({"arm": "control", "sd": "-0.2"}, "Row 1 (control): SD cannot be negative (-0.2)."),
        ({"arm": "control", "se": "-1"}, "SE cannot be negative"),
        ({"arm": "control", "n": "1,5"}, "Row 1 (control): n '1,5' is not a number: write 1.5"),
        ({"arm": "control", "n": "1,204"}, "Row 1 (control): n '1,204' is ambiguous: write 1204"),
        ({"arm": "", "mean": "high"}, "Row 1: mean 'high' is not a number."),
    ],
)
def test_impossible_values_are_refused_naming_the_row(row, message):
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        clean_table(COLUMNS, [row])


def test_the_second_row_is_named_when_it_is_wrong():
    with pytest.raises(DefinitionError, match=r"Row 2 \(placebo\): events"):
        clean_value("table", ("arm", "n", "events"), "drug | 50 | 10\nplacebo | 50 | 51")


def test_an_integer_field_takes_whole_numbers_only():
    assert clean_value("integer", (), " 1204 ") == "1204"
    assert clean_value("integer", (), "-3") == "-3"
    with pytest.raises(DefinitionError, match="'1,204' is ambiguous: write 1204 without a"):
        clean_value("integer", (), " 1,204 ")
    for bad in ("12.5", "twelve"):
        with pytest.raises(DefinitionError, match="is not a whole number"):
            clean_value("integer", (), bad)
