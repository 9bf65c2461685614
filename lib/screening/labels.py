"""Study labels as reviews print them: two studies both "Lambert 2003" become "Lambert 2003a"
and "Lambert 2003b" (the Cochrane convention), so every table, the robvis input and every
figure can tell them apart. Derived from the labels, never stored: adding or removing a
study relabels its namesakes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import count


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _letters(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa, ..."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def disambiguate(studies: Iterable[tuple[int, str]]) -> dict[int, str]:
    """{study id: printed label} for (id, label) pairs. Labels shared (ignoring case and
    spacing) by several studies get a, b, c ... in id order: appended to a year
    ("Lambert 2003a"), else after a space ("WHO (a)"). A made-up label never equals another
    study's own label: a letter already taken is skipped."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, label in studies:
        groups[_key(label)].append((pk, label))
    taken = {key for key, members in groups.items() if len(members) == 1}
    out: dict[int, str] = {}
    for members in groups.values():
        if len(members) == 1:
            pk, label = members[0]
            out[pk] = label
            continue
        letters = count()
        for pk, label in sorted(members):
            while True:
                letter = _letters(next(letters))
                text = label.rstrip()
                shown = f"{text}{letter}" if text[-1:].isdigit() else f"{text} ({letter})"
                if _key(shown) not in taken:
                    break
            taken.add(_key(shown))
            out[pk] = shown
    return out
