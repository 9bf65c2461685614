"""open_export: detect a file's format and stream its records."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from .decode import CountingRaw, open_text
from .detect import Detection, detect
from .records import ImportFileError, ParsedRecord
from .ris import read_ris
from .tabular import read_table

# A file-level warning of one kind is spelt out this many times, then summarised, so that a
# file with 100,000 broken records does not carry 100,000 warnings.
WARNINGS_PER_KIND = 10


class FileWarnings:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self._counts: dict[str, int] = {}

    def add(self, kind: str, message: str) -> None:
        count = self._counts.get(kind, 0) + 1
        self._counts[kind] = count
        if count <= WARNINGS_PER_KIND:
            self.messages.append(message)

    def finish(self) -> None:
        for kind, count in self._counts.items():
            if count > WARNINGS_PER_KIND:
                self.messages.append(
                    f"... and {count - WARNINGS_PER_KIND} more warnings like these ({kind})"
                )


class ExportReader:
    """The records of one export file, read lazily.

    `warnings` is complete once iteration has finished; `bytes_read` grows while it runs.
    Iterating again starts over from the beginning of the file.
    """

    def __init__(self, f: BinaryIO, *, name: str, size: int, detection: Detection):
        self._f = f
        self._detection = detection
        self._raw: CountingRaw | None = None
        self.name = name
        self.format = detection.format
        self.encoding = detection.encoding.name
        self.size = size
        self.warnings: list[str] = []

    @property
    def bytes_read(self) -> int:
        return self._raw.count if self._raw is not None else 0

    def __iter__(self) -> Iterator[ParsedRecord]:
        collected = FileWarnings()
        self.warnings = collected.messages
        replaced = self._detection.encoding.replaced
        if replaced:
            collected.add(
                "encoding",
                f"{replaced} byte sequences were not valid UTF-8 and were replaced by '\ufffd'",
            )
        errors = "replace" if replaced else "strict"
        stream, self._raw = open_text(self._f, self.encoding, errors=errors)
        if self.format == "ris":
            records = read_ris(stream, warn=collected.add)
        else:
            assert self._detection.header is not None
            records = read_table(stream, self._detection.header, warn=collected.add)
        count = 0
        try:
            for record in records:
                count += 1
                yield record
        except ImportFileError as exc:
            raise ImportFileError(
                f"{self.name}: {_strip_where(exc)}", line=exc.line, record=exc.record
            ) from None
        except UnicodeDecodeError as exc:  # the encoding scan makes this unexpected
            raise ImportFileError(
                f"{self.name}: cannot be decoded as {self.encoding} near byte {self.bytes_read}"
                f" ({exc.reason})"
            ) from None
        finally:
            collected.finish()
            stream.detach()  # keep self._f open for a later iteration or close()
        if count == 0:
            raise ImportFileError(f"no records found in {self.name}")

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> ExportReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _strip_where(exc: ImportFileError) -> str:
    """The message without the '(record N, line L)' suffix that the new error adds again."""
    message = exc.message
    if (exc.line is not None or exc.record is not None) and message.endswith(")"):
        message = message[: message.rfind(" (")]
    return message


def open_export(path: str | os.PathLike[str], *, filename: str = "") -> ExportReader:
    """Open a search-results export, detecting its format from its content.

    Raises ImportFileError at once when the file is empty, binary, a PDF, an archive or
    spreadsheet, a recognised format that is not supported yet, or not recognised at all.
    `filename` (the name the user uploaded) is used in messages only.
    """
    name = filename or Path(path).name
    f = open(path, "rb")  # noqa: SIM115 - the reader owns it until close()
    try:
        size = os.fstat(f.fileno()).st_size
        detection = detect(f, name, size)
    except BaseException:
        f.close()
        raise
    return ExportReader(f, name=name, size=size, detection=detection)
