"""Checklist answers: their codes, labels, table abbreviations, colours and robvis judgements;
per-question summaries (counts and percentages, never a score) and pre-specified overall rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

YES, NO, CANT_TELL, UNCLEAR, NA = "yes", "no", "cant_tell", "unclear", "na"


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
}
# A question nobody has answered yet (robvis "No information").
MISSING = Option("", "No information", "", "#4EA1F7", "No information", "?")
DEFAULT_OPTIONS = (YES, NO, CANT_TELL, NA)
CAPTION = "Checklist answers, not risk-of-bias judgements."

_ALIASES = {
    "y": YES, "yes": YES, "n": NO, "no": NO, "ct": CANT_TELL, "can't tell": CANT_TELL,
    "cant tell": CANT_TELL, "cant_tell": CANT_TELL, "can’t tell": CANT_TELL, "u": UNCLEAR,
    "unclear": UNCLEAR, "na": NA, "n/a": NA, "not applicable": NA,
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

_LINE = re.compile(r"^\s*(?P<label>[^:]+?)\s+(?:if\s+(?P<cond>.+)|otherwise)\s*$", re.I)
_COND = re.compile(r"^\s*(?P<code>[\w.]+)\s*=\s*(?P<answer>.+?)\s*$")


class RuleError(ValueError):
    pass


def parse_rule(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """'Exclude if Q1 = No or Q2 = No' / 'Include otherwise', one line each: a list of
    (label, conditions); no conditions = otherwise. Raises RuleError with the line."""
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise RuleError(f"Line {number}: write '<judgement> if Q1 = No or Q2 = No'.")
        conditions = []
        for part in re.split(r"\s+or\s+", match["cond"] or "", flags=re.I) if match["cond"] else []:
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
