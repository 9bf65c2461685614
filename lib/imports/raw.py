"""The field table of one record, derived from its stored raw text.

Sift stores each record's text as it was in the file (the fact) and derives the
tag/column -> values table from it when a page needs it, with the same code as the import.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from . import bibtex, csl_json, endnote_tagged, endnote_xml, medline, ovid, pubmed_xml, wos
from .ris import read_ris

DELIMITERS = {"csv": [",", ";", "\t"], "tsv": ["\t", ",", ";"], "xlsx": [","]}
LINE_FORMATS = {
    "medline": medline.fields_from_text,
    "wos": wos.fields_from_text,
    "endnote-tagged": endnote_tagged.fields_from_text,
    "ovid": ovid.fields_from_text,
}


def fields_from_raw(fmt: str, raw_text: str) -> dict[str, Any]:
    """tag or column -> str or list[str], exactly as the importer saw the record."""
    if fmt == "ris":
        record = next(read_ris(_lines(raw_text), warn=lambda *_: None), None)
        return record.raw_fields if record else {}
    if fmt in LINE_FORMATS:
        return LINE_FORMATS[fmt](_lines(raw_text))
    if fmt == "bibtex":
        return bibtex.fields_from_text(raw_text)
    if fmt == "endnote-xml":
        return endnote_xml.fields_from_text(raw_text)
    if fmt == "pubmed-xml":
        return pubmed_xml.fields_from_text(raw_text)
    if fmt == "csl-json":
        return csl_json.fields_from_text(raw_text)
    if fmt in DELIMITERS:
        # The stored header and row have as many cells as each other (the importer names
        # any cell beyond the file's header): the delimiter is the one that splits them
        # into most cells alike ('Title;Year' is also one cell when split on ',').
        best: list[list[str]] = []
        for delimiter in DELIMITERS[fmt]:
            rows = list(csv.reader(io.StringIO(raw_text, newline=""), delimiter=delimiter))
            if len(rows) == 2 and len(rows[0]) == len(rows[1]) > (len(best[0]) if best else 0):
                best = rows
        if best:
            return {c: v for c, v in zip(best[0], best[1], strict=True) if v.strip()}
    return {}


def _lines(raw_text: str) -> list[str]:
    # Only "\n" ends a line, as when the file was read (str.splitlines would also
    # split on U+2028 and friends, which real exports carry inside values).
    lines = list(io.StringIO(raw_text, newline="\n"))
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines
