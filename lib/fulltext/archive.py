"""Unpacking a ZIP of full texts, refusing archives that could harm the server.

The whole archive is checked before the first PDF is handed out: unsafe entry names
(absolute, a drive letter, ".." parts), too many entries, a declared total too large, or an
entry compressed far better than any PDF is (a zip bomb) refuse it all. While an entry is
read, the bytes actually produced are counted too, in case the declared sizes lie.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import IO

from lib.fulltext._messages import describe, human_size

MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_RATIO = 100
# Tiny entries compress absurdly well without harm (a 2 KB run of spaces); the ratio is only
# a sign of a bomb once an entry is big.
RATIO_MIN_BYTES = 1024 * 1024

_DRIVE = re.compile(r"^[A-Za-z]:")
_SUPPORTED = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


class ArchiveError(Exception):
    """A ZIP that is refused as a whole; ``message`` says why, naming the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def iter_zip_pdfs(
    path_or_fileobj: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str,
    max_entries: int = MAX_ENTRIES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: float = MAX_RATIO,
    on_count: Callable[[int], object] | None = None,
) -> Iterator[tuple[str, IO[bytes]]]:
    """Yield (entry name, stream) for each ``.pdf`` entry, in archive order.

    Directories, ``__MACOSX/`` and dotfiles are skipped, and so is every other kind of file.
    Each stream is valid until the next item is requested. A file object must be seekable;
    it is left open. Raises ArchiveError, before yielding anything, when the archive is not
    a ZIP or is refused; and while an entry is read, when it turns out damaged. `on_count`
    hears how many PDFs the archive holds once it is accepted, before the first is yielded.
    """
    _check_magic(path_or_fileobj, filename)
    try:
        archive = zipfile.ZipFile(path_or_fileobj)
    except zipfile.BadZipFile as error:
        raise ArchiveError(f"{filename} is damaged: {describe(error)}") from None
    except (OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ArchiveError(
            f"{filename} cannot be read as a ZIP archive: {describe(error)}"
        ) from None
    with archive:
        entries = _checked_entries(archive, filename, max_entries, max_total_bytes, max_ratio)
        if on_count is not None:
            on_count(len(entries))
        for info in entries:
            try:
                raw = archive.open(info)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError) as error:
                # RuntimeError: a compression module missing from this Python build.
                raise ArchiveError(_damaged_entry(filename, info, error)) from None
            with raw:
                yield info.filename, io.BufferedReader(_Bounded(raw, info, filename))


def _checked_entries(
    archive: zipfile.ZipFile,
    filename: str,
    max_entries: int,
    max_total_bytes: int,
    max_ratio: float,
) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise ArchiveError(
            f"{filename} has {len(infos):,} entries; at most {max_entries:,} are accepted."
        )
    total = 0
    pdfs = []
    for info in infos:
        name = info.filename
        if _unsafe(name):
            raise ArchiveError(f"{filename} holds an unsafe file name ({name}).")
        total += info.file_size
        if total > max_total_bytes:
            raise ArchiveError(
                f"{filename} would unpack to more than {human_size(max_total_bytes)}."
            )
        if info.file_size > RATIO_MIN_BYTES and (
            info.compress_size == 0 or info.file_size / info.compress_size > max_ratio
        ):
            raise ArchiveError(
                f"{filename} looks like a zip bomb: {name} is compressed more than "
                f"{max_ratio:g} to 1."
            )
        if not _wanted(info):
            continue
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{filename} is encrypted ({name} needs a password).")
        if info.compress_type not in _SUPPORTED:
            raise ArchiveError(
                f"{filename} uses a compression method that cannot be read ({name}); "
                "re-create it with ordinary (deflate) compression."
            )
        pdfs.append(info)
    return pdfs


def _unsafe(name: str) -> bool:
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _wanted(info: zipfile.ZipInfo) -> bool:
    if info.is_dir():
        return False
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    if not parts or parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts):
        return False
    return parts[-1].lower().endswith(".pdf")


def _check_magic(path_or_fileobj: str | os.PathLike[str] | IO[bytes], filename: str) -> None:
    if isinstance(path_or_fileobj, (str, os.PathLike)):
        with open(path_or_fileobj, "rb") as stream:
            head = stream.read(4)
    else:
        path_or_fileobj.seek(0)
        head = path_or_fileobj.read(4)
        path_or_fileobj.seek(0)
    if not head:
        raise ArchiveError(f"{filename} is empty.")
    if head not in _ZIP_MAGIC:
        raise ArchiveError(f"{filename} is not a ZIP archive.")


class _Bounded(io.RawIOBase):
    """An entry's bytes, stopping with ArchiveError past the size its header declared."""

    def __init__(self, raw: IO[bytes], info: zipfile.ZipInfo, filename: str) -> None:
        self._raw = raw
        self._info = info
        self._filename = filename
        self._left = info.file_size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = len(buffer)
        try:
            # One byte beyond what is left is enough to tell the declared size was a lie.
            data = self._raw.read(min(want, self._left + 1))
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            raise ArchiveError(_damaged_entry(self._filename, self._info, error)) from None
        if len(data) > self._left:
            raise ArchiveError(
                f"{self._filename} is damaged: {self._info.filename} holds more than the "
                f"{self._info.file_size:,} bytes it declares."
            )
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


def _damaged_entry(filename: str, info: zipfile.ZipInfo, error: BaseException) -> str:
    return f"{filename} is damaged: {info.filename} cannot be unpacked: {describe(error)}"
