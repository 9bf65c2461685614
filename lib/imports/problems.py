"""Problem codes of a record, computed the same way for every format (the preview counts them).

- "no-title", "no-abstract": the normalised field is empty.
- "bad-year": the record has a year value that no year could be read from.
- "suspicious-encoding": title, abstract or authors hold mojibake ('Ã©', 'â€™', U+FFFD) that
  the file's own text does not: characters the importer produced rather than read, i.e.
  UTF-8 bytes in a file read as cp1252/latin-1 (a mixed-encoding file), replacement
  characters put in for undecodable bytes, or markers made by decoding LaTeX or XML escapes.
  Mojibake written into a valid UTF-8 file by the exporter is the file's own text: not flagged.
"""

from __future__ import annotations

import re

from .records import ParsedRecord

PROBLEMS = ("no-title", "no-abstract", "bad-year", "suspicious-encoding")

SINGLE_BYTE = frozenset({"cp1252", "latin-1"})
# UTF-8 lead byte read as cp1252/latin-1 followed by continuation bytes read the same way.
_CONTINUATION = "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_MOJIBAKE = re.compile(
    f"\ufffd|[\u00c2-\u00df][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}"
    f"|[\u00f0-\u00f4][{_CONTINUATION}]{{3}}"
)


def record_problems(
    record: ParsedRecord, *, encoding: str = "utf-8", replaced: int = 0
) -> list[str]:
    """The problem codes of one record of a file read with `encoding`.

    `replaced` is the number of byte sequences the decoder replaced by U+FFFD.
    """
    problems = []
    if not record.title:
        problems.append("no-title")
    if not record.abstract:
        problems.append("no-abstract")
    if record.year is None and record.year_text.strip():
        problems.append("bad-year")
    if _suspicious(record, encoding, replaced):
        problems.append("suspicious-encoding")
    return problems


def _suspicious(record: ParsedRecord, encoding: str, replaced: int) -> bool:
    for text in (record.title, record.abstract, *record.authors):
        if text.isascii():  # reads a flag: the common case costs nothing
            continue
        for match in _MOJIBAKE.finditer(text):
            marker = match.group()
            if marker == "\ufffd":
                if replaced or marker not in record.raw_text:
                    return True
            elif marker not in record.raw_text or (
                encoding in SINGLE_BYTE and _is_utf8(marker, encoding)
            ):
                return True
    return False


def _is_utf8(marker: str, encoding: str) -> bool:
    """Whether the file's bytes behind `marker` are one UTF-8 character."""
    try:
        marker.encode(encoding).decode("utf-8")
    except UnicodeError:
        return False
    return True
