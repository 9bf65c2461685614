"""One streaming record splitter for the line-tagged formats: MEDLINE, Web of Science, EndNote.

Each line is a tag line ('TI  - ...', 'TI ...', '%T ...'), a continuation of the previous
value, or blank. A Syntax says how a line is read and where records begin and end; the
splitter yields each record's field table and its own lines, one record in memory at a time.
Field tables are built like ris.py's: a tag's first value is a string, a repeated tag a
list; a continuation line is one more value of an item tag (an author per line in Web of
Science), otherwise it continues the previous value after a newline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .records import ImportFileError

Warn = Callable[[str, str], None]
LineParser = Callable[[str], tuple[str | None, str]]


@dataclass(frozen=True, slots=True)
class Syntax:
    parse_line: LineParser  # -> (tag, value), or (None, stripped line) for any other line
    start_tags: frozenset[str]  # met again inside a record, it begins the next record
    item_tags: frozenset[str] = frozenset()
    end_tag: str = ""  # the tag that ends a record (Web of Science 'ER'); "" = a blank line
    file_tags: frozenset[str] = frozenset()  # file header and footer tags, never a record's


@dataclass(slots=True)
class Split:
    fields: dict[str, Any]
    lines: list[str]  # the record's own lines, as read
    start: int  # 1-based line of its first line
    ordinal: int


def split_records(lines: Iterable[str], syntax: Syntax, *, warn: Warn) -> Iterator[Split]:
    parse_line = syntax.parse_line
    start_tags, item_tags = syntax.start_tags, syntax.item_tags
    end_tag, file_tags = syntax.end_tag, syntax.file_tags
    current: Split | None = None
    last_tag = ""
    lineno = ordinal = skipped = 0
    first_skipped = ""
    line = ""

    for line in lines:
        lineno += 1
        if line.startswith("\ufeff"):  # a BOM left mid-file by concatenated exports
            line = line.lstrip("\ufeff")
        tag, value = parse_line(line)
        if current is None:
            if tag is None or tag in file_tags or tag == end_tag:
                if value and tag not in file_tags:
                    skipped += 1
                    first_skipped = first_skipped or f"line {lineno}: {value[:60]!r}"
                continue
            ordinal += 1
            current = Split({tag: value}, [line], lineno, ordinal)
            last_tag = tag
            continue

        if tag is None:
            if not value:  # a blank line
                if not end_tag:
                    yield _finish(current)
                    current = None
                else:
                    current.lines.append(line)
                continue
            current.lines.append(line)
            _continue(current.fields, last_tag, value, last_tag in item_tags)
        elif tag == end_tag:
            current.lines.append(line)
            yield current
            current = None
        elif tag in file_tags or (tag in start_tags and tag in current.fields):
            if end_tag:
                warn(
                    "no-end",
                    f"record {current.ordinal} (line {current.start}) has no {end_tag} end tag "
                    f"before the next {tag}",
                )
            yield _finish(current)
            current = None
            if tag not in file_tags:
                ordinal += 1
                current = Split({tag: value}, [line], lineno, ordinal)
                last_tag = tag
        else:
            current.lines.append(line)
            _add(current.fields, tag, value)
            last_tag = tag

    if current is not None:
        if end_tag:
            if not line.endswith("\n"):
                raise ImportFileError(
                    f"the file seems truncated: record {current.ordinal} starting at line "
                    f"{current.start} has no end ({end_tag}) line and the file stops in the "
                    "middle of a line",
                    line=lineno,
                    record=current.ordinal,
                )
            warn(
                "no-end",
                f"record {current.ordinal} (line {current.start}) has no {end_tag} end tag at "
                "the end of the file",
            )
        yield _finish(current)
    if skipped:
        warn(
            "skipped",
            f"1 line outside the records was skipped ({first_skipped})"
            if skipped == 1
            else f"{skipped} lines outside the records were skipped (first at {first_skipped})",
        )


def _finish(split: Split) -> Split:
    """The record without the blank lines that trail it (they separate records)."""
    lines = split.lines
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return split


def _add(fields: dict[str, Any], tag: str, value: str) -> None:
    current = fields.get(tag)
    if current is None:
        fields[tag] = value
    elif type(current) is list:
        current.append(value)
    else:
        fields[tag] = [current, value]


def _continue(fields: dict[str, Any], tag: str, value: str, item: bool) -> None:
    current = fields.get(tag)
    if item:
        _add(fields, tag, value)
    elif type(current) is list:
        current[-1] = f"{current[-1]}\n{value}" if current[-1] else value
    elif current:
        fields[tag] = f"{current}\n{value}"
    else:
        fields[tag] = value


def first_fields(lines: Iterable[str], syntax: Syntax) -> dict[str, Any]:
    """The field table of the first record in lines (fields_from_raw's helper)."""
    try:
        split = next(split_records(lines, syntax, warn=lambda *_: None), None)
    except ImportFileError:
        return {}
    return split.fields if split else {}
