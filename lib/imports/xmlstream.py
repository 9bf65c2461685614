"""Streaming the record elements of an XML export (EndNote XML, PubMed XML) in bounded memory.

defusedxml's parser (no entity expansion, no external references) is fed the text stream in
chunks; a TreeBuilder hands over each finished record element with the line it started on
and detaches it from its parent, so memory holds the records of one chunk. Elements nested
deeper than MAX_DEPTH are refused (the field tables are built recursively). Whitespace and
byte order marks before the first '<' are skipped (an XML declaration must come first), and
line numbers still count from the file's first line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .records import ImportFileError

CHUNK = 1 << 16
MAX_DEPTH = 100  # PubMed nests about 8 deep, EndNote 5; far deeper is an attack

# (tag, depth below the root (the root is 0)) -> the element is a record, unless it is
# inside one already
IsRecord = Callable[[str, int], bool]


class RecordBuilder(ET.TreeBuilder):
    """Builds the tree as expat reads, queueing each finished outermost record element.

    `others_at`: the depth at which an element that is not a record is dropped once read
    (and counted), so that nothing but records accumulates below the root.
    """

    def __init__(self, is_record: IsRecord, others_at: int | None = None) -> None:
        super().__init__()
        self.parser: Any = None
        self.line_offset = 0
        self.done: deque[tuple[ET.Element, int]] = deque()
        self.others: dict[str, int] = {}
        self._is_record = is_record
        self._others_at = others_at
        self._open: list[ET.Element] = []
        self._record_at: int | None = None  # depth of the open outermost record
        self._record_line = 0

    def line(self) -> int:
        expat = self.parser.parser if self.parser is not None else None
        return (expat.CurrentLineNumber if expat is not None else 1) + self.line_offset

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        depth = len(self._open)
        if depth >= MAX_DEPTH:
            raise ImportFileError(
                f"the XML nests elements more than {MAX_DEPTH} deep", line=self.line()
            )
        element = super().start(tag, attrs)
        self._open.append(element)
        if self._record_at is None and self._is_record(tag, depth):
            self._record_at, self._record_line = depth, self.line()
        return element

    def end(self, tag: str) -> ET.Element:
        element = super().end(tag)
        self._open.pop()
        depth = len(self._open)
        if depth == self._record_at:
            self._record_at = None
            if self._open:
                self._open[-1].remove(element)
            self.done.append((element, self._record_line))
        elif self._record_at is None and depth == self._others_at and self._open:
            self._open[-1].remove(element)
            name = tag.rpartition("}")[2]
            self.others[name] = self.others.get(name, 0) + 1
        return element


def stream_records(stream: TextIO, builder: RecordBuilder) -> Iterator[tuple[ET.Element, int]]:
    """(record element, 1-based line where it starts), in file order."""
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True)
    builder.parser = parser
    first = True
    while True:
        chunk = stream.read(CHUNK)
        if first and chunk:
            lead = len(chunk) - len(chunk.lstrip("\ufeff \t\r\n"))
            while chunk and lead == len(chunk):  # only whitespace so far: read on
                builder.line_offset += chunk.count("\n")
                chunk = stream.read(CHUNK)
                lead = len(chunk) - len(chunk.lstrip("\ufeff \t\r\n"))
            builder.line_offset += chunk.count("\n", 0, lead)
            chunk = chunk[lead:]
            first = False
        try:
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
        except ET.ParseError as exc:
            line = exc.position[0] + builder.line_offset if exc.position else None
            raise ImportFileError(
                f"the XML is not well-formed: {_reason(exc)}", line=line
            ) from None
        except DefusedXmlException:
            raise ImportFileError(
                "the XML declares entities or external references, which are not read "
                "(they can be used to attack the server)"
            ) from None
        while builder.done:
            element, line = builder.done.popleft()
            element.tail = None  # the text after the record is not the record's
            yield element, line
        if not chunk:
            return


def _reason(exc: ET.ParseError) -> str:
    return re.sub(r": line \d+, column \d+$", "", str(exc))


def parse_record(raw_text: str) -> ET.Element | None:
    """One stored record element (its serialised text) parsed back; None if it is not XML."""
    parser = DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=True)
    try:
        parser.feed(raw_text)
        return parser.close()
    except (ET.ParseError, DefusedXmlException):
        return None


def serialise(element: ET.Element) -> str:
    """The element as XML text (ElementTree.tostring's output, faster, with carriage returns
    written as references: a parser would read a bare one back as a newline). A namespaced
    name ('{http://www.w3.org/1998/Math/MathML}mi', PubMed's MathML) gets its prefix
    declared on the element that uses it, so the text parses back to the same names."""
    out: list[str] = []
    _serialise(element, out, {})
    return "".join(out)


_PREFIXES = {"http://www.w3.org/1998/Math/MathML": "mml", "http://www.w3.org/1999/xlink": "xlink"}


def _name(name: str, declared: dict[str, str], new: dict[str, str]) -> str:
    if not name.startswith("{"):
        return name
    uri, _, local = name[1:].partition("}")
    prefix = declared.get(uri) or new.get(uri)
    if prefix is None:
        prefix = _PREFIXES.get(uri) or f"ns{len(declared) + len(new)}"
        new[uri] = prefix
    return f"{prefix}:{local}"


def _serialise(element: ET.Element, out: list[str], declared: dict[str, str]) -> None:
    new: dict[str, str] = {}
    tag = _name(str(element.tag), declared, new)
    attrs = (
        "".join(
            f' {_name(k, declared, new)}="{_escape(v, attribute=True)}"'
            for k, v in element.attrib.items()
        )
        if element.attrib
        else ""
    )
    if new:
        attrs += "".join(f' xmlns:{p}="{_escape(u, attribute=True)}"' for u, p in new.items())
        declared = {**declared, **new}
    text = element.text
    if not text and not len(element):
        out.append(f"<{tag}{attrs} />")
    else:
        out.append(f"<{tag}{attrs}>")
        if text:
            out.append(_escape(text))
        for child in element:
            _serialise(child, out, declared)
        out.append(f"</{tag}>")
    if element.tail:
        out.append(_escape(element.tail))


_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
_ATTRIBUTE_ESCAPES = (*_ESCAPES, ('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escape(text: str, attribute: bool = False) -> str:
    for char, reference in _ATTRIBUTE_ESCAPES if attribute else _ESCAPES:
        if char in text:
            text = text.replace(char, reference)
    return text


def add(fields: dict[str, Any], key: str, value: str) -> None:
    """A field table's value: a string, a list once the key repeats."""
    current = fields.get(key)
    if current is None:
        fields[key] = value
    elif type(current) is list:
        current.append(value)
    else:
        fields[key] = [current, value]
