"""Extraction fields' properties (#20): a unit and an allowed range on number fields,
whole numbers apart from numbers, required fields, repeating sections; numbers typed with a
thousands separator are refused as ambiguous ("1,200" is 1200 or 1.2)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lib.appraisal.definitions import (
    DefinitionError,
    clean_field_value,
    clean_value,
    definition_from_rows,
    field_rows,
    missing_required,
    parse_fields,
    render_fields,
)

FORM = """## Participants
age | Mean age | number | | | years | 18..120 | required
n_total | Randomised | integer | | | participants | 1.. |
## Arms | arm
arm | Arm | short_text | | | | | required
n | Randomised in the arm | integer | | | participants | 0..5000 | required
## Outcomes | outcome
outcome | Outcome | short_text
timepoint | Time point | short_text
mean | Mean | number | | | mmHg
"""


def test_the_definition_keeps_unit_range_required_and_repeat_and_renders_back():
    fields = parse_fields(FORM)
    age, n_total, arm, n, outcome = fields[0], fields[1], fields[2], fields[3], fields[4]
    assert (age.unit, age.min_value, age.max_value, age.required, age.repeat) == (
        "years",
        18,
        120,
        True,
        "",
    )
    assert (n_total.min_value, n_total.max_value, n_total.required) == (1, None, False)
    assert arm.repeat == n.repeat == "arm" and arm.section == "Arms" and outcome.repeat == "outcome"
    assert parse_fields(render_fields(fields)) == fields
    assert parse_fields(definition_from_rows(field_rows(fields))) == fields


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("x | X | short_text | | | cm", "only number and whole-number fields have a unit"),
        ("x | X | number | | | | 10..1", "the range 10..1 ends below its start"),
        ("x | X | number | | | | 1,000..", "the range's end '1,000' is not a number"),
        ("x | X | integer | | | | 0.5..2", "a whole-number field's range is whole numbers"),
        ("x | X | number | | | | 5", "write the allowed range as min..max"),
        ("x | X | number | | | | | maybe", "the last cell is 'required' or empty"),
        ("## Arms | arms\nx | X | number", "a repeating section is written"),
        ("## Arms | arm\nx | X | table", "a table cannot repeat"),
    ],
)
def test_a_wrong_property_is_refused_naming_the_line(line, message):
    with pytest.raises(DefinitionError, match=message):
        parse_fields(line)


def test_the_builder_refuses_a_section_that_repeats_in_one_row_only():
    rows = [("Arms", "arm", "Arm", "short_text", "", "", "", "", "", "", "arm"),
            ("Arms", "n", "N", "integer", "", "", "", "", "", "", "")]  # fmt: skip
    with pytest.raises(DefinitionError, match="Field row 2: the section Arms repeats"):
        definition_from_rows(rows)
    with pytest.raises(DefinitionError, match="Field row 1: a repeating group needs a section"):
        definition_from_rows([("", "arm", "Arm", "short_text", "", "", "", "", "", "", "arm")])


@pytest.mark.parametrize(
    ("kind", "typed", "message"),
    [
        ("number", "1,200", "'1,200' is ambiguous: write 1200 without a thousands separator, "
                            "or 1.200 with a decimal point"),
        ("integer", "12,000,000", "'12,000,000' is ambiguous: write 12000000"),
        ("number", "1,5", "'1,5' is not a number: write 1.5 with a decimal point"),
        ("number", "about 3", "'about 3' is not a number"),
        ("integer", "1.5", "'1.5' is not a whole number"),
        ("integer", "1e3", "'1e3' is not a whole number"),
    ],
)  # fmt: skip
def test_numbers_with_separators_or_words_are_refused(kind, typed, message):
    with pytest.raises(DefinitionError, match=message):
        clean_value(kind, (), typed)


def test_a_number_outside_its_range_is_refused_naming_the_range_and_unit():
    age = parse_fields(FORM)[0]
    assert clean_field_value(age, "18") == "18" and clean_field_value(age, "120.0") == "120.0"
    assert clean_field_value(age, "\u221219".replace("\u2212", "")) == "19"
    for typed in ("17.9", "121"):
        with pytest.raises(DefinitionError, match=f"{typed} is outside the allowed range "
                                                  "18 to 120 years"):  # fmt: skip
            clean_field_value(age, typed)
    n_total = parse_fields(FORM)[1]
    with pytest.raises(DefinitionError, match="0 is outside the allowed range at least 1"):
        clean_field_value(n_total, "0")
    assert clean_field_value(n_total, "") == ""  # blank is not out of range


def test_a_repeating_field_keeps_one_value_per_instance_and_names_the_wrong_one():
    n = parse_fields(FORM)[3]
    assert clean_field_value(n, ["120", "", "98"]) == ["120", "", "98"]
    with pytest.raises(DefinitionError, match="Arm 2: 6000 is outside the allowed range 0 to 5000"):
        clean_field_value(n, ["120", "6000"])
    mean = parse_fields(FORM)[-1]
    with pytest.raises(DefinitionError, match="Outcome 1: '1,5' is not a number"):
        clean_field_value(mean, ["1,5"])


def test_missing_required_lists_fields_and_instances():
    fields = [SimpleNamespace(pk=i, **{k: getattr(f, k) for k in ("label", "required", "repeat")})
              for i, f in enumerate(parse_fields(FORM), 1)]  # fmt: skip
    values = {1: "40", 3: ["Exercise", ""], 4: ["60", ""]}
    assert missing_required(fields, values) == ["Arm (Arm 2)", "Randomised in the arm (Arm 2)"]
    assert missing_required(fields, {}) == [
        "Mean age",
        "Arm (Arm 1)",
        "Randomised in the arm (Arm 1)",
    ]
