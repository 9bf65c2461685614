"""One reference as a line of text: "Authors (Year). Title. Journal." Each part ends with
one full stop, or with the punctuation it already has ("Does it work?" keeps its question
mark, "et al." is not followed by a second full stop), so no citation ends in "..".
"""

from __future__ import annotations

ENDINGS = (".", "?", "!")


def _sentence(text: str) -> str:
    """`text` as a sentence: its own closing punctuation, or a full stop added."""
    text = " ".join(text.split())
    if not text:
        return ""
    return text if text.endswith(ENDINGS) else text + "."


def citation(authors: list[str], year: str | int | None, title: str, journal: str = "") -> str:
    """Up to three authors ("et al." after them), the year in brackets, the title and the
    journal; a missing part is left out."""
    names = "; ".join(" ".join(a.split()) for a in authors[:3] if a.strip())
    if len(authors) > 3:
        names += " et al."
    head = names
    if year:
        head = f"{names} ({year})" if names else f"({year})"
    parts = [_sentence(head), _sentence(title), _sentence(journal)]
    return " ".join(p for p in parts if p)
