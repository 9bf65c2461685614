"""LaTeX in BibTeX values to Unicode: 'Aks{\\i}n, {\\"O}zge' -> 'Aksın, Özge'.

pylatexenc does the decoding, but only of the small pieces that need it (a command with
its argument, a math span): given a whole abstract it is slow (milliseconds per kilobyte)
and reads the bare '%' and '&' that exports write ('50% of', 'Science & Technology') as a
comment and a column separator, losing text. So the text is scanned here: grouping braces
are dropped (their content decoded the same way), commands and math go to pylatexenc one
by one (cached), and plain runs only get TeX's ligatures ('--', '~', quotes).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

_MARKS = re.compile(r"[\\{}$~]|--|``|''")
_SPECIAL = re.compile(r"[\\{}$]")
_BRACES = re.compile(r"(?<!\\)[{}]")
_DOLLAR = re.compile(r"(?<!\\)\$")
_LETTERS = re.compile(r"[A-Za-z]+")
# Accents written with a letter command and a space: '\c c', '\v s'.
_LETTER_ACCENTS = frozenset("cvuHkrdbt")
_ACCENTS = frozenset("\"'^`~=.")
_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), ("~", " "))
MAX_DEPTH = 50  # braces nested deeper are kept as written


def _decoder() -> LatexNodes2Text:
    context = get_default_latex_context_db()
    # As bibtexparser's LatexDecodingMiddleware: \url{x} is x, not <x>.
    context.add_context_category(
        "sift-bibtex", prepend=True, macros=[MacroTextSpec("url", simplify_repl="%s")]
    )
    return LatexNodes2Text(latex_context=context, math_mode="text", strict_latex_spaces=False)


_LATEX = _decoder()
# Longer commands (with their argument) are decoded here, not by pylatexenc.
MAX_PIECE = 300


def decode_latex(value: str) -> str:
    """The text of a BibTeX value, whitespace collapsed; plain text comes back as it is."""
    if not _MARKS.search(value):
        return " ".join(value.split())
    groups = _groups(value)
    return " ".join(_decode(value, 0, len(value), 0, groups).split())


def _groups(text: str) -> dict[int, tuple[int, int]]:
    """Each '{' -> (end of its content, end of the group), in one pass over the text.

    A '{' never closed runs to the end of the text.
    """
    groups: dict[int, tuple[int, int]] = {}
    opened: list[int] = []
    for match in _BRACES.finditer(text):
        if match.group() == "{":
            opened.append(match.start())
        elif opened:
            groups[opened.pop()] = (match.start(), match.end())
    for start in opened:
        groups[start] = (len(text), len(text))
    return groups


def _decode(text: str, at: int, end: int, depth: int, groups: dict[int, tuple[int, int]]) -> str:
    out: list[str] = []
    while (match := _SPECIAL.search(text, at, end)) is not None:
        start = match.start()
        out.append(_plain(text[at:start]))
        char = match.group()
        if char == "}":  # unbalanced: dropped, as TeX would complain and go on
            at = start + 1
        elif char == "{":
            inner_end, group_end = (min(i, end) for i in groups.get(start, (end, end)))
            if depth < MAX_DEPTH:
                out.append(_decode(text, start + 1, inner_end, depth + 1, groups))
            else:
                out.append(text[start + 1 : inner_end])
            at = group_end
        elif char == "$":
            close = _DOLLAR.search(text, start + 1, end)
            if close is None:  # a lone dollar sign
                out.append("$")
                at = start + 1
            else:
                out.append(_pylatexenc(text[start : close.end()]))
                at = close.end()
        else:
            at = _command_end(text, start, end, groups)
            brace = text.find("{", start, at)
            if at - start <= MAX_PIECE:
                out.append(_pylatexenc(text[start:at]))
            elif brace > start and depth < MAX_DEPTH:
                # pylatexenc can take exponential time on a long argument full of nested
                # accents (a fuzzed file hung it): keep the argument's words, drop the command.
                inner_end = min(groups.get(brace, (at, at))[0], at)
                out.append(_decode(text, brace + 1, inner_end, depth + 1, groups))
            else:
                out.append(text[start:at])  # too deep to unpick: kept as written
    out.append(_plain(text[at:end]))
    return "".join(out)


def _plain(text: str) -> str:
    for tex, char in _LIGATURES:
        if tex in text:
            text = text.replace(tex, char)
    return text


def _command_end(
    text: str, start: int, end: int, groups: dict[int, tuple[int, int]], stacked: int = 0
) -> int:
    """The end of the command at start: '\\name' or '\\' + one character, with its argument
    if it takes one ('\\textit{x}', '\\"{o}', '\\"o', '\\c c')."""
    at = start + 1
    if at >= end:
        return end
    if (name := _LETTERS.match(text, at, end)) is not None:
        at = name.end()
        if at < end and text[at] == "{":
            return min(groups.get(at, (end, end))[1], end)
        if (
            name.group() in _LETTER_ACCENTS
            and text[at : at + 1] == " "
            and text[at + 1 : at + 2].isalpha()
            and at + 2 <= end
        ):
            return at + 2
        return at
    accent = text[at]
    at += 1
    if accent in _ACCENTS and at < end:
        if text[at] == "{":
            return min(groups.get(at, (end, end))[1], end)
        if text[at] == "\\" and stacked < 3:  # an accent on a command: '\"\i'
            return _command_end(text, at, end, groups, stacked + 1)
        return at + 1
    return at


@lru_cache(maxsize=4096)
def _pylatexenc(piece: str) -> str:
    try:
        return _LATEX.latex_to_text(piece)
    except RecursionError:  # pathological nesting inside one command: keep it as written
        return piece
