"""Attack: hostile numbers typed into an extraction form's number fields
(lib.appraisal.definitions.clean_value, the one check every save goes through). Each must
be stored as a finite number or refused with a DefinitionError naming it, never crash."""

from __future__ import annotations

import math

import pytest

from lib.appraisal.definitions import DefinitionError, clean_value
from lib.spreadsheet import number_or_text


@pytest.mark.parametrize("kind", ["number", "integer"])
def test_a_number_of_thousands_of_digits_is_refused_with_a_message(kind):
    with pytest.raises(DefinitionError, match="at most 30 characters") as refused:
        clean_value(kind, (), "9" * 5000)
    assert len(str(refused.value)) < 200  # the message does not repeat the 5000 digits
    assert clean_value(kind, (), "9" * 30) == "9" * 30  # 30 digits are kept as typed


@pytest.mark.parametrize("text", ["1e309", "1e999999999"])
def test_a_number_past_the_float_range_is_refused(text):
    with pytest.raises(DefinitionError, match="too large"):
        clean_value("number", (), text)


@pytest.mark.parametrize("text", ["1e-400", "-0.1e-999"])
def test_a_non_zero_number_too_small_to_keep_is_refused(text):
    with pytest.raises(DefinitionError, match="too small"):
        clean_value("number", (), text)
    assert clean_value("number", (), "0e-400") == "0e-400"  # zero is zero


def test_a_number_that_is_kept_is_finite_wherever_it_is_read():
    value = clean_value("number", (), "1.5e300")
    assert math.isfinite(float(value)) and math.isfinite(float(number_or_text(value)))


@pytest.mark.parametrize("text", ["NaN", "inf", "Infinity", "1 200", "1.2.3", "--1", "0x10"])
def test_words_and_malformed_numbers_are_refused(text):
    with pytest.raises(DefinitionError):
        clean_value("number", (), text)


@pytest.mark.parametrize(
    ("text", "stored"), [("１２", "12"), ("٣", "3"), ("1２.5", "12.5"), ("－１", "-1")]
)
def test_digits_of_other_scripts_are_stored_as_ascii_or_refused(text, stored):
    """A CSV export writes the stored text: '１２' is text to a spreadsheet, not 12."""
    value = clean_value("number", (), text)
    assert value == stored
    assert not isinstance(number_or_text(value), str)  # the export writes a number


@pytest.mark.parametrize("text", ["1²", "½", "1_5", "1e"])
def test_look_alikes_of_numbers_are_refused(text):
    with pytest.raises(DefinitionError, match="not a number"):
        clean_value("number", (), text)


def test_outcome_tables_and_ranges_read_numbers_with_the_same_reader():
    from lib.appraisal.definitions import RESULT_COLUMNS, clean_table, parse_range

    rows = clean_table(RESULT_COLUMNS, [{"arm": "A", "n": "１２０", "mean": "٣.5"}])
    assert rows[0]["n"] == 120 and rows[0]["mean"] == 3.5
    for cell, why in (("1e309", "too large"), ("1e-400", "too small"), ("1_5", "not a number")):
        with pytest.raises(DefinitionError, match=f"Row 1 \\(A\\): mean .*{why}"):
            clean_table(RESULT_COLUMNS, [{"arm": "A", "n": "10", "mean": cell}])
    with pytest.raises(DefinitionError, match="Line 3: the range's end .*too large"):
        parse_range(3, "0..1e309", "number")
