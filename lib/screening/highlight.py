"""Lead-defined highlight terms: inclusion terms in green, exclusion terms in red.

A term is a word or a phrase, matched case-insensitively and whatever its ending
('partnership' finds 'Partnerships'; 'child' finds 'children'), or with an explicit
wildcard ('partnership*', 'organi?ation'). Text comes back as runs so that templates escape
it: nothing here builds HTML.

Matching takes time linear in the text whatever the lead types (issue #16: the term
`a*a*a*a*a*a*a*a*b` against a long word held a page for seconds under a backtracking
regex). A wildcard only ever spans word characters, so each term is found in two steps:
a regex with no choice points (literal prefixes, possessive runs of word characters,
possessive separators) finds where a term could match, and each run of word characters is
then checked against its wildcard pattern by a linear scan (`str.find` for `*`, a
bit-parallel automaton for `?`, a fixed number of integer operations a character). Terms
are cut to `MAX_TERM_CHARS` and their number to `MAX_TERMS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")
MAX_TERM_CHARS = 100
MAX_TERMS = 200
MAX_CHECKS = 50_000  # candidate places checked per text, over all terms
_WILDCARD_RUN = re.compile(r"[*?]*\*[*?]*")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _glob(word: str) -> str:
    """A term word as a lower-case glob: explicit wildcards kept, else its stem and `*`."""
    word = word.lower()
    if "*" in word or "?" in word:
        # A run of wildcards holding a `*` is that `*`: fewer states, same words.
        return _WILDCARD_RUN.sub("*", word)
    return _stem(word) + "*"


def _star_match(glob: str, text: str) -> bool:
    """`*`-only glob against text, leftmost-greedy by segments: linear in the text."""
    segments = glob.split("*")
    if not text.startswith(segments[0]):
        return False
    if len(segments) == 1:
        return text == segments[0]
    pos = len(segments[0])
    for segment in segments[1:-1]:
        found = text.find(segment, pos)
        if found < 0:
            return False
        pos = found + len(segment)
    last = segments[-1]
    return len(text) - pos >= len(last) and text.endswith(last)


def _automaton_match(glob: str, text: str) -> bool:
    """Glob with `?` (an optional word character) and `*`: the states as one integer's bits,
    one step per character of the text."""
    star = opt = 0
    literal: dict[str, int] = {}
    for i, ch in enumerate(glob):
        if ch == "*":
            star |= 1 << i
        elif ch == "?":
            opt |= 1 << i
        else:
            literal[ch] = literal.get(ch, 0) | 1 << i
    skip = star | opt

    def closed(states: int) -> int:
        # Every state on a run of skippable elements reaches the run's end, in a fixed
        # number of operations: the carry of `skip + live` clears the run from its lowest
        # live state up, so what it leaves of the run is the part below that state.
        live = states & skip
        reached = skip & ~((skip + live) & skip & ~live)
        return states | (reached << 1)

    states = closed(1)
    for ch in text:
        states = closed(((states & (literal.get(ch, 0) | opt)) << 1) | (states & star))
        if not states:
            return False
    return bool(states >> len(glob) & 1)


def _glob_match(glob: str, text: str) -> bool:
    if glob == "*":
        return True
    if "?" in glob:
        return _automaton_match(glob, text)
    return _star_match(glob, text)


@dataclass(frozen=True)
class _Term:
    kind: str
    priority: tuple[int, int]
    regex: re.Pattern[str]
    # One lower-case glob per capturing group: the rest of a run of word characters.
    globs: tuple[str, ...]

    def matches(self, text: str, budget: int | None = None) -> tuple[list[tuple[int, int]], int]:
        """The matches, and where the search stopped: the end of the text, or earlier once
        `budget` candidate places have been checked."""
        out: list[tuple[int, int]] = []
        pos = 0
        while pos <= len(text):
            if budget is not None:
                if budget <= 0:
                    return out, pos
                budget -= 1
            m = self.regex.search(text, pos)
            if m is None:
                break
            ok = m.end() > m.start() and all(
                _glob_match(glob, (m.group(i + 1) or "").lower())
                for i, glob in enumerate(self.globs)
            )
            if ok:
                out.append((m.start(), m.end()))
                pos = m.end()
            else:
                pos = m.start() + 1
        return out, len(text)


def _compile(term: str, kind: str) -> _Term | None:
    words = term.strip()[:MAX_TERM_CHARS].split()
    # Hyphens opening a later word belong to the separator before it (which is possessive,
    # so it would otherwise take them from the word).
    words = words[:1] + [w for w in (w.lstrip("-") for w in words[1:]) if w]
    if not words:
        return None
    pattern, globs = [r"\b"], []
    for n, word in enumerate(words):
        if n:
            pattern.append(r"[\s\-]++")
        # A word's parts: runs of word characters and wildcards, between literal
        # non-word characters ("c++", "covid-19").
        for part in re.split(r"([^\w*?])", _glob(word)):
            if len(part) == 1 and not re.match(r"[\w*?]", part):
                pattern.append(re.escape(part))
                continue
            wildcard = re.search(r"[*?]", part)
            if wildcard is None:
                pattern.append(re.escape(part) + r"(?!\w)")
                continue
            pattern.append(re.escape(part[: wildcard.start()]) + r"(\w*+)")
            globs.append(part[wildcard.start() :])
    pattern.append(r"(?!\w)")
    return _Term(
        kind=kind,
        priority=(len(words), len(term)),
        regex=re.compile("".join(pattern), re.IGNORECASE),
        globs=tuple(globs),
    )


def parse_terms(text: str) -> list[str]:
    """One term a line (commas and semicolons separate too); blank lines ignored."""
    return [t.strip() for t in re.split(r"[\n,;]+", text or "") if t.strip()]


@dataclass
class Highlighter:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        terms = []
        for kind, given in (("include", self.include), ("exclude", self.exclude)):
            terms += [t for t in (_compile(g, kind) for g in given[:MAX_TERMS]) if t]
        # Longer terms first, whatever their kind, so that a phrase wins over a word in it.
        terms.sort(key=lambda t: t.priority, reverse=True)
        self._terms = terms

    def runs(self, text: str) -> list[tuple[str, str]]:
        """(text, kind) runs; kind is "", "include" or "exclude"."""
        if not text or not self._terms:
            return [(text, "")] if text else []
        # A bound on the work whatever the terms and the text (the attack: 200 terms that
        # each match every word of a 200,000-character abstract took minutes a page): each
        # term may check its share of MAX_CHECKS candidate places; past the first place a
        # term had to stop, the text is shown without highlights rather than slowly.
        share = max(1, MAX_CHECKS // len(self._terms))
        found, cutoff = [], len(text)
        for rank, term in enumerate(self._terms):
            spans, stopped = term.matches(text, share)
            cutoff = min(cutoff, stopped)
            found += [(start, rank, end, term.kind) for start, end in spans]
        found = sorted(f for f in found if f[2] <= cutoff)
        out, last = [], 0
        for start, _, end, kind in found:
            if start < last:
                continue
            if start > last:
                out.append((text[last:start], ""))
            out.append((text[start:end], kind))
            last = end
        if last < len(text):
            out.append((text[last:], ""))
        return out
