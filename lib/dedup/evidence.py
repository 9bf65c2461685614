"""Weighing two records' fields: how strongly does everything they print say "one paper"?

Each field is reduced to a level of agreement (the same, close, missing on one side,
conflicting) and each level carries a weight, the change in log-odds of "one paper" it
brings. The weights are not set by hand: `benchmarks/dedup_fit.py` fits them (a logistic
regression over the candidate pairs of the labelled sets in ../shared/data/dedup) and writes
`weights.json`; its leave-one-set-out figures are in benchmarks/README.md. A field that
disagrees counts against a merge as much as the data say it should, so a generic title
('Editor's Comments') that agrees cannot outweigh an issue, volume or pages that differ.

`score.compare` uses the sum: a rule's certain match needs the evidence to lean towards one
paper, and evidence far past the certain threshold merges a pair no rule names.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .normalise import Key, journals_compatible

WEIGHTS_FILE = Path(__file__).with_name("weights.json")


def _load() -> dict:
    return json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))


MODEL: dict = _load()


def set_model(model: dict) -> None:
    """Swap the weights in place (the fitting script's leave-one-set-out runs)."""
    MODEL.clear()
    MODEL.update(model)


def _ratio(a: str, b: str) -> float:
    from .score import _ratio as ratio

    return ratio(a, b)


def features(
    a: Key, b: Key, t: float, au: float | None, first_same: bool, numbers_conflict: bool
) -> list[str]:
    """The agreement level of each field, as the names of the indicators that are on."""
    on = []
    # Title: how close, and how much a match says (a two-word title recurs by chance). The
    # whole titles' likeness: a subtitle one of them lacks is a level of its own, whatever
    # `title_similarity` forgives for the rules.
    if t < 1.0 and a.title and b.title:
        t = min(t, _ratio(a.title, b.title))
    if t == 1.0:
        on.append("title_exact")
    elif t >= 0.95:
        on.append("title_95")
    elif t >= 0.9:
        on.append("title_90")
    elif t >= 0.8:
        on.append("title_80")
    if t < 0.95 and title_part(a.title, b.title):  # t: the whole titles' likeness
        on.append("title_part")
    if t >= 0.9 and min(len(a.title_words), len(b.title_words)) <= 4:
        on.append("title_short")
    if numbers_conflict:
        on.append("title_numbers_differ")
    # Authors: how many of the shorter list, the first, and how long the lists are.
    if au is None:
        on.append("authors_missing")
    else:
        n = min(len(a.surnames), len(b.surnames))
        if au >= 0.95 and n == 1:
            # One name agreeing says less than a list: an editor signs every issue.
            on.append("authors_one")
        elif au >= 0.95:
            on.append("authors_all")
        elif au >= 0.75:
            on.append("authors_most")
        elif au >= 0.5:
            on.append("authors_half")
        if first_same:
            on.append("first_author")
        if au >= 0.75 and n >= 3:
            on.append("authors_many")
    # Year: a gap above one never reaches this point.
    if a.year is None or b.year is None:
        on.append("year_missing")
    elif a.year == b.year:
        on.append("year_same")
    else:
        on.append("year_close")
    journal = journals_compatible(a.journal, b.journal)
    if journal is True:
        on.append("journal_same")
    elif journal is False:
        on.append("journal_differs")
    for name, x, y in (("volume", a.volume, b.volume), ("issue", a.issue, b.issue)):
        if x and y:
            on.append(f"{name}_same" if x == y else f"{name}_differs")
    # Pages: the first page; a range the same at both ends; pages that differ where either
    # is printed with a letter (supplement 'S417', electronic 'e1234'), a looser numbering.
    if a.start_page and b.start_page:
        if a.start_page == b.start_page:
            on.append("pages_same")
            if a.end_page and a.end_page == b.end_page and a.end_page != a.start_page:
                on.append("pages_range_same")
        elif a.pages_marked or b.pages_marked:
            on.append("pages_differ_marked")
        else:
            on.append("pages_differ")
    if a.abstract and b.abstract:
        sim = _ratio(a.abstract, b.abstract)
        if sim >= 0.9:
            on.append("abstract_same")
        elif sim < 0.6:
            on.append("abstract_differs")
    if a.kind and b.kind and a.kind != b.kind:
        on.append("kind_differs")
    return on


def title_part(x: str, y: str) -> bool:
    """One title is the other with a subtitle left out ('Infrastructure in the wild' /
    '... in the wild: what mapping in Nepal reveals') or a section heading put before it
    ('Medical progress: ...')."""
    short, long_ = sorted((x, y), key=len)
    if len(short) < 15 or " " not in short:
        return False
    return long_.startswith(short + " ") or long_.endswith(" " + short)


def log_odds(on: list[str]) -> float:
    weights = MODEL["weights"]
    return MODEL["intercept"] + sum(weights.get(name, 0.0) for name in on)


def probability(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# Where a record is printed, in plain numbers. Pages printed with letters are looser
# (an abstract's 'S417' in one database, its running number 'Suppl-29' in another).
_APART = frozenset({"volume_differs", "issue_differs", "pages_differ"})


_PLACED = frozenset({"pages_same", "volume_same", "abstract_same"})
_TITLE_NEAR = frozenset({"title_exact", "title_95"})


def may_merge(on: list[str]) -> bool:
    """Whether the evidence alone may merge a pair: the same kind of publication printed in
    the same place, and titles near-identical or else the citation or abstract agreeing (a
    title with a subtitle added, '...: interim findings', may be another report)."""
    if published_apart(on):
        return False
    return not _TITLE_NEAR.isdisjoint(on) or not _PLACED.isdisjoint(on)


def published_apart(on: list[str]) -> bool:
    """Another kind of publication (a conference abstract and the article after it), or
    printed somewhere else: weights learned from a few such pairs are not trusted alone."""
    return "kind_differs" in on or printed_apart(on)


def printed_apart(on: list[str]) -> bool:
    """Printed in another volume, issue or on other pages. The most precise locator both
    records print decides: on the same first page, an issue that differs is a slip (or a
    record number in the issue field); without pages, the issue is all there is to tell one
    issue's editorial from the next one's."""
    if "pages_same" in on:
        return "volume_differs" in on
    return not _APART.isdisjoint(on)
