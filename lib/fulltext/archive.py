"""Unpacking a ZIP of full texts, refusing archives that could harm the server.

The ZIP rules themselves (safe names, entry count, declared total, zip bombs, lying sizes)
live in `lib.zipsafe`, shared with the whole-review archives; this module only says which
entries a bulk upload of full texts wants (the PDFs) and its limits.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import IO

from lib.zipsafe import ArchiveError, ZipLimits, checked_entries, open_entry, open_zip

__all__ = ["MAX_ENTRIES", "MAX_RATIO", "MAX_TOTAL_BYTES", "ArchiveError", "iter_zip_pdfs"]

MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_RATIO = 100


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
    limits = ZipLimits(max_entries, max_total_bytes, max_ratio)
    with open_zip(path_or_fileobj, filename) as archive:
        entries = checked_entries(archive, filename, limits, wanted=_is_pdf)
        if on_count is not None:
            on_count(len(entries))
        for info in entries:
            with open_entry(archive, info, filename) as stream:
                yield info.filename, stream


def _is_pdf(info: zipfile.ZipInfo) -> bool:
    if info.is_dir():
        return False
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    if not parts or parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts):
        return False
    return parts[-1].lower().endswith(".pdf")
