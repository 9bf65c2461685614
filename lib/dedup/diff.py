"""Word-level differences between two field values, for the side-by-side review screen."""

from __future__ import annotations

from difflib import SequenceMatcher

from .normalise import fold


def word_diff(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Both values split into (text, differs) runs. Words are compared in their folded form,
    so case, accents and punctuation alone do not count as a difference."""
    wa, wb = a.split(), b.split()
    fa, fb = [fold(w) for w in wa], [fold(w) for w in wb]
    matcher = SequenceMatcher(a=fa, b=fb, autojunk=False)
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        same = op == "equal"
        if i2 > i1:
            _append(left, " ".join(wa[i1:i2]), not same)
        if j2 > j1:
            _append(right, " ".join(wb[j1:j2]), not same)
    return left, right


def _append(runs: list[tuple[str, bool]], text: str, differs: bool) -> None:
    """Runs are shown separated by one space; neighbours of one kind are joined."""
    if runs and runs[-1][1] == differs:
        runs[-1] = (f"{runs[-1][0]} {text}", differs)
    else:
        runs.append((text, differs))
