"""Wording shared by the refusal messages of lib (PdfError, ArchiveError): a library's
exception as the end of a sentence, a size limit in words."""

from __future__ import annotations


def describe(error: BaseException) -> str:
    """A library's exception as the end of a sentence: 'EOF marker not found.'"""
    detail = " ".join(str(error).split()).rstrip(".") or type(error).__name__
    return f"{detail[:200]}."


def human_size(n: int) -> str:
    """A limit in words: 200 * 1024**2 -> '200 MB'; 1536 -> '1,536 bytes' (never rounded, as
    'larger than 1.5 KB' would be wrong for some files that are)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor and n % factor == 0:
            return f"{n // factor:,} {unit}"
    return f"{n:,} bytes"
