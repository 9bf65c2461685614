"""One-line text: reasons, labels, names, codes. A line break inside one would let a value
start a new line of a tagged file (a forged record in an RIS export, issue #16), so forms
fold line breaks, services refuse them, and every tagged writer folds them again.

A line break is anything `str.splitlines` splits on (LF, CR, CRLF, VT, FF, the file/group/
record separators, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR): some readers split on more
than LF.
"""

from __future__ import annotations

import re

LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def has_line_break(text: str) -> bool:
    return LINE_BREAK.search(text) is not None


def fold(text: str) -> str:
    """The text on one line: each line break becomes a space."""
    return LINE_BREAK.sub(" ", text)
