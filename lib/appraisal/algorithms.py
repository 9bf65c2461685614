"""The published algorithms that suggest a judgement from a tool's answers: a reviewer sees
the suggestion and may depart from it, with a reason (the tools ask for exactly that).

- RoB 2, individually randomised parallel-group trials, effect of assignment (Sterne et al.
  2019; "Revised Cochrane risk-of-bias tool for randomized trials (RoB 2)", 22 August 2019,
  the algorithm of each domain and the overall criteria).
- ROBINS-I (Sterne et al. BMJ 2016;355:i4919, Table 3): the overall judgement from the
  domain judgements. The 2016 tool publishes no domain algorithm: its domains are judged by
  the reviewer from the signalling questions and the guidance (`MANUAL_DOMAINS`, shown on
  the appraisal page). ROBINS-I V2 adds domain algorithms, but its only release (20 November
  2025, riskofbias.info) is a draft "subject to change", with new answer levels (strong /
  weak yes and no) and a domain 1 in two variants; its algorithms are not shipped here until
  they are final and checked against the published document, not a transcription.
- AMSTAR 2 (Shea et al. BMJ 2017;358:j4008, Box 2): the overall confidence from the
  critical and non-critical items.

Every function takes {question code: answer code} (and, for overall judgements, the domain
judgements in order) and returns a judgement code, or "" while an answer the algorithm needs
is missing: no suggestion is better than a wrong one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .answers import (
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


class _Missing(Exception):
    """An answer the algorithm needs is not given yet."""


def _get(answers: Mapping[str, str], code: str) -> str:
    value = answers.get(code, "")
    if value not in (YES, PY, PN, NO, NI):
        raise _Missing(code)
    return value


def _y(value: str) -> bool:
    return value in (YES, PY)


def _n(value: str) -> bool:
    return value in (NO, PN)


def _suggesting(function: Callable[[Mapping[str, str]], str]):
    def wrapped(answers: Mapping[str, str], judgements: Sequence[str] = ()) -> str:
        try:
            return function(answers)
        except _Missing:
            return ""

    wrapped.__doc__ = function.__doc__
    return wrapped


# --- RoB 2 (individually randomised, parallel group; effect of assignment) ---------------


@_suggesting
def rob2_d1(a: Mapping[str, str]) -> str:
    """Randomization process: 1.2 concealment first, then 1.1 random, 1.3 imbalance."""
    concealed = _get(a, "1.2")
    if _n(concealed):
        return HIGH
    imbalance = _get(a, "1.3")
    if concealed == NI:
        return HIGH if _y(imbalance) else SOME_CONCERNS
    if _n(_get(a, "1.1")):
        return SOME_CONCERNS
    return SOME_CONCERNS if _y(imbalance) else LOW


def _rob2_d2_part1(a: Mapping[str, str]) -> str:
    if _n(_get(a, "2.1")) and _n(_get(a, "2.2")):
        return LOW
    deviations = _get(a, "2.3")
    if _n(deviations):
        return LOW
    if deviations == NI:
        return SOME_CONCERNS
    if _n(_get(a, "2.4")):
        return SOME_CONCERNS
    return SOME_CONCERNS if _y(_get(a, "2.5")) else HIGH


def _rob2_d2_part2(a: Mapping[str, str]) -> str:
    if _y(_get(a, "2.6")):
        return LOW
    return SOME_CONCERNS if _n(_get(a, "2.7")) else HIGH


@_suggesting
def rob2_d2(a: Mapping[str, str]) -> str:
    """Deviations from intended interventions (assignment): the worse of part 1 (2.1-2.5,
    deviations) and part 2 (2.6-2.7, analysis)."""
    return _worst_rob2([_rob2_d2_part1(a), _rob2_d2_part2(a)])


@_suggesting
def rob2_d3(a: Mapping[str, str]) -> str:
    """Missing outcome data: 3.1 data for (nearly) all, 3.2 evidence the result is not
    biased, 3.3 could missingness depend on the true value, 3.4 is it likely to."""
    if _y(_get(a, "3.1")):
        return LOW
    if _y(_get(a, "3.2")):
        return LOW
    if _n(_get(a, "3.3")):
        return LOW
    return SOME_CONCERNS if _n(_get(a, "3.4")) else HIGH


@_suggesting
def rob2_d4(a: Mapping[str, str]) -> str:
    """Measurement of the outcome: 4.1 inappropriate method, 4.2 differs between groups,
    then 4.3-4.5 (assessors aware, could be influenced, likely influenced); when 4.2 has no
    information the best the branch reaches is some concerns."""
    if _y(_get(a, "4.1")):
        return HIGH
    differs = _get(a, "4.2")
    if _y(differs):
        return HIGH
    best = LOW if _n(differs) else SOME_CONCERNS
    if _n(_get(a, "4.3")):
        return best
    if _n(_get(a, "4.4")):
        return best
    return SOME_CONCERNS if _n(_get(a, "4.5")) else HIGH


@_suggesting
def rob2_d5(a: Mapping[str, str]) -> str:
    """Selection of the reported result: 5.2 and 5.3 (selected from multiple measurements
    or analyses), then 5.1 (analysed as pre-specified)."""
    selected = [_get(a, "5.2"), _get(a, "5.3")]
    if any(_y(s) for s in selected):
        return HIGH
    if any(s == NI for s in selected):
        return SOME_CONCERNS
    return LOW if _y(_get(a, "5.1")) else SOME_CONCERNS


def _worst_rob2(judgements: Sequence[str]) -> str:
    if HIGH in judgements:
        return HIGH
    return SOME_CONCERNS if SOME_CONCERNS in judgements else LOW


def rob2_overall(answers: Mapping[str, str], judgements: Sequence[str]) -> str:
    """Low in every domain: low; high in any: high; otherwise some concerns. (The tool lets
    reviewers judge some concerns in several domains as high: a departure, with a reason.)"""
    if not judgements or any(j not in (LOW, SOME_CONCERNS, HIGH) for j in judgements):
        return ""
    return _worst_rob2(judgements)


# --- ROBINS-I (2016) ----------------------------------------------------------------------

_ROBINS_ORDER = (CRITICAL, SERIOUS, NI, MODERATE, LOW)


def robins_i_overall(answers: Mapping[str, str], judgements: Sequence[str]) -> str:
    """Critical in any domain: critical; else serious in any: serious; else no information
    in any (a key domain lacking information, with no sign of serious or critical risk): no
    information; else moderate in any: moderate; low in all: low."""
    if not judgements or any(j not in _ROBINS_ORDER for j in judgements):
        return ""
    return next(level for level in _ROBINS_ORDER if level in judgements)


# --- AMSTAR 2 -------------------------------------------------------------------------------

AMSTAR2_CRITICAL = ("2", "4", "7", "9a", "9b", "11a", "11b", "13", "15")


def amstar2_overall(answers: Mapping[str, str], judgements: Sequence[str] = ()) -> str:
    """Critical flaws are "No" on a critical item, weaknesses "No" on another item. None or
    one weakness: high; more than one weakness: moderate; one critical flaw: low; more than
    one: critically low. "" until every item is answered."""
    if not answers or any(not v for v in answers.values()):
        return ""
    flaws = sum(1 for code, v in answers.items() if v == NO and code in AMSTAR2_CRITICAL)
    weaknesses = sum(1 for code, v in answers.items() if v == NO and code not in AMSTAR2_CRITICAL)
    if flaws > 1:
        return CONF_CRITICALLY_LOW
    if flaws == 1:
        return CONF_LOW
    return CONF_MODERATE if weaknesses > 1 else CONF_HIGH


# Tools whose domains have no published algorithm: what the appraisal page says instead of a
# suggestion, and where the guidance is.
MANUAL_DOMAINS: dict[str, tuple[str, str]] = {
    "robins_i": (
        "No published algorithm: ROBINS-I (2016) leaves each domain's judgement to the "
        "reviewer. Judge it from the signalling questions and the tool's guidance.",
        "https://www.riskofbias.info/welcome/home/current-version-of-robins-i",
    ),
}


ALGORITHMS: dict[str, Callable[[Mapping[str, str], Sequence[str]], str]] = {
    "rob2.d1": rob2_d1,
    "rob2.d2": rob2_d2,
    "rob2.d3": rob2_d3,
    "rob2.d4": rob2_d4,
    "rob2.d5": rob2_d5,
    "rob2.overall": rob2_overall,
    "robins_i.overall": robins_i_overall,
    "amstar2.overall": amstar2_overall,
}


def suggest(key: str, answers: Mapping[str, str], judgements: Sequence[str] = ()) -> str:
    """The judgement algorithm `key` suggests ("" with no algorithm or missing answers)."""
    function = ALGORITHMS.get(key)
    return function(answers, judgements) if function else ""
