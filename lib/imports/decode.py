"""Choosing a file's text encoding and opening it as a byte-counting text stream."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import BinaryIO

SCAN_CHUNK = 1 << 20  # 1 MiB: the whole-file encoding check never holds more than this

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str  # a Python codec name: "utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"
    whitespace_only: bool  # the file holds nothing but whitespace (and perhaps a BOM)
    replaced: int = 0  # undecodable byte sequences replaced by U+FFFD (0 unless the BOM lied)
    nul_at: int | None = None  # offset of the first NUL byte: no text export has one


def choose_encoding(f: BinaryIO) -> Encoding:
    """Pick the encoding by reading the whole file, in chunks, decoding in C.

    BOM -> utf-8-sig / utf-16; else valid UTF-8 -> utf-8; else cp1252 if every byte
    decodes; else latin-1 (which always does). Leaves f at position 0.
    """
    f.seek(0)
    head = f.read(4)
    if head.startswith(UTF16_BOMS):
        # Every ASCII character has a NUL byte in UTF-16, so none is looked for.
        scan = _scan(f, "utf-16", lenient=True, find_nul=False)
        return Encoding("utf-16", scan.blank, scan.bad)
    if head.startswith(UTF8_BOM):
        scan = _scan(f, "utf-8-sig", lenient=True)
        return Encoding("utf-8-sig", scan.blank, scan.bad, scan.nul_at)
    scan = _scan(f, "utf-8")
    if scan.ok:
        return Encoding("utf-8", scan.blank, nul_at=scan.nul_at)
    nul_at = scan.nul_at
    scan = _scan(f, "cp1252", find_nul=False)
    if scan.ok:
        return Encoding("cp1252", scan.blank, nul_at=nul_at)
    scan = _scan(f, "latin-1", find_nul=False)
    return Encoding("latin-1", scan.blank, nul_at=nul_at)


@dataclass(slots=True)
class _Scan:
    ok: bool = True  # every byte decoded
    blank: bool = True  # nothing but whitespace
    bad: int = 0  # sequences replaced by U+FFFD (lenient scans only)
    nul_at: int | None = None


def _scan(f: BinaryIO, encoding: str, *, lenient: bool = False, find_nul: bool = True) -> _Scan:
    """Decode the whole file; a strict scan stops at the first undecodable byte."""
    f.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("replace" if lenient else "strict")
    scan = _Scan()
    offset = 0
    try:
        while True:
            chunk = f.read(SCAN_CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            if scan.blank and text and not text.isspace():
                scan.blank = False
            if lenient:
                scan.bad += text.count("\ufffd")
            if find_nul and scan.nul_at is None and (at := chunk.find(b"\x00")) >= 0:
                scan.nul_at = offset + at
            if not chunk:
                return scan
            offset += len(chunk)
    except UnicodeDecodeError:
        scan.ok = False
        return scan
    finally:
        f.seek(0)


class CountingRaw(io.RawIOBase):
    """A raw stream over a binary file that counts the bytes handed up (for progress bars)."""

    def __init__(self, f: BinaryIO):
        self._f = f
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._f.readinto(buffer)  # type: ignore[attr-defined]
        n = n or 0
        self.count += n
        return n


def open_text(
    f: BinaryIO, encoding: str, *, errors: str = "strict"
) -> tuple[io.TextIOWrapper, CountingRaw]:
    """A universal-newline text stream over f (from its start) and its byte counter.

    newline=None turns CRLF, LF, bare CR and any mix of them into "\\n".
    """
    f.seek(0)
    raw = CountingRaw(f)
    buffered = io.BufferedReader(raw, buffer_size=1 << 16)
    text = io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline=None)
    return text, raw


def decode_head(data: bytes, encoding: str) -> str:
    """Decode the first bytes of a file, tolerating a character cut at the end."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    return decoder.decode(data, final=False)
