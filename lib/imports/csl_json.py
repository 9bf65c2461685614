"""CSL-JSON: the Citation Style Language's JSON items (Zotero's and Better BibTeX's 'CSL
JSON' export, Mendeley, citation-js, pandoc, manubot, the NCBI and Crossref citation APIs).

Layouts read, one item in memory at a time:
- an array of items (what every exporter writes);
- a single item (an object whose first key is a CSL variable such as "id" or "type");
- an object of items keyed by their id (citeproc-js's item map), or of members one of which,
  "items" or "data", is an array of items (citation-js' serialised Cite object); its other
  members ("_options", "log") are skipped and reported;
- several such values one after the other (JSON Lines).

The text stream is scanned by a small cursor that hands each item's text to the standard
library's C decoder (json.JSONDecoder.raw_decode): the item's own text is its raw_text, and
its line is known. An item is at most MAX_ITEM characters and nests at most as deep as the
decoder allows (both refused with the line). raw_fields flatten an item by path
('author/family', 'issued/date-parts' as '2014-12-31'); the normalised fields read the CSL
variables, with CSL's rich-text markup (<i>, <b>, <sub>, <span class="nocase">) removed.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from typing import Any, TextIO

from .normalise import (
    clean,
    first_url,
    normalise_doi,
    parse_year,
    pmid_digits,
    split_keywords,
)
from .records import ImportFileError, ParsedRecord
from .tagged import Warn
from .xmlstream import add

CHUNK = 1 << 16
MAX_ITEM = 16 << 20  # characters of one item (or of a single-item file)
FLAT_DEPTH = 32  # deeper values are kept as JSON text in raw_fields
_DECODER = json.JSONDecoder()
# A BOM left mid-file (after blank lines, or by concatenated exports) is whitespace here.
_NOT_SPACE = re.compile(r"[^ \t\r\n\ufeff]")

# CSL variables that may open an item; an object whose first key is one is an item.
VARIABLES = frozenset(
    {
        "id", "type", "title", "author", "editor", "issued", "container-title", "DOI", "URL",
        "page", "volume", "issue", "abstract", "PMID", "PMCID", "ISSN", "ISBN", "language",
        "publisher", "publisher-place", "keyword", "note", "source", "accessed", "citation-key",
        "title-short", "container-title-short", "number", "edition", "event", "genre",
        "collection-title", "number-of-pages", "original-title", "medium", "section", "version",
        "categories", "citation-label", "shortTitle", "journalAbbreviation", "indexed",
        "reference-count", "published-print", "published-online", "created", "_graph",
    }
)  # fmt: skip
# The variables whose presence marks a JSON object as a CSL item (for telling CSL-JSON from
# other JSON).
ITEM_KEYS = frozenset(
    {"title", "type", "author", "issued", "container-title", "DOI", "editor", "PMID", "URL"}
)
WRAPPERS = ("items", "data")
# CSL item types -> the reference-type labels the rest of Sift knows (EndNote's, which
# Zotero's own exports also use); the CSL type itself stays in raw_fields["type"].
TYPES = {
    "article-journal": "Journal Article",
    "article": "Preprint",
    "article-magazine": "Magazine Article",
    "article-newspaper": "Newspaper Article",
    "book": "Book",
    "chapter": "Book Section",
    "paper-conference": "Conference Paper",
    "report": "Report",
    "thesis": "Thesis",
    "webpage": "Web Page",
    "post-weblog": "Blog Post",
    "post": "Forum Post",
    "dataset": "Dataset",
    "entry-encyclopedia": "Encyclopedia",
    "entry-dictionary": "Dictionary",
    "patent": "Patent",
    "review": "Review",
    "review-book": "Book Review",
    "manuscript": "Manuscript",
    "speech": "Presentation",
    "legislation": "Statute",
    "legal_case": "Case",
    "software": "Software",
    "standard": "Standard",
    "personal_communication": "Personal Communication",
    "interview": "Interview",
    "motion_picture": "Film",
    "broadcast": "Broadcast",
    "map": "Map",
    "graphic": "Artwork",
    "song": "Audio Recording",
    "bill": "Bill",
    "pamphlet": "Pamphlet",
    "treaty": "Treaty",
}
FEEDS = frozenset(
    {"type", "title", "title-short", "abstract", "author/family", "author/given"}
    | {"author/literal", "author/non-dropping-particle", "author/dropping-particle"}
    | {"author/suffix", "issued/date-parts", "issued/raw", "issued/literal", "issued"}
    | {"container-title", "container-title-short", "journalAbbreviation", "volume", "issue"}
    | {"page", "page-first", "DOI", "doi", "PMID", "pmid", "URL", "url", "keyword"}
    | {"language"}
)


# --- the cursor ----------------------------------------------------------------------------


class _Cursor:
    """A window on the text stream: skips whitespace, decodes one JSON value at a time."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.buf = ""
        self.pos = 0
        self.line = 1  # the line of buf[pos]
        self.eof = False
        self.hold: int | None = None  # a position to keep in the window (to go back to)

    def _read(self, size: int = CHUNK) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(size)
        if not chunk:
            self.eof = True
            return False
        keep = self.pos if self.hold is None else min(self.pos, self.hold)
        if keep >= CHUNK:  # drop what has been read
            self.buf, self.pos = self.buf[keep:], self.pos - keep
            if self.hold is not None:
                self.hold -= keep
        self.buf += chunk
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end), not consumed."""
        while True:
            match = _NOT_SPACE.search(self.buf, self.pos)
            if match:
                self.line += self.buf.count("\n", self.pos, match.start())
                self.pos = match.start()
                return self.buf[self.pos]
            self.line += self.buf.count("\n", self.pos)
            self.pos = len(self.buf)
            if not self._read():
                return ""

    def take(self, chars: str, what: str) -> str:
        char = self.peek()
        if not char or char not in chars:
            found = repr(char) if char else "the end of the file"
            raise ImportFileError(
                f"the JSON is not valid: expected {what}, found {found}", line=self.line
            )
        self.pos += 1
        return char

    def value(self) -> tuple[Any, str, int]:
        """(the next value, its text, the line it starts on)."""
        self.peek()
        line = self.line
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof or not self._read():
                    break
                continue  # a number at the window's end may go on
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.buf) - 16 or exc.msg.startswith("Unterminated string")
                if cut and not self.eof:
                    if len(self.buf) - self.pos > MAX_ITEM:
                        raise ImportFileError(
                            f"the JSON has a value longer than {MAX_ITEM >> 20} million characters "
                            "(a record is far smaller)",
                            line=line,
                        ) from None
                    self._read(max(CHUNK, len(self.buf) - self.pos))  # double the window
                    continue
                where = line + self.buf.count("\n", self.pos, min(exc.pos, len(self.buf)))
                raise ImportFileError(f"the JSON is not valid: {exc.msg}", line=where) from None
            except RecursionError:
                raise ImportFileError("the JSON nests values too deeply", line=line) from None
        text = self.buf[self.pos : end]
        self.line += text.count("\n")
        self.pos = end
        return value, text, line


# --- layouts -------------------------------------------------------------------------------


def _items(cursor: _Cursor, warn: Warn) -> Iterator[tuple[Any, str, int]]:
    """(item, its text, its line) in file order, whatever the layout."""
    skipped: list[str] = []
    while char := cursor.peek():
        if char == "[":
            yield from _array(cursor, warn)
        elif char == "{":
            yield from _object(cursor, warn, skipped)
        else:
            raise ImportFileError(
                "the JSON is not valid: expected an array or an object of CSL items, "
                f"found {char!r}",
                line=cursor.line,
            )
    if skipped:
        shown = ", ".join(repr(k) for k in skipped[:10]) + (" ..." if len(skipped) > 10 else "")
        warn(
            "skipped",
            f"{len(skipped)} members of the top-level object that are no CSL items were skipped: {shown}",
        )


def _array(cursor: _Cursor, warn: Warn) -> Iterator[tuple[Any, str, int]]:
    cursor.take("[", "'['")
    if cursor.peek() == "]":
        cursor.pos += 1
        return
    index = 0
    while True:
        index += 1
        value, text, line = cursor.value()
        if isinstance(value, dict):
            yield value, text, line
        else:
            warn(
                "not-an-item",
                f"element {index} of the array (line {line}) is not an object: skipped",
            )
        if cursor.take(",]", "',' or ']' after an element of the array") == "]":
            return


def _object(cursor: _Cursor, warn: Warn, skipped: list[str]) -> Iterator[tuple[Any, str, int]]:
    cursor.hold, start_line = cursor.pos, cursor.line
    cursor.take("{", "'{'")
    if cursor.peek() == "}":
        cursor.pos, cursor.hold = cursor.pos + 1, None
        return
    key, _, _ = cursor.value()
    if not isinstance(key, str):
        raise ImportFileError(
            "the JSON is not valid: an object key must be a string", line=cursor.line
        )
    start, cursor.hold = cursor.hold, None
    if key in VARIABLES:  # the object is one item: decode it whole
        assert start is not None
        cursor.pos, cursor.line = start, start_line
        yield cursor.value()
        return
    while True:
        cursor.take(":", "':' after a key")
        if key in WRAPPERS and cursor.peek() == "[":
            yield from _array(cursor, warn)
        else:
            value, text, line = cursor.value()
            if isinstance(value, dict) and ITEM_KEYS.intersection(value):
                yield value, text, line
            else:
                skipped.append(key)
        if cursor.take(",}", "',' or '}' after a member of the object") == "}":
            return
        key, _, _ = cursor.value()
        if not isinstance(key, str):
            raise ImportFileError(
                "the JSON is not valid: an object key must be a string", line=cursor.line
            )


def sniff(text: str, name: str, *, complete: bool) -> bool:
    """Whether the head of a file (from its first '[' or '{') is CSL-JSON.

    Raises for JSON that is not CSL (naming what it lacks) and for a CSL-JSON file with no
    item; False when the text is not JSON at all (a table whose first cell starts with '[').
    """
    cursor = _Cursor(io.StringIO(text))
    try:
        first = next(_items(cursor, lambda *_: None), None)
    except ImportFileError as exc:
        if not complete and re.search(
            r'"(?:type|title|author|issued|container-title|DOI)"\s*:', text
        ):
            return True  # the head ends inside the first item
        if re.match(r'\s*(?:\[\s*[\[{"]|\{\s*")', text):
            raise ImportFileError(f"{name}: {exc.message}") from None
        return False
    if first is None:
        if complete:
            raise ImportFileError(f"no records found in {name}: it is JSON with no item in it")
        return False
    item = first[0]
    if not ITEM_KEYS.intersection(item):
        keys = ", ".join(repr(k) for k in list(item)[:8])
        raise ImportFileError(
            f"{name} is JSON but not CSL-JSON: its first item has none of the CSL fields "
            f"title, type, author or issued (it has {keys}); export the references as CSL "
            "JSON, RIS or CSV instead"
        )
    return True


def read_csl_json(stream: TextIO, *, warn: Warn) -> Iterator[ParsedRecord]:
    for ordinal, (item, text, line) in enumerate(_items(_Cursor(stream), warn), 1):
        yield record_from_item(item, text, ordinal, line)


# --- the field table -----------------------------------------------------------------------


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _flatten(value: Any, path: str, fields: dict[str, Any], depth: int) -> None:
    if depth > FLAT_DEPTH:
        add(fields, path, json.dumps(value, ensure_ascii=False))
    elif isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{path}/{key}" if path else str(key), fields, depth + 1)
    elif isinstance(value, list):
        for element in value:
            if isinstance(element, dict):
                _flatten(element, path, fields, depth + 1)
            elif isinstance(element, list):
                if all(not isinstance(e, dict | list) for e in element):
                    add(fields, path, "-".join(_scalar(e) for e in element))  # date-parts
                else:
                    add(fields, path, json.dumps(element, ensure_ascii=False))
            else:
                add(fields, path, _scalar(element))
    elif path:
        add(fields, path, _scalar(value))


def fields_of(item: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    _flatten(item, "", fields, 0)
    return fields


def fields_from_text(raw_text: str) -> dict[str, Any]:
    try:
        item = json.loads(raw_text)
    except (ValueError, RecursionError):
        return {}
    return fields_of(item) if isinstance(item, dict) else {}


# --- normalised fields ---------------------------------------------------------------------

# CSL rich text: <i>, <b>, <sup>, <sub>, <span style=...>, <span class="nocase">; JATS in
# abstracts from Crossref (<jats:p>). A '<' not followed by a name ('p < 0.05') is text.
_MARKUP = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")


def plain(value: str) -> str:
    if "<" in value:
        value = _MARKUP.sub("", value)
    if "&" in value:
        value = html.unescape(value)
    return value


def _text(item: dict[str, Any], *keys: str) -> str:
    """The first non-empty value of the keys, as text (a list gives its first string)."""
    for key in keys:
        value = item.get(key)
        if isinstance(value, list):
            value = next(
                (v for v in value if isinstance(v, str | int | float) and str(v).strip()), None
            )
        if isinstance(value, str):
            if value := clean(value):
                return value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    return ""


def _name(person: Any) -> str:
    if isinstance(person, str):
        return clean(person)
    if not isinstance(person, dict):
        return ""
    if literal := _text(person, "literal"):
        return plain(literal)
    family = " ".join(
        p for p in (_text(person, "non-dropping-particle"), _text(person, "family")) if p
    )
    given = " ".join(p for p in (_text(person, "given"), _text(person, "dropping-particle")) if p)
    name = f"{family}, {given}" if family and given else family or given
    if name and (suffix := _text(person, "suffix")):
        name = f"{name}, {suffix}"
    return plain(name)


def _date(item: dict[str, Any]) -> str:
    """The first issued date as text: '2014-12-31' from date-parts, else raw or literal."""
    for key in ("issued", "published-print", "published-online"):
        value = item.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return clean(str(value))
        if not isinstance(value, dict):
            continue
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            first = [str(p) for p in parts[0] if isinstance(p, str | int) and str(p).strip()]
            if first:
                return "-".join(first)
        if text := _text(value, "raw", "literal"):
            return text
    return ""


def _pmid(item: dict[str, Any]) -> str:
    if pmid := pmid_digits(_text(item, "PMID", "pmid")):
        return pmid
    # Zotero keeps fields CSL has no variable for in 'note', one 'Key: value' a line.
    note = item.get("note")
    if isinstance(note, str) and (match := re.search(r"^\s*PMID:\s*(\d{1,9})\s*$", note, re.M)):
        return match.group(1)
    return ""


def _keywords(item: dict[str, Any]) -> list[str]:
    value = item.get("keyword")
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if isinstance(v, str) and v.strip():
            out.extend(v.split(";") if ";" in v else v.split(","))
    return split_keywords(out)


def record_from_item(item: dict[str, Any], text: str, ordinal: int, line: int) -> ParsedRecord:
    warnings: list[str] = []
    title = clean(plain(_text(item, "title")))
    if not title:
        warnings.append("no title")
    year_text = _date(item)
    year = parse_year(year_text) if year_text else None
    if year_text and year is None:
        warnings.append(f"year not understood: {year_text!r}")
    authors = item.get("author")
    kind = _text(item, "type")
    abstract = item.get("abstract")
    return ParsedRecord(
        ordinal=ordinal,
        line=line,
        raw_text=text,
        raw_fields=fields_of(item),
        title=title,
        abstract=plain(abstract).strip() if isinstance(abstract, str) else "",
        authors=[n for n in map(_name, authors if isinstance(authors, list) else []) if n],
        year=year,
        year_text=year_text,
        journal=plain(
            _text(item, "container-title", "container-title-short", "journalAbbreviation")
        ),
        volume=_text(item, "volume"),
        issue=_text(item, "issue"),
        pages=_text(item, "page", "page-first"),
        doi=normalise_doi(_text(item, "DOI", "doi")),
        pmid=_pmid(item),
        keywords=_keywords(item),
        url=first_url(_text(item, "URL", "url")),
        language=_text(item, "language"),
        type=TYPES.get(kind, kind),
        warnings=warnings,
    )
