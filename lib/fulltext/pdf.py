"""Reading an uploaded full text: is it really a PDF, how many pages, what does it say.

Nothing about an upload is trusted: not its name, not its content type. The bytes must
start like a PDF, fit the size limit and open in pypdf with at least one page. The text of
the first pages is kept for matching the file to a report (``lib.fulltext.match``).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from lib.messages import describe, human_size

MAX_BYTES = 200 * 1024 * 1024
TEXT_PAGES = 3
TEXT_CHARS = 20_000
PAGE_BREAK = "\f"

_MAGIC = b"%PDF-"
_MAGIC_WINDOW = 1024  # viewers accept the header anywhere in the first KiB
_CHUNK = 1024 * 1024
# Uploads that are not plain files (a stream out of a ZIP) are copied to a temporary file
# first, because pypdf seeks back and forth; small ones stay in memory.
_SPOOL_IN_MEMORY = 8 * 1024 * 1024

# What a file that is not a PDF usually is, from its first bytes (after leading space).
_LOOKALIKES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"<!doctype html", "a web page"),
    (b"<html", "a web page"),
    (b"<?xml", "an XML file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip file"),
    (b"%!PS", "a PostScript file"),
)


class PdfError(Exception):
    """An upload that cannot be kept as a full text; ``message`` says why, naming the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class PdfInfo:
    pages: int
    # The first pages' text, pages separated by a form feed ("\f"), at most TEXT_CHARS.
    text: str
    title: str  # the document information /Title, "" when absent
    sha256: str
    size: int


def read_pdf(
    path_or_fileobj: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str,
    max_bytes: int = MAX_BYTES,
) -> PdfInfo:
    """Check and read one PDF; raises PdfError with a sentence naming ``filename``.

    A file object is read from its start and left open. A PDF whose pages hold no
    extractable text (a scan) is still valid, with text "".
    """
    if isinstance(path_or_fileobj, (str, os.PathLike)):
        with open(path_or_fileobj, "rb") as stream:
            return _read(stream, filename, max_bytes)
    fileobj = path_or_fileobj
    if _cheaply_seekable(fileobj):
        fileobj.seek(0)
        return _read(fileobj, filename, max_bytes)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        _copy_bounded(fileobj, spool, max_bytes)
        return _read(spool, filename, max_bytes)


def _read(stream: IO[bytes], filename: str, max_bytes: int) -> PdfInfo:
    head = stream.read(_MAGIC_WINDOW)
    # The header may sit anywhere in the first KiB, but a file that starts as something
    # else (a ZIP whose stored PDF entry carries the header inside it) is that something.
    starts_as_other = any(head.lstrip().startswith(magic) for magic, _ in _LOOKALIKES)
    if _MAGIC not in head or starts_as_other:
        raise PdfError(_not_a_pdf(filename, head))
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        size += len(chunk)
        if size > max_bytes:
            raise PdfError(_too_large(filename, max_bytes))
        digest.update(chunk)
    stream.seek(0)
    pages, texts, title = _open(stream, filename)
    return PdfInfo(
        pages=pages,
        text=PAGE_BREAK.join(texts)[:TEXT_CHARS],
        title=title,
        sha256=digest.hexdigest(),
        size=size,
    )


def _open(stream: IO[bytes], filename: str) -> tuple[int, list[str], str]:
    # pypdf raises many kinds of exception on malformed input (its own, but also KeyError,
    # ValueError, struct and zlib errors...); every one of them means the file is damaged.
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise PdfError(f"{filename} is encrypted and cannot be read.")
        pages = len(reader.pages)
    except PdfError:
        raise
    except (DependencyError, FileNotDecryptedError):
        # AES without the optional crypto library, or a user password.
        raise PdfError(f"{filename} is encrypted and cannot be read.") from None
    except Exception as error:
        raise PdfError(f"{filename} is damaged: {describe(error)}") from None
    if pages == 0:
        raise PdfError(f"{filename} has no pages.")
    return pages, list(_page_texts(reader)), _title(reader)


def _page_texts(reader: PdfReader) -> Iterable[str]:
    chars = 0
    for number in range(min(TEXT_PAGES, len(reader.pages))):
        if chars >= TEXT_CHARS:
            return
        try:
            text = reader.pages[number].extract_text() or ""
        except Exception:
            # One unreadable page (a broken font or content stream) leaves the others
            # readable, and the file is still a full text people can open.
            text = ""
        text = _clean(text)
        chars += len(text)
        yield text


def _title(reader: PdfReader) -> str:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:
        return ""  # a broken /Info dictionary does not make the pages unreadable
    return " ".join(_clean(str(title)).split()) if title else ""


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL characters, and some fonts map glyphs to them.
    return text.replace("\x00", "").strip()


def _not_a_pdf(filename: str, head: bytes) -> str:
    if not head:
        return f"{filename} is empty."
    start = head.lstrip()[:32]
    lowered = start.lower()
    for magic, kind in _LOOKALIKES:
        if lowered.startswith(magic.lower()):
            return f"{filename} is not a PDF (it starts like {kind})."
    if b"<html" in head.lower():
        return f"{filename} is not a PDF (it starts like a web page)."
    return f"{filename} is not a PDF."


def _too_large(filename: str, max_bytes: int) -> str:
    return f"{filename} is larger than {human_size(max_bytes)}."


def _cheaply_seekable(stream: IO[bytes]) -> bool:
    """A file on disk or bytes in memory, which pypdf can seek around in for free."""
    if isinstance(stream, io.BytesIO):
        return True
    try:
        stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return False
    return stream.seekable()


def _copy_bounded(source: IO[bytes], target: IO[bytes], max_bytes: int) -> None:
    """Copy at most max_bytes + 1 bytes: enough for _read to tell the file is too large."""
    copied = 0
    while copied <= max_bytes:
        chunk = source.read(min(_CHUNK, max_bytes + 1 - copied))
        if not chunk:
            break
        target.write(chunk)
        copied += len(chunk)
    target.seek(0)


# --- generating PDFs (the demo review and tests) ----------------------------------------

_PAGE_WIDTH, _PAGE_HEIGHT = 595, 842  # A4 in points
_MARGIN = 56
_TITLE_SIZE, _TITLE_LEADING, _TITLE_WRAP = 16, 20, 60
_BODY_SIZE, _BODY_LEADING, _BODY_WRAP = 10, 13, 95


def make_pdf(title: str, lines: Iterable[str] = (), doi: str = "") -> bytes:
    """A small valid PDF: the title, "doi: <doi>" and the lines, in Helvetica, text pypdf
    extracts; /Title is set in the document information. Pages are added as the lines need
    (one or two for the demo's papers). Same input, same bytes."""
    rows: list[tuple[str, str]] = [("title", row) for row in _wrap(title, _TITLE_WRAP)]
    if doi:
        rows.append(("body", f"doi: {doi}"))
    rows.append(("body", ""))
    for line in lines:
        rows.extend(("body", row) for row in _wrap(line, _BODY_WRAP) or [""])
    pages: list[bytes] = []
    current: list[bytes] = []
    y = _PAGE_HEIGHT - _MARGIN
    for style, row in rows:
        size, leading = (
            (_TITLE_SIZE, _TITLE_LEADING) if style == "title" else (_BODY_SIZE, _BODY_LEADING)
        )
        if y - leading < _MARGIN and current:
            pages.append(b"\n".join(current))
            current, y = [], _PAGE_HEIGHT - _MARGIN
        y -= leading
        if row:
            font = b"/F2" if style == "title" else b"/F1"
            current.append(
                b"BT %s %d Tf %d %d Td (%s) Tj ET" % (font, size, _MARGIN, y, _pdf_string(row))
            )
    pages.append(b"\n".join(current))
    return _assemble(pages, title)


def _wrap(text: str, width: int) -> list[str]:
    rows: list[str] = []
    row = ""
    for word in text.split():
        if row and len(row) + 1 + len(word) > width:
            rows.append(row)
            row = word
        else:
            row = f"{row} {word}" if row else word
    if row:
        rows.append(row)
    return rows


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")  # WinAnsiEncoding, the fonts' encoding
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _info_string(text: str) -> bytes:
    if text.isascii():
        return b"(%s)" % _pdf_string(text)
    return b"<%s>" % (b"\xfe\xff" + text.encode("utf-16-be")).hex().encode()


def _assemble(contents: list[bytes], title: str) -> bytes:
    count = len(contents)
    # Objects: 1 catalog, 2 page tree, 3-4 fonts, 5 info, then a page and its content each.
    page_ids = [6 + 2 * i for i in range(count)]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % n for n in page_ids), count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title %s /Producer (Sift) >>" % _info_string(title),
    ]
    for page_id, content in zip(page_ids, contents, strict=True):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % (_PAGE_WIDTH, _PAGE_HEIGHT, page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


__all__ = ["MAX_BYTES", "PdfError", "PdfInfo", "make_pdf", "read_pdf"]
