"""Word-level differences between two field values, for the side-by-side review screen."""

from __future__ import annotations

from difflib import SequenceMatcher

from .normalise import fold


def word_diff(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Both values split into (text, differs) runs. Words are compared in their folded form,
    so case, accents and punctuation alone do not count as a difference."""
    wa, wb = _words(a), _words(b)
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


def _words(text: str) -> list[str]:
    """Words, a free-standing mark ('-', ':', '&') joined to its neighbour: it folds to
    nothing, so compared alone it would show as a change in a title that has none."""
    out: list[str] = []
    pending = ""
    for word in text.split():
        if not fold(word):
            if out:
                out[-1] = f"{out[-1]} {word}"
            else:
                pending = f"{pending} {word}".strip()
            continue
        out.append(f"{pending} {word}" if pending else word)
        pending = ""
    if pending:
        out.append(pending)
    return out


def _append(runs: list[tuple[str, bool]], text: str, differs: bool) -> None:
    """Runs are shown separated by one space; neighbours of one kind are joined."""
    if runs and runs[-1][1] == differs:
        runs[-1] = (f"{runs[-1][0]} {text}", differs)
    else:
        runs.append((text, differs))
