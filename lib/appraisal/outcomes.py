"""Outcome tables per arm as the two-group rows a meta-analysis reads: R's metafor
(`escalc(measure="RR", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=d)` or
`escalc(measure="SMD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, data=d)`)
with the columns in RevMan's data-table order (experimental events, total, control events,
total; experimental mean, SD, total, control mean, SD, total).

Arms are paired within one outcome and time point: the first arm entered is group 1 (the
experimental arm) and each later arm is group 2 (a comparator), one row per comparison.
Cells are numbers (or empty), never text."""

from __future__ import annotations

from collections.abc import Iterable

DICHOTOMOUS = ("ai", "n1i", "ci", "n2i")
# RevMan's names for the same columns, in its data tables' order (experimental group, then
# control): what RevMan's CSV data import and its data table read (README: "RevMan").
REVMAN_KEYS = ("Study ID", "Outcome", "Time point", "Experimental group", "Control group")
REVMAN_DICHOTOMOUS = ("Experimental events", "Experimental total", "Control events",
                      "Control total")  # fmt: skip
REVMAN_CONTINUOUS = ("Experimental mean", "Experimental SD", "Experimental total",
                     "Control mean", "Control SD", "Control total")  # fmt: skip
CONTINUOUS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
KEYS = ("study", "outcome", "timepoint", "group1", "group2")


def _get(row: dict, name: str):
    for column, value in row.items():
        if column.lower() == name:
            return value
    return None


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def comparisons(study: str, rows: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """(dichotomous rows, continuous rows) of one study's outcome table. A pair goes to the
    dichotomous table when both arms have events and N, to the continuous one when both
    have mean, SD and N (a pair with both goes to both)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        key = (str(_get(row, "outcome") or ""), str(_get(row, "timepoint") or ""))
        groups.setdefault(key, []).append(row)
    dichotomous, continuous = [], []
    for (outcome, timepoint), arms in groups.items():
        first = arms[0]
        for other in arms[1:]:
            base = dict(zip(KEYS, (study, outcome, timepoint, str(_get(first, "arm") or ""),
                                   str(_get(other, "arm") or "")), strict=True))  # fmt: skip
            n1, n2 = _number(_get(first, "n")), _number(_get(other, "n"))
            e1, e2 = _number(_get(first, "events")), _number(_get(other, "events"))
            if None not in (n1, n2, e1, e2):
                dichotomous.append({**base, "ai": e1, "n1i": n1, "ci": e2, "n2i": n2})
            m1, m2 = _number(_get(first, "mean")), _number(_get(other, "mean"))
            s1, s2 = _number(_get(first, "sd")), _number(_get(other, "sd"))
            if None not in (n1, n2, m1, m2, s1, s2):
                continuous.append({**base, "m1i": m1, "sd1i": s1, "n1i": n1, "m2i": m2,
                                   "sd2i": s2, "n2i": n2})  # fmt: skip
    return dichotomous, continuous
