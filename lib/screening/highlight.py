"""Lead-defined highlight terms: inclusion terms in green, exclusion terms in red.

A term is a word or a phrase, matched case-insensitively and whatever its ending
('partnership' finds 'Partnerships'; 'child' finds 'children'), or with an explicit
wildcard ('partnership*', 'organi?ation'). Text comes back as runs so that templates escape
it: nothing here builds HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _word_pattern(word: str) -> str:
    if "*" in word or "?" in word:
        parts = [re.escape(p) for p in re.split(r"([*?])", word) if p]
        return "".join({"\\*": r"\w*", "\\?": r"\w?"}.get(p, p) for p in parts)
    return re.escape(_stem(word.lower())) + r"\w*"


def _pattern(term: str) -> str | None:
    words = term.strip().split()
    if not words:
        return None
    return r"\b" + r"[\s\-]+".join(_word_pattern(w) for w in words) + r"(?!\w)"


def parse_terms(text: str) -> list[str]:
    """One term a line (commas and semicolons separate too); blank lines ignored."""
    return [t.strip() for t in re.split(r"[\n,;]+", text or "") if t.strip()]


@dataclass
class Highlighter:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        patterns = []
        for kind, terms in (("include", self.include), ("exclude", self.exclude)):
            patterns += [(p, kind) for p in map(_pattern, terms) if p]
        # Longer terms first, whatever their kind, so that a phrase wins over a word in it.
        patterns.sort(key=lambda item: len(item[0]), reverse=True)
        self._kinds = {f"t{i}": kind for i, (_, kind) in enumerate(patterns)}
        alternatives = [f"(?P<t{i}>{p})" for i, (p, _) in enumerate(patterns)]
        self._regex = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    def runs(self, text: str) -> list[tuple[str, str]]:
        """(text, kind) runs; kind is "", "include" or "exclude"."""
        if not text or self._regex is None:
            return [(text, "")] if text else []
        out, last = [], 0
        for m in self._regex.finditer(text):
            if m.start() == m.end():
                continue
            if m.start() > last:
                out.append((text[last : m.start()], ""))
            out.append((m.group(0), self._kinds.get(m.lastgroup or "", "")))
            last = m.end()
        if last < len(text):
            out.append((text[last:], ""))
        return out
