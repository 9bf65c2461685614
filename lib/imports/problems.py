"""Problem codes of a record, computed the same way for every format (the preview counts them).

- "no-title", "no-abstract": the normalised field is empty.
- "bad-year": the record has a year value that no year could be read from.
- "suspicious-encoding": title, abstract or authors hold mojibake ('Ã©', 'â€™', U+FFFD),
  whoever made it: UTF-8 bytes in a file read as cp1252/latin-1 (a mixed-encoding file),
  bytes the decoder replaced, escapes that decoded badly, or an exporter that wrote it so.
  The lead sees what screeners will see, so the origin does not matter.
"""

from __future__ import annotations

import re

from .records import ParsedRecord

PROBLEMS = ("no-title", "no-abstract", "bad-year", "suspicious-encoding")

# UTF-8 lead byte read as cp1252/latin-1 followed by continuation bytes read the same way.
_CONTINUATION = "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_MOJIBAKE = re.compile(
    f"\ufffd|[\u00c2-\u00df][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}"
    f"|[\u00f0-\u00f4][{_CONTINUATION}]{{3}}"
)


def record_problems(record: ParsedRecord) -> list[str]:
    """The problem codes of one record, in PROBLEMS order."""
    problems = []
    if not record.title:
        problems.append("no-title")
    if not record.abstract:
        problems.append("no-abstract")
    if record.year is None and record.year_text.strip():
        problems.append("bad-year")
    if _suspicious(record):
        problems.append("suspicious-encoding")
    return problems


def _suspicious(record: ParsedRecord) -> bool:
    # isascii() reads a flag: the common case costs nothing.
    texts = (record.title, record.abstract, *record.authors)
    return any(not text.isascii() and _MOJIBAKE.search(text) for text in texts)
