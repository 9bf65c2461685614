"""Reading a ZIP that someone uploaded, refusing archives that could harm the server.

The one home of the ZIP rules of every upload: bulk uploads of full texts
(`lib.fulltext.archive.iter_zip_pdfs`) and whole-review archives (`reporting.archive`).

- `open_zip`: the file must be a ZIP (its first bytes say so) that zipfile can read.
- `checked_entries`: the whole archive is checked before the first entry is read: unsafe
  entry names (absolute, a drive letter, ".." parts, NUL; backslashes where the caller says
  so), too many entries, a declared total too large, a big entry compressed far better than
  real data is (a zip bomb), an encrypted entry or a compression method not read refuse it
  all, naming the archive and the entry.
- `open_entry` / `bounded`: while an entry is read, the bytes actually produced are counted,
  in case the declared sizes lie; a damaged entry is refused with the same wording.

Every refusal is an ArchiveError whose ``message`` is a sentence naming the file.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from lib.messages import describe, human_size

# Tiny entries compress absurdly well without harm (a 2 KB run of spaces); the ratio is only
# a sign of a bomb once an entry is big.
RATIO_MIN_BYTES = 1024 * 1024
# Every method this Python reads; a caller may accept fewer.
READABLE_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)

_DRIVE = re.compile(r"^[A-Za-z]:")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

Source = str | os.PathLike[str] | IO[bytes]


class ArchiveError(Exception):
    """A ZIP that is refused as a whole; ``message`` says why, naming the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ZipLimits:
    """What one kind of upload accepts."""

    max_entries: int
    max_total_bytes: int
    max_ratio: float
    ratio_min_bytes: int = RATIO_MIN_BYTES
    methods: frozenset[int] = READABLE_METHODS
    # Windows tools write "dir\\a.pdf"; an archive Sift wrote never holds a backslash.
    backslash_names: bool = True


def check_magic(source: Source, filename: str) -> None:
    """Refuse an empty file, or one whose first bytes are not a ZIP's. A file object is
    rewound to the start (it must be seekable)."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            head = stream.read(4)
    else:
        source.seek(0)
        head = source.read(4)
        source.seek(0)
    if not head:
        raise ArchiveError(f"{filename} is empty.")
    if head not in _ZIP_MAGIC:
        raise ArchiveError(f"{filename} is not a ZIP archive.")


def open_zip(source: Source, filename: str) -> zipfile.ZipFile:
    """The ZIP, read; ArchiveError when it is not one or zipfile cannot read its directory.
    A file object is left open (closing the ZipFile does not close it)."""
    check_magic(source, filename)
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        raise ArchiveError(f"{filename} is damaged: {describe(error)}") from None
    except (OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ArchiveError(
            f"{filename} cannot be read as a ZIP archive: {describe(error)}"
        ) from None


def unsafe_name(name: str, *, backslash_allowed: bool = True) -> bool:
    """True for a name that could land outside the folder it is unpacked into."""
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or "\x00" in name:
        return True
    if not backslash_allowed and "\\" in name:
        return True
    return ".." in re.split(r"[/\\]", name)


def checked_entries(
    archive: zipfile.ZipFile,
    filename: str,
    limits: ZipLimits,
    wanted: Callable[[zipfile.ZipInfo], bool] = lambda info: True,
) -> list[zipfile.ZipInfo]:
    """The entries `wanted` keeps, in archive order, once the whole archive passed `limits`.

    Names, sizes and ratios are checked on every entry; encryption and the compression
    method only on the wanted ones (the others are never read)."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ArchiveError(
            f"{filename} has {len(infos):,} entries; at most {limits.max_entries:,} are accepted."
        )
    total = 0
    kept = []
    for info in infos:
        name = info.filename
        if unsafe_name(name, backslash_allowed=limits.backslash_names):
            raise ArchiveError(f"{filename} holds an unsafe file name ({name}).")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveError(
                f"{filename} would unpack to more than {human_size(limits.max_total_bytes)}."
            )
        if info.file_size > limits.ratio_min_bytes and (
            info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio
        ):
            raise ArchiveError(
                f"{filename} looks like a zip bomb: {name} is compressed more than "
                f"{limits.max_ratio:g} to 1."
            )
        if not wanted(info):
            continue
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{filename} is encrypted ({name} needs a password).")
        if info.compress_type not in limits.methods:
            raise ArchiveError(
                f"{filename} uses a compression method that cannot be read ({name}); "
                "re-create it with ordinary (deflate) compression."
            )
        kept.append(info)
    return kept


@contextmanager
def open_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str
) -> Iterator[io.BufferedReader]:
    """An entry's bytes, bounded by its declared size; a damaged entry is an ArchiveError."""
    try:
        raw = archive.open(info)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError) as error:
        # RuntimeError: a compression module missing from this Python build.
        raise ArchiveError(_damaged_entry(filename, info, error)) from None
    with raw:
        yield bounded(raw, info, filename)


def bounded(raw: IO[bytes], info: zipfile.ZipInfo, filename: str) -> io.BufferedReader:
    """`raw` (an opened entry) read through BoundedEntry."""
    return io.BufferedReader(BoundedEntry(raw, info, filename))


class BoundedEntry(io.RawIOBase):
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
