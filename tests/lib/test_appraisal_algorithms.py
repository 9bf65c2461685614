"""The published judgement algorithms, row by row.

Each table below is one path of the tool's published algorithm (RoB 2, 22 August 2019:
the flowchart of each domain for individually randomised parallel-group trials, effect of
assignment; ROBINS-I 2016 Table 3; AMSTAR 2 Box 2), written as the tool writes it ("Y/PY"
= Yes or Probably yes). A row is expanded to every combination of the answers it allows, so
each answer of a group is checked, and every combination of answers must match exactly one
row (the table is complete and has no overlaps)."""

from __future__ import annotations

import itertools

import pytest

from lib.appraisal import algorithms
from lib.appraisal.answers import (
    CONF_CRITICALLY_LOW,
    CONF_HIGH,
    CONF_LOW,
    CONF_MODERATE,
    CRITICAL,
    HIGH,
    LOW,
    MODERATE,
    NI,
    NO,
    PN,
    PY,
    SERIOUS,
    SOME_CONCERNS,
    YES,
)

GROUPS = {
    "Y": (YES,),
    "PY": (PY,),
    "PN": (PN,),
    "N": (NO,),
    "NI": (NI,),
    "-": (YES, PY, PN, NO, NI),
}


def _allowed(spec: str) -> tuple[str, ...]:
    return tuple(a for part in spec.split("/") for a in GROUPS[part])


def _expand(codes: tuple[str, ...], row: tuple[str, ...]):
    for combo in itertools.product(*(_allowed(spec) for spec in row)):
        yield dict(zip(codes, combo, strict=True))


# (questions, rows of (answers per question..., judgement)); "-" = any answer (not asked).
ROB2 = {
    "rob2.d1": (
        ("1.1", "1.2", "1.3"),
        [
            ("Y/PY/NI", "Y/PY", "N/PN/NI", LOW),
            ("Y/PY/NI", "Y/PY", "Y/PY", SOME_CONCERNS),
            ("N/PN", "Y/PY", "-", SOME_CONCERNS),
            ("-", "NI", "N/PN/NI", SOME_CONCERNS),
            ("-", "NI", "Y/PY", HIGH),
            ("-", "N/PN", "-", HIGH),
        ],
    ),
    # Part 1 (2.1-2.5) and part 2 (2.6, 2.7); the domain is the worse of the two, so the
    # rows are the product of the published part tables (checked below as well).
    "rob2.d3": (
        ("3.1", "3.2", "3.3", "3.4"),
        [
            ("Y/PY", "-", "-", "-", LOW),
            ("N/PN/NI", "Y/PY", "-", "-", LOW),
            ("N/PN/NI", "N/PN/NI", "N/PN", "-", LOW),
            ("N/PN/NI", "N/PN/NI", "Y/PY/NI", "N/PN", SOME_CONCERNS),
            ("N/PN/NI", "N/PN/NI", "Y/PY/NI", "Y/PY/NI", HIGH),
        ],
    ),
    "rob2.d4": (
        ("4.1", "4.2", "4.3", "4.4", "4.5"),
        [
            ("Y/PY", "-", "-", "-", "-", HIGH),
            ("N/PN/NI", "Y/PY", "-", "-", "-", HIGH),
            ("N/PN/NI", "N/PN", "N/PN", "-", "-", LOW),
            ("N/PN/NI", "N/PN", "Y/PY/NI", "N/PN", "-", LOW),
            ("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "N/PN", SOME_CONCERNS),
            ("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", HIGH),
            ("N/PN/NI", "NI", "N/PN", "-", "-", SOME_CONCERNS),
            ("N/PN/NI", "NI", "Y/PY/NI", "N/PN", "-", SOME_CONCERNS),
            ("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "N/PN", SOME_CONCERNS),
            ("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", HIGH),
        ],
    ),
    "rob2.d5": (
        ("5.1", "5.2", "5.3"),
        [
            ("Y/PY", "N/PN", "N/PN", LOW),
            ("N/PN/NI", "N/PN", "N/PN", SOME_CONCERNS),
            ("-", "NI", "N/PN/NI", SOME_CONCERNS),
            ("-", "N/PN", "NI", SOME_CONCERNS),
            ("-", "Y/PY", "-", HIGH),
            ("-", "N/PN/NI", "Y/PY", HIGH),
        ],
    ),
}
D2_PART1 = (
    ("2.1", "2.2", "2.3", "2.4", "2.5"),
    [
        ("N/PN", "N/PN", "-", "-", "-", LOW),
        ("Y/PY/NI", "-", "N/PN", "-", "-", LOW),
        ("N/PN", "Y/PY/NI", "N/PN", "-", "-", LOW),
        ("Y/PY/NI", "-", "NI", "-", "-", SOME_CONCERNS),
        ("N/PN", "Y/PY/NI", "NI", "-", "-", SOME_CONCERNS),
        ("Y/PY/NI", "-", "Y/PY", "N/PN", "-", SOME_CONCERNS),
        ("N/PN", "Y/PY/NI", "Y/PY", "N/PN", "-", SOME_CONCERNS),
        ("Y/PY/NI", "-", "Y/PY", "Y/PY/NI", "Y/PY", SOME_CONCERNS),
        ("N/PN", "Y/PY/NI", "Y/PY", "Y/PY/NI", "Y/PY", SOME_CONCERNS),
        ("Y/PY/NI", "-", "Y/PY", "Y/PY/NI", "N/PN/NI", HIGH),
        ("N/PN", "Y/PY/NI", "Y/PY", "Y/PY/NI", "N/PN/NI", HIGH),
    ],
)
D2_PART2 = (
    ("2.6", "2.7"),
    [
        ("Y/PY", "-", LOW),
        ("N/PN/NI", "N/PN", SOME_CONCERNS),
        ("N/PN/NI", "Y/PY/NI", HIGH),
    ],
)
RANK = {LOW: 0, SOME_CONCERNS: 1, HIGH: 2}


def _cases(codes, rows):
    for row in rows:
        for answers in _expand(codes, row[:-1]):
            yield answers, row[-1]


@pytest.mark.parametrize("key", sorted(ROB2))
def test_rob2_domain_algorithms_row_by_row(key):
    codes, rows = ROB2[key]
    seen = {}
    for answers, expected in _cases(codes, rows):
        combo = tuple(answers[c] for c in codes)
        assert seen.setdefault(combo, expected) == expected, f"rows overlap at {combo}"
        assert algorithms.suggest(key, answers) == expected, (key, answers)
    # Complete: every combination of the five answers is covered by some row.
    assert len(seen) == 5 ** len(codes)


def test_rob2_domain_2_is_the_worse_of_its_two_parts():
    part1, part2 = list(_cases(*D2_PART1)), list(_cases(*D2_PART2))
    assert len({tuple(a.values()) for a, _ in part1}) == 5**5
    for first, one in part1[::7]:
        for second, two in part2:
            expected = max(one, two, key=RANK.__getitem__)
            assert algorithms.suggest("rob2.d2", first | second) == expected


def test_rob2_published_worked_example():
    """Concealed, random, no imbalance: low. Sealed envelopes not described (1.2 NI) and a
    baseline imbalance beyond chance: high."""
    assert algorithms.rob2_d1({"1.1": YES, "1.2": PY, "1.3": NO}) == LOW
    assert algorithms.rob2_d1({"1.1": YES, "1.2": NI, "1.3": YES}) == HIGH


def test_a_missing_answer_gives_no_suggestion():
    assert algorithms.suggest("rob2.d1", {"1.1": YES, "1.2": YES}) == ""
    assert algorithms.suggest("rob2.d1", {"1.2": NO}) == HIGH  # nothing else is needed
    assert algorithms.suggest("rob2.d3", {"3.1": "na"}) == ""
    assert algorithms.suggest("no.such", {"1.1": YES}) == ""


@pytest.mark.parametrize("judgements, expected", [
    ([LOW] * 5, LOW),
    ([LOW, SOME_CONCERNS, LOW, LOW, LOW], SOME_CONCERNS),
    ([SOME_CONCERNS] * 5, SOME_CONCERNS),
    ([LOW, SOME_CONCERNS, HIGH, LOW, LOW], HIGH),
    ([LOW, LOW, LOW, LOW, ""], ""),
])  # fmt: skip
def test_rob2_overall(judgements, expected):
    assert algorithms.suggest("rob2.overall", {}, judgements) == expected


@pytest.mark.parametrize("judgements, expected", [
    ([LOW] * 7, LOW),
    ([LOW, MODERATE, LOW, LOW, LOW, LOW, LOW], MODERATE),
    ([LOW, MODERATE, SERIOUS, LOW, LOW, LOW, LOW], SERIOUS),
    ([CRITICAL, MODERATE, SERIOUS, LOW, LOW, LOW, LOW], CRITICAL),
    ([LOW, MODERATE, NI, LOW, LOW, LOW, LOW], NI),
    ([LOW, SERIOUS, NI, LOW, LOW, LOW, LOW], SERIOUS),
    ([LOW, SOME_CONCERNS, LOW, LOW, LOW, LOW, LOW], ""),
])  # fmt: skip
def test_robins_i_overall(judgements, expected):
    assert algorithms.suggest("robins_i.overall", {}, judgements) == expected


def _amstar(no: tuple[str, ...]) -> dict[str, str]:
    items = [str(n) for n in range(1, 17) if n not in (9, 11)] + ["9a", "9b", "11a", "11b"]
    return {code: (NO if code in no else YES) for code in items}


@pytest.mark.parametrize("no, expected", [
    ((), CONF_HIGH),
    (("1",), CONF_HIGH),
    (("1", "3"), CONF_MODERATE),
    (("2",), CONF_LOW),
    (("2", "1", "3", "5"), CONF_LOW),
    (("2", "13"), CONF_CRITICALLY_LOW),
])  # fmt: skip
def test_amstar2_overall_confidence(no, expected):
    assert algorithms.suggest("amstar2.overall", _amstar(no)) == expected
    assert algorithms.suggest("amstar2.overall", _amstar(no) | {"16": ""}) == ""
