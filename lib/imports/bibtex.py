"""BibTeX (.bib): Scopus, Web of Science, EBSCOhost, Zotero, IEEE Xplore and JabRef exports.

A streaming splitter finds each '@type{...}' entry by counting braces, so one entry is in
memory at a time (text between entries, such as Scopus's banner, is skipped and counted).
bibtexparser 2 parses the entry's fields and removes their outer braces or quotes;
@string macros defined earlier in the file (and the month names) are resolved, and LaTeX
(accents, '--', '~', math) is decoded to Unicode by pylatexenc, in the normalised fields.
raw_fields keep the values as written ('Aks{\\i}n', 'jomch'), so that the entry's own text
gives them back; 'ENTRYTYPE' and 'ID' hold the entry type and citation key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from bibtexparser.library import Library
from bibtexparser.middlewares import RemoveEnclosingMiddleware
from bibtexparser.middlewares.names import split_multiple_persons_names
from bibtexparser.model import DuplicateFieldKeyBlock, Entry, ImplicitComment, String
from bibtexparser.splitter import Splitter

from .latex import decode_latex
from .normalise import (
    clean,
    doi_in_url,
    first_url,
    join_pages,
    normalise_doi,
    parse_year,
    pmid_digits,
    split_keywords,
)
from .records import EXPANSION_LIMIT, ImportFileError, ParsedRecord
from .tagged import Warn

_ENTRY_START = re.compile(r"@[ \t]*([A-Za-z][\w:-]*)[ \t\r\n]*([{(])")
_LINE_START = re.compile(r"[ \t]*@[ \t]*[A-Za-z][\w:-]*[ \t]*[{(]")
_FIELD_LINE = re.compile(r"^[ \t]*[A-Za-z][\w:.-]*[ \t]*=", re.MULTILINE)
_DELIMITERS = {"{": re.compile(r"[{}]"), "(": re.compile(r'[{}()"]')}
NOT_RECORDS = frozenset({"string", "comment", "preamble"})
MONTHS = {  # BibTeX's predefined macros
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}


# --- the splitter ------------------------------------------------------------------------


def split_entries(lines: Iterable[str], *, warn: Warn) -> Iterator[tuple[str, str, int]]:
    """(entry type, entry text from '@' to its closing brace, 1-based line) per entry.

    The file is cut into chunks at lines that start with '@type{' (one entry each, in
    every real export); within a chunk the entry ends where its braces balance, and more
    entries may follow on the same line. An entry whose braces balance too early (a value
    with a stray '}', while 'field = ' lines go on below) or never runs to the chunk's end.
    """
    chunk: list[str] = []
    start = lineno = 0
    skipped = [0]
    line = ""
    for line in lines:
        lineno += 1
        if _LINE_START.match(line) or (not chunk and _ENTRY_START.search(line)):
            if chunk:
                yield from _chunk_entries("".join(chunk), start, skipped, warn)
            chunk, start = [line], lineno
        elif chunk:
            chunk.append(line)
        elif line.strip():
            skipped[0] += 1
    if chunk:
        text = "".join(chunk)
        if not line.endswith("\n") and _unclosed_at_end(text):
            raise ImportFileError(
                "the file seems truncated: its last entry is not closed and the file stops "
                "in the middle of a line",
                line=lineno,
            )
        yield from _chunk_entries(text, start, skipped, warn)
    if skipped[0]:
        warn(
            "skipped",
            "1 line outside the entries was skipped"
            if skipped[0] == 1
            else f"{skipped[0]} lines outside the entries were skipped",
        )


def _chunk_entries(
    text: str, first_line: int, skipped: list[int], warn: Warn
) -> Iterator[tuple[str, str, int]]:
    at = 0
    while (match := _ENTRY_START.search(text, at)) is not None:
        if text[at : match.start()].strip():
            skipped[0] += 1
        line = first_line + text.count("\n", 0, match.start())
        opener = match.group(2)
        end = _scan(text, match.end(), opener, 1 if opener == "{" else 0, False)[0]
        rest = text[end:] if end >= 0 else ""
        if end < 0 or (_FIELD_LINE.search(rest) and not _ENTRY_START.search(rest)):
            entry = text[match.start() :].rstrip()
            if end >= 0:
                entry = entry[: entry.rfind("}") + 1] or entry
            warn("unclosed", f"the braces of the entry at line {line} do not balance")
            yield match.group(1), entry, line
            return
        yield match.group(1), text[match.start() : end], line
        at = end
    if text[at:].strip():
        skipped[0] += 1


def _unclosed_at_end(text: str) -> bool:
    starts = list(_ENTRY_START.finditer(text))
    if not starts:
        return False
    match = starts[-1]
    opener = match.group(2)
    return _scan(text, match.end(), opener, 1 if opener == "{" else 0, False)[0] < 0


def _scan(text: str, at: int, opener: str, depth: int, in_quote: bool) -> tuple[int, int, bool]:
    """(index after the entry's closing delimiter or -1, brace depth, inside quotes).

    The depth counts the entry's own '{' for '{' entries; '(' entries end at a ')' outside
    braces and quotes.
    """
    for match in _DELIMITERS[opener].finditer(text, at):
        char = match.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if opener == "{" and depth == 0:
                return match.end(), 0, False
            depth = max(depth, 0)
        elif depth == 0:
            if char == '"':
                in_quote = not in_quote
            elif char == ")" and not in_quote:
                return match.end(), 0, False
    return -1, depth, in_quote


def _closed(text: str) -> str:
    """The entry's text with the closing delimiters it lacks (an unclosed entry)."""
    match = _ENTRY_START.match(text)
    if match is None or (match.group(2) == "{" and text.count("{") == text.count("}")):
        return text
    opener = match.group(2)
    end, depth, in_quote = _scan(text, match.end(), opener, 1 if opener == "{" else 0, False)
    if end >= 0:
        return text
    return text + ('"' if in_quote else "") + "}" * depth + (")" if opener == "(" else "")


# --- one entry ---------------------------------------------------------------------------


def parse_entry(text: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(raw fields, {lower-case field: value as written}, problem) of one entry's text.

    The second table keeps unenclosed values (macro references, '#' concatenations) as
    ('ref', value), to be resolved against the file's macros. An entry bibtexparser
    cannot read (braces that do not balance) is read line by line, 'field = value'.
    """
    blocks = Splitter(_closed(text)).split().blocks
    block = blocks[0] if blocks else None
    if isinstance(block, DuplicateFieldKeyBlock):
        block = block.ignore_error_block
    trailing = any(not isinstance(b, ImplicitComment) or b.comment.strip() for b in blocks[1:])
    if not isinstance(block, Entry | String) or trailing:
        return _lenient(text)
    RemoveEnclosingMiddleware().transform(Library([block]))
    if isinstance(block, String):
        return {"ENTRYTYPE": "string", "ID": block.key}, {"": _value(block)}, ""
    # bibtexparser lower-cases the type; the raw fields keep it as written ('ARTICLE').
    written = _ENTRY_START.match(text)
    raw: dict[str, Any] = {
        "ENTRYTYPE": written.group(1) if written else block.entry_type,
        "ID": block.key,
    }
    values: dict[str, Any] = {}
    for field in block.fields:
        value = field.value if isinstance(field.value, str) else str(field.value)
        _add(raw, field.key, value)
        _add(values, field.key.lower(), _value(field))
    return raw, values, ""


def _lenient(text: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    match = _ENTRY_START.match(text)
    if match is None:
        return {}, {}, "it is not a BibTeX entry"
    head, _, body = text[match.end() :].partition(",")
    raw: dict[str, Any] = {"ENTRYTYPE": match.group(1), "ID": head.strip()}
    fields: list[tuple[str, str]] = []
    for line in body.split("\n"):
        if field := _FIELD_LINE.match(line):
            fields.append((line[: field.end() - 1].strip(), line[field.end() :]))
        elif fields:
            fields[-1] = (fields[-1][0], f"{fields[-1][1]}\n{line}")
    values: dict[str, Any] = {}
    for index, (key, value) in enumerate(fields):
        value = value.strip().removesuffix(",").strip()
        if index == len(fields) - 1 and value.count("}") > value.count("{"):
            value = value[: value.rfind("}")].rstrip().removesuffix(",").rstrip()
        if len(value) >= 2 and value[0] + value[-1] in ("{}", '""'):
            value = value[1:-1]
        _add(raw, key, value)
        _add(values, key.lower(), value)
    return raw, values, "its braces do not balance: its fields were read line by line"


def _value(field: Any) -> Any:
    value = field.value if isinstance(field.value, str) else str(field.value)
    return ("ref", value) if field.enclosing == "no-enclosing" else value


def _failure(block: Any) -> str:
    error = getattr(block, "error", None)
    reason = str(error).split("\n")[-1].strip() if error else ""
    return reason or "its fields cannot be read"


def _add(fields: dict[str, Any], key: str, value: Any) -> None:
    current = fields.get(key)
    if current is None:
        fields[key] = value
    elif type(current) is list:
        current.append(value)
    else:
        fields[key] = [current, value]


class ExpansionTooLong(ValueError):
    """A value's macros and concatenations expand past EXPANSION_LIMIT."""


# Characters of @string macro text one file may expand to in all (every field, kept or not).
# A real export spends a few characters a journal name; the attack spent a 524,000-character
# macro on each 82-byte entry, in fields Sift then drops (4 minutes of a worker per MB).
FILE_EXPANSION_LIMIT = 50_000_000


class Macros(dict):
    """A file's @string macros, and how much macro text its values may still expand to."""

    left: int = FILE_EXPANSION_LIMIT

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise ExpansionTooLong(
                f"expands the file's @string macros past {FILE_EXPANSION_LIMIT:,} characters in all"
            )


def resolve(value: Any, macros: dict[str, str]) -> str:
    """A field value with macro references and '#' concatenations resolved, refused (before
    it is built) past EXPANSION_LIMIT characters: each macro is bounded when defined, so a
    file of nested doublings cannot make a value longer than the bound times its parts."""
    if type(value) is str:
        return value
    if type(value) is list:  # a field given twice: its first value
        return next((text for v in value if (text := resolve(v, macros).strip())), "")
    parts, size = [], 0
    for part in _concatenated(value[1]):
        part = part.strip()
        if len(part) >= 2 and part[0] + part[-1] in ('""', "{}"):
            text = part[1:-1]
        else:
            text = macros.get(part.lower(), MONTHS.get(part.lower(), part))
            if isinstance(macros, Macros) and part.lower() in macros:
                macros.spend(len(text))
        size += len(text)
        if size > EXPANSION_LIMIT:
            raise ExpansionTooLong(f"expands to more than {EXPANSION_LIMIT:,} characters")
        parts.append(text)
    return "".join(parts)


def _concatenated(expression: str) -> list[str]:
    """'"a" # jan # {b}' -> ['"a" ', ' jan ', ' {b}'], splitting on '#' outside braces/quotes."""
    parts, depth, in_quote, last = [], 0, False, 0
    for index, char in enumerate(expression):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            in_quote = not in_quote
        elif char == "#" and depth == 0 and not in_quote:
            parts.append(expression[last:index])
            last = index + 1
    parts.append(expression[last:])
    return parts


# --- records -----------------------------------------------------------------------------

FEEDS = frozenset(
    {"entrytype", "title", "subtitle", "author", "abstract", "year", "date", "journal"}
    | {"journaltitle", "booktitle", "volume", "number", "issue", "pages", "doi", "pmid"}
    | {"pubmed", "keywords", "url", "language", "langid"}
)


def read_bibtex(lines: Iterable[str], *, warn: Warn) -> Iterator[ParsedRecord]:
    macros = Macros()
    ordinal = 0
    for entry_type, text, start in split_entries(lines, warn=warn):
        kind = entry_type.lower()
        if kind in ("comment", "preamble"):
            continue
        raw, values, error = parse_entry(text)
        if kind == "string":
            if not error and raw.get("ID"):
                try:
                    macros[raw["ID"].lower()] = resolve(values[""], macros)
                except ExpansionTooLong as exc:
                    raise ImportFileError(f"@string {raw['ID']}: {exc}", line=start) from None
            continue
        ordinal += 1
        try:
            yield record_from_entry(text, raw, values, error, macros, ordinal, start)
        except ExpansionTooLong as exc:
            key = raw.get("ID") or f"@{entry_type}"
            raise ImportFileError(
                f"entry {key}: a field {exc}", line=start, record=ordinal
            ) from None


def fields_from_text(text: str) -> dict[str, Any]:
    return parse_entry(text.strip())[0] if text.strip() else {}


def record_from_entry(
    text: str,
    raw: dict[str, Any],
    values: dict[str, Any],
    error: str,
    macros: dict[str, str],
    ordinal: int,
    start: int,
) -> ParsedRecord:
    warnings: list[str] = []
    if error:
        warnings.append(f"the entry was not read whole: {error}")

    def get(*keys: str) -> str:
        for key in keys:
            if key in values and (value := resolve(values[key], macros).strip()):
                return value
        return ""

    title = decode_latex(get("title"))
    if title and (subtitle := decode_latex(get("subtitle"))):
        title = f"{title}: {subtitle}"
    if not title:
        warnings.append("no title")
    year_text = get("year", "date", "issued")
    year = parse_year(year_text) if year_text else None
    if year_text and year is None:
        warnings.append(f"year not understood: {year_text!r}")
    authors = [
        name for name in map(decode_latex, split_multiple_persons_names(get("author"))) if name
    ]
    keywords_text = decode_latex(get("keywords", "author_keywords"))
    keywords = split_keywords([keywords_text] if ";" in keywords_text else keywords_text.split(","))
    url = first_url(_unescape(get("url")))
    doi = normalise_doi(_unescape(get("doi"))) or (doi_in_url(url) if "doi.org" in url else "")
    pmid = pmid_digits(get("pmid", "pubmed"))
    if not pmid and get("eprinttype").lower() == "pubmed":
        pmid = pmid_digits(get("eprint"))
    pages = _plain(get("pages")).replace("--", "-")
    return ParsedRecord(
        ordinal=ordinal,
        line=start,
        raw_text=text,
        raw_fields=raw,
        title=title,
        abstract=decode_latex(get("abstract")),
        authors=authors,
        year=year,
        year_text=year_text,
        journal=decode_latex(get("journal", "journaltitle", "booktitle")),
        volume=_plain(get("volume")),
        issue=_plain(get("number", "issue")),
        pages=join_pages(pages, "") if pages else "",
        doi=doi,
        pmid=pmid,
        keywords=keywords,
        url=url,
        language=decode_latex(get("language", "langid")),
        type=str(raw.get("ENTRYTYPE", "")),
        warnings=warnings,
    )


def _plain(value: str) -> str:
    return clean(value.replace("{", "").replace("}", ""))


def _unescape(value: str) -> str:
    """DOIs and URLs as written in BibTeX: braces and backslash escapes removed."""
    return re.sub(r"\\([_%&#$])", r"\1", _plain(value))
