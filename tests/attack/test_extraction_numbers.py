"""Attack: hostile numbers typed into an extraction form's number fields
(lib.appraisal.definitions.clean_value, the one check every save goes through). Each must
be stored as a finite number or refused with a DefinitionError naming it, never crash."""

from __future__ import annotations

import math

import pytest

from lib.appraisal.definitions import DefinitionError, clean_value
from lib.spreadsheet import number_or_text


@pytest.mark.xfail(
    strict=True,
    reason="attack: a 5000-digit number raises ValueError (int digit limit), not a message",
)
@pytest.mark.parametrize("kind", ["number", "integer"])
def test_a_number_of_thousands_of_digits_is_refused_with_a_message(kind):
    with pytest.raises(DefinitionError):
        clean_value(kind, (), "9" * 5000)


@pytest.mark.xfail(
    strict=True, reason="attack: 1e309 (infinite as a float) is stored as a number field's value"
)
@pytest.mark.parametrize("text", ["1e309", "1e999999999"])
def test_a_number_past_the_float_range_is_refused(text):
    try:
        value = clean_value("number", (), text)
    except DefinitionError:
        return
    # Stored: it must at least be a finite number wherever it is read as one.
    assert math.isfinite(float(value)) and math.isfinite(float(number_or_text(value)))


@pytest.mark.parametrize("text", ["NaN", "inf", "Infinity", "1 200", "1.2.3", "--1", "0x10"])
def test_words_and_malformed_numbers_are_refused(text):
    with pytest.raises(DefinitionError):
        clean_value("number", (), text)


@pytest.mark.xfail(
    strict=True,
    reason="attack: full-width / Arabic-Indic digits are stored as typed ('１２'), not as 12",
)
@pytest.mark.parametrize("text", ["１２", "٣", "1２.5"])
def test_digits_of_other_scripts_are_stored_as_ascii_or_refused(text):
    """A CSV export writes the stored text: '１２' is text to a spreadsheet, not 12."""
    try:
        value = clean_value("number", (), text)
    except DefinitionError:
        return
    assert value.isascii(), value
