"""Pure functions turning raw field values into ParsedRecord's normalised fields.

Each takes the file's own strings and returns a clean value or "" / None / [];
none of them raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

_YEAR = re.compile(r"(?<!\d)(1\d{3}|20\d{2}|2100)(?!\d)")
# A DOI: "10." + registrant code + "/" + suffix (no spaces). Trailing punctuation is
# trimmed afterwards because exports often end a citation with ".", "," or ";".
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi:\s*|doi\s+)", re.IGNORECASE
)
_DOI_URL = re.compile(r"(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)", re.IGNORECASE)
_PUBMED_URL = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d{1,9})\b", re.IGNORECASE
)
_DIGITS = re.compile(r"\d{1,9}")
# 'Griffin DK', 'Adler D.G.', 'de la Cruz A-M': a surname, a space, then 1-4 initials.
_SURNAME_INITIALS = re.compile(r"^\S.*\s(?:[A-Z\u00c0-\u00de]\.?-?){1,4}$")


def clean(value: str) -> str:
    """Collapse runs of whitespace (including the newlines of continuation lines)."""
    if "\n" in value or "  " in value or "\t" in value or "\r" in value:
        return " ".join(value.split())
    return value.strip()


def as_list(value: object) -> list[str]:
    """A raw field value (str, list of str or absent) as a list of strings."""
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, str):
        return [value]
    return [str(value)]


def first_nonempty(values: Iterable[str]) -> str:
    for value in values:
        value = clean(value)
        if value:
            return value
    return ""


def normalise_doi(value: str) -> str:
    """'https://doi.org/10.1000/ABC.' -> '10.1000/abc'; '' when no DOI is in the value."""
    value = value.strip()
    if not value:
        return ""
    value = _DOI_PREFIX.sub("", value)
    if "%" in value:
        # A DOI copied from a URL: '10.1016/S0025-7753%2817%2930624-3'.
        value = unquote(value)
    match = _DOI.search(value)
    if not match:
        return ""
    return match.group(0).rstrip(".,;:)]}>'\"").lower()


def doi_in_url(value: str) -> str:
    """The DOI of a doi.org link, '' for any other URL (publisher links hold ids that look alike)."""
    match = _DOI_URL.search(unquote(value))
    return normalise_doi(match.group(1)) if match else ""


def parse_year(value: str) -> int | None:
    """The first plausible 4-digit year (1000-2100) in '2020/05/01', 'Spring 1999', '2024///'."""
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def join_pages(start: str, end: str) -> str:
    """SP + EP -> '12-19'; SP alone when it is already a range or when EP adds nothing."""
    start, end = clean(start), clean(end)
    if not start:
        return end
    if not end or end == start or "-" in start or "\u2013" in start:
        return start
    return f"{start}-{end}"


def pmid_digits(value: str) -> str:
    """'PUBMED 21314913', '21314913', 'PMID: 21314913' -> '21314913'; '' if no id."""
    value = value.strip()
    if not value:
        return ""
    match = _DIGITS.search(value)
    if not match:
        return ""
    rest = value[: match.start()] + value[match.end() :]
    # Only accept a lone id with an optional label, not a citation full of numbers.
    if re.sub(r"[\s:;.#]|pubmed|pmid|medline", "", rest, flags=re.IGNORECASE):
        return ""
    return match.group(0)


def pmid_in_url(value: str) -> str:
    match = _PUBMED_URL.search(value)
    return match.group(1) if match else ""


def split_authors_cell(value: str) -> list[str]:
    """One CSV cell holding many authors -> one name per item.

    'Bywater, T; Hutchings, J' (';'), 'Yang, Z. and Jiang, B.' (Rayyan), and the comma
    lists of PubMed and Embase ('Griffin DK, Larkin DM, O'Connor RE.', 'Liu R., Adler D.G.').
    A single 'Smith, John' stays one name: commas split only when every part looks like
    'Surname Initials'.
    """
    value = clean(value)
    if not value:
        return []
    if ";" in value:
        parts = value.split(";")
    elif " and " in value:
        parts = value.split(" and ")
    elif "," in value:
        parts = value.split(",")
        stripped = [p.strip() for p in parts if p.strip() and p.strip() not in ("et al", "et al.")]
        if len(stripped) < 2 or not all(_SURNAME_INITIALS.match(p) for p in stripped):
            return [value]
        # PubMed ends the list with a full stop: 'O'Connor RE.' -> 'O'Connor RE'.
        if stripped[-1].endswith(".") and not any(p.endswith(".") for p in stripped[:-1]):
            stripped[-1] = stripped[-1][:-1]
        return stripped
    else:
        parts = [value]
    return [p.strip() for p in parts if p.strip()]


def split_keywords(values: Iterable[str]) -> list[str]:
    """Keyword values -> one keyword per item; a value holding ';' is a list of several."""
    seen: dict[str, None] = {}  # an ordered set
    for value in values:
        if ";" in value:
            for part in value.split(";"):
                if part := clean(part):
                    seen[part] = None
        elif value := clean(value):
            seen[value] = None
    return list(seen)


def join_abstracts(values: Iterable[str]) -> str:
    """Several abstract values -> one text: duplicates (and values contained in another) dropped.

    Newlines inside an abstract (paragraphs) are kept; surrounding space is not.
    """
    values = [v for v in values if v.strip()]
    if len(values) <= 1:
        return values[0].strip() if values else ""
    kept: list[str] = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        key = clean(value)
        if any(key in clean(k) for k in kept):
            continue
        kept = [k for k in kept if clean(k) not in key]
        kept.append(value)
    return " ".join(kept)


def first_url(value: str) -> str:
    """The first URL of a value that may hold several separated by ';' or whitespace."""
    for part in re.split(r"[;\s]+", value.strip()):
        if part:
            return part
    return ""


# Helpers over a record's field table (tag -> str or list[str]), shared by the tagged formats.
# They run once per record of files with 100,000 records: a field holding a single string,
# by far the most common case, builds no list.


def first_value(fields: dict, tags: tuple[str, ...]) -> tuple[str, str]:
    """(tag, cleaned value) of the first tag with a non-empty value; ("", "") if none."""
    for tag in tags:
        value = fields.get(tag)
        if value is None:
            continue
        if type(value) is str:
            if value := clean(value):
                return tag, value
        elif value := first_nonempty(value):
            return tag, value
    return "", ""


def all_values(fields: dict, tags: tuple[str, ...]) -> list[str]:
    """Every value of the tags, in order of the tags."""
    values: list[str] = []
    for tag in tags:
        value = fields.get(tag)
        if type(value) is str:
            values.append(value)
        elif value is not None:
            values.extend(as_list(value))
    return values


def first_doi(values: Iterable[str]) -> str:
    for value in values:
        if doi := normalise_doi(value):
            return doi
    return ""


def first_pmid(values: Iterable[str]) -> str:
    for value in values:
        if pmid := pmid_digits(value):
            return pmid
    return ""


def year_of(fields: dict, tags: tuple[str, ...], warnings: list[str]) -> tuple[int | None, str]:
    """(year, the value it was read from) of the first year tag; a warning if not understood."""
    tag, text = first_value(fields, tags)
    if not text:
        return None, ""
    year = parse_year(text)
    if year is None:
        warnings.append(f"year not understood: {tag} {text!r}")
    return year, text


def title_of(fields: dict, tags: tuple[str, ...], warnings: list[str]) -> str:
    title = first_value(fields, tags)[1]
    if not title:
        warnings.append("no title")
    return title


def strip_major(heading: str) -> str:
    """A subject heading without the '*' that MEDLINE and Ovid put before a major topic."""
    return heading.lstrip("*").strip()
