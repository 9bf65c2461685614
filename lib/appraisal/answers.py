"""Checklist answers: their codes, labels, table abbreviations, colours and robvis judgements;
the answer scales the library's tools use (each question has its own: Yes/No/Can't tell,
RoB 2's Y/PY/PN/N/NI, stars, risk-of-bias judgements...); per-question summaries (counts and
percentages, never a score) and pre-specified overall rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

YES, NO, CANT_TELL, UNCLEAR, NA = "yes", "no", "cant_tell", "unclear", "na"
# Signalling answers (RoB 2, ROBINS-I) and AMSTAR 2's extra answers.
PY, PN, NI = "py", "pn", "ni"
PARTIAL_YES, NO_MA = "partial_yes", "no_ma"
# Newcastle-Ottawa: an item earns a star or not (comparability: up to two).
STAR, TWO_STARS, NO_STAR = "star", "two_stars", "no_star"
# Judgements (robvis's words): RoB 2 Low / Some concerns / High; ROBINS-I Low / Moderate /
# Serious / Critical / No information; AMSTAR 2's overall confidence; MMAT's none.
LOW, SOME_CONCERNS, HIGH = "low", "some_concerns", "high"
MODERATE, SERIOUS, CRITICAL = "moderate", "serious", "critical"
CONF_HIGH, CONF_MODERATE, CONF_LOW, CONF_CRITICALLY_LOW = (
    "conf_high", "conf_moderate", "conf_low", "conf_critically_low",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: str
    abbrev: str  # in tables: Y / N / CT / U / NA
    colour: str  # robvis "cochrane" palette (reporting.md 8.3)
    judgement: str  # the robvis Generic judgement the answer is drawn as
    symbol: str  # robvis cell symbol


OPTIONS: dict[str, Option] = {
    YES: Option(YES, "Yes", "Y", "#02C100", "Low", "+"),
    CANT_TELL: Option(CANT_TELL, "Can't tell", "CT", "#E2DF07", "Unclear", "\u2212"),
    UNCLEAR: Option(UNCLEAR, "Unclear", "U", "#E2DF07", "Unclear", "\u2212"),
    NO: Option(NO, "No", "N", "#BF0000", "High", "\u00d7"),
    NA: Option(NA, "Not applicable", "NA", "#cccccc", "Not applicable", ""),
    PY: Option(PY, "Probably yes", "PY", "#8FD98E", "Low", "+"),
    PN: Option(PN, "Probably no", "PN", "#E88B8B", "High", "\u00d7"),
    NI: Option(NI, "No information", "NI", "#4EA1F7", "No information", "?"),
    PARTIAL_YES: Option(PARTIAL_YES, "Partial yes", "PY", "#E2DF07", "Unclear", "\u2212"),
    NO_MA: Option(NO_MA, "No meta-analysis conducted", "NMA", "#cccccc", "Not applicable", ""),
    STAR: Option(STAR, "One star", "\u2605", "#02C100", "Low", "+"),
    TWO_STARS: Option(TWO_STARS, "Two stars", "\u2605\u2605", "#02C100", "Low", "+"),
    NO_STAR: Option(NO_STAR, "No star", "\u2013", "#BF0000", "High", "\u00d7"),
    LOW: Option(LOW, "Low", "L", "#02C100", "Low", "+"),
    SOME_CONCERNS: Option(
        SOME_CONCERNS, "Some concerns", "SC", "#E2DF07", "Some concerns", "\u2212"
    ),  # fmt: skip
    HIGH: Option(HIGH, "High", "H", "#BF0000", "High", "\u00d7"),
    MODERATE: Option(MODERATE, "Moderate", "M", "#E2DF07", "Moderate", "\u2212"),
    SERIOUS: Option(SERIOUS, "Serious", "S", "#BF0000", "Serious", "\u00d7"),
    CRITICAL: Option(CRITICAL, "Critical", "C", "#820000", "Critical", "!"),
    CONF_HIGH: Option(CONF_HIGH, "High confidence", "H", "#02C100", "Low", "+"),
    CONF_MODERATE: Option(
        CONF_MODERATE, "Moderate confidence", "M", "#E2DF07", "Moderate", "\u2212"
    ),  # fmt: skip
    CONF_LOW: Option(CONF_LOW, "Low confidence", "L", "#BF0000", "High", "\u00d7"),
    CONF_CRITICALLY_LOW: Option(
        CONF_CRITICALLY_LOW, "Critically low confidence", "CL", "#820000", "Critical", "!"
    ),  # fmt: skip
}
# The longest answer code (Answer.answer and Judgement.judgement hold any of them).
CODE_LENGTH = 20

# Named answer scales: a question's options are one of these (or any list of codes).
SCALES: dict[str, tuple[str, ...]] = {
    "yes_no": (YES, NO, CANT_TELL, NA),
    "yes_no_unclear": (YES, NO, UNCLEAR, NA),
    "yes_no_ct": (YES, NO, CANT_TELL),
    "signalling": (YES, PY, PN, NO, NI),
    "signalling_na": (YES, PY, PN, NO, NI, NA),
    "amstar": (YES, PARTIAL_YES, NO),
    "amstar_yn": (YES, NO),
    "amstar_rob": (YES, PARTIAL_YES, NO, NA),
    "amstar_ma": (YES, NO, NO_MA),
    "stars": (STAR, NO_STAR),
    "stars2": (TWO_STARS, STAR, NO_STAR),
    "rob2": (LOW, SOME_CONCERNS, HIGH),
    "robins_i": (LOW, MODERATE, SERIOUS, CRITICAL, NI),
    "amstar_confidence": (CONF_HIGH, CONF_MODERATE, CONF_LOW, CONF_CRITICALLY_LOW),
}
# A question nobody has answered yet (robvis "No information").
MISSING = Option("", "No information", "", "#4EA1F7", "No information", "?")
DEFAULT_OPTIONS = (YES, NO, CANT_TELL, NA)
CAPTION = "Checklist answers, not risk-of-bias judgements."

_ALIASES = {
    "y": YES, "yes": YES, "n": NO, "no": NO, "ct": CANT_TELL, "can't tell": CANT_TELL,
    "cant tell": CANT_TELL, "cant_tell": CANT_TELL, "can’t tell": CANT_TELL, "u": UNCLEAR,
    "unclear": UNCLEAR, "na": NA, "n/a": NA, "not applicable": NA,
    "py": PY, "probably yes": PY, "pn": PN, "probably no": PN, "ni": NI,
    "no information": NI, "partial yes": PARTIAL_YES, "no meta-analysis": NO_MA,
    "no meta-analysis conducted": NO_MA, "star": STAR, "one star": STAR, "*": STAR,
    "two stars": TWO_STARS, "**": TWO_STARS, "no star": NO_STAR, "low": LOW,
    "some concerns": SOME_CONCERNS, "high": HIGH, "moderate": MODERATE, "serious": SERIOUS,
    "critical": CRITICAL, "high confidence": CONF_HIGH, "moderate confidence": CONF_MODERATE,
    "low confidence": CONF_LOW, "critically low confidence": CONF_CRITICALLY_LOW,
    "critically low": CONF_CRITICALLY_LOW,
}  # fmt: skip


def option_code(text: str) -> str | None:
    """'Yes', 'Y', "Can't tell", 'NA'... -> the answer code, or None if unknown."""
    return _ALIASES.get(" ".join(text.strip().lower().split()))


def option(code: str) -> Option:
    return OPTIONS.get(code, MISSING)


@dataclass(frozen=True, slots=True)
class QuestionSummary:
    code: str
    text: str
    counts: dict[str, int]  # answer code -> studies
    answered: int

    def percent(self, code: str) -> float:
        return 100.0 * self.counts.get(code, 0) / self.answered if self.answered else 0.0

    @property
    def cells(self) -> list[tuple[Option, int, float]]:
        return [(OPTIONS[c], n, self.percent(c)) for c, n in self.counts.items()]


def summarise(
    questions: Sequence[tuple[str, str, Sequence[str]]], rows: Sequence[Sequence[str]]
) -> list[QuestionSummary]:
    """One summary per question (code, text, its answer options) over `rows`, one row of
    answer codes per study in question order ("" = no answer). Counts, not scores."""
    result = []
    for index, (code, text, options) in enumerate(questions):
        counts = {c: 0 for c in options if c in OPTIONS}
        for row in rows:
            answer = row[index] if index < len(row) else ""
            if answer in OPTIONS:
                counts[answer] = counts.get(answer, 0) + 1
        result.append(QuestionSummary(code, text, counts, sum(counts.values())))
    return result


def same(a: object, b: object) -> bool:
    """Whether two reviewers gave the same answer or value: text compared without case and
    surrounding space, multiple choices as sets, table rows cell by cell."""
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    if isinstance(a, list) and isinstance(b, list):
        if all(isinstance(x, str) for x in a + b):
            return {x.casefold() for x in a} == {x.casefold() for x in b}
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return all(same(a.get(k, ""), b.get(k, "")) for k in keys)
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


# --- pre-specified overall rules -------------------------------------------------------

# Matched against a line whose whitespace is folded to single spaces, so no two parts of
# the pattern compete for the same run of blanks (the attack: 2,000 leading spaces took 64 s).
_LINE = re.compile(r"^(?P<label>[^: ][^:]*?) (?:if (?P<cond>.+)|otherwise)$", re.I)
MAX_RULE = 20_000  # characters: a rule is a few lines
_COND = re.compile(r"^\s*(?P<code>[\w.]+)\s*=\s*(?P<answer>.+?)\s*$")


class RuleError(ValueError):
    pass


def parse_rule(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """'Exclude if Q1 = No or Q2 = No' / 'Include otherwise', one line each: a list of
    (label, conditions); no conditions = otherwise. Raises RuleError with the line."""
    if len(text) > MAX_RULE:
        raise RuleError(f"The rule is too long ({len(text):,} characters; at most {MAX_RULE:,}).")
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = " ".join(raw.split())
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            raise RuleError(f"Line {number}: write '<judgement> if Q1 = No or Q2 = No'.")
        conditions = []
        for part in re.split(r" or ", match["cond"] or "", flags=re.I) if match["cond"] else []:
            cond = _COND.match(part)
            code = option_code(cond["answer"]) if cond else None
            if not cond or code is None:
                raise RuleError(f"Line {number}: cannot read {part.strip()!r}.")
            conditions.append((cond["code"].upper(), code))
        rules.append((match["label"].strip(), conditions))
    return rules


def overall(rule: str, answers: Mapping[str, str]) -> str:
    """The judgement a pre-specified rule gives for answers {question code: answer code};
    "" when there is no rule or no line applies."""
    if not rule.strip():
        return ""
    upper = {k.upper(): v for k, v in answers.items()}
    for label, conditions in parse_rule(rule):
        if not conditions or any(upper.get(code) == want for code, want in conditions):
            return label
    return ""
