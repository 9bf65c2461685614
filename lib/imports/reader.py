"""open_export: detect a file's format and stream its records."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from . import bibtex, csl_json, endnote_tagged, endnote_xml, medline, ovid, pubmed_xml, ris, wos
from .decode import CountingRaw, open_text
from .detect import TABULAR, Detection, detect
from .problems import record_problems
from .records import ImportFileError, ParsedRecord, check_bounds
from .tabular import pick_columns, read_table, used_columns
from .xlsx import Sheet, read_xlsx

Warn = Callable[[str, str], None]
TextReader = Callable[..., Iterator[ParsedRecord]]

# Text formats: (reader of a universal-newline text stream, the fields that feed a
# normalised field; the other fields are counted in ExportReader.unmapped_fields).
TEXT_READERS: dict[str, tuple[TextReader, frozenset[str]]] = {
    "ris": (ris.read_ris, ris.FEEDS),
    "medline": (medline.read_medline, medline.FEEDS),
    "wos": (wos.read_wos, wos.FEEDS),
    "endnote-xml": (endnote_xml.read_endnote_xml, endnote_xml.FEEDS),
    "endnote-tagged": (endnote_tagged.read_endnote_tagged, endnote_tagged.FEEDS),
    "bibtex": (bibtex.read_bibtex, bibtex.FEEDS),
    "ovid": (ovid.read_ovid, ovid.FEEDS),
    "pubmed-xml": (pubmed_xml.read_pubmed_xml, pubmed_xml.FEEDS),
    "csl-json": (csl_json.read_csl_json, csl_json.FEEDS),
}

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
    `columns` is a table's header (None for tagged formats). `unmapped_fields` counts, per
    field the file has that feeds no normalised field, the records with a value in it:
    complete after an iteration (for a table also before one: it is then counted in a
    separate pass over the file). Iterating again starts over from the beginning.
    """

    def __init__(
        self,
        f: BinaryIO,
        *,
        name: str,
        size: int,
        detection: Detection,
        path: str | os.PathLike[str] | None = None,
        column_mapping: Mapping[str, str] | None = None,
    ):
        self._f = f
        self._detection = detection
        self._raw: CountingRaw | None = None
        self._path = path
        self._mapping = dict(column_mapping or {})
        self._rows_read = [0]  # XLSX: sheet rows read, for bytes_read
        self._unmapped: dict[str, int] | None = None  # counts of a finished iteration
        self._counting: dict[str, int] = {}  # counts of the iteration under way
        self._iterating = False
        self._finished = False  # an iteration ran to the end
        self.name = name
        self.format = detection.format
        self.encoding = detection.encoding.name
        self.size = size
        self.warnings: list[str] = []
        self.columns: list[str] | None = (
            list(detection.header.columns)
            if detection.format in TABULAR and detection.header is not None
            else None
        )

    @property
    def bytes_read(self) -> int:
        if self.format == "xlsx":  # openpyxl reads the zip as it likes: estimate from rows
            rows = self._detection.rows
            if self._finished:
                return self.size
            return min(self.size, self.size * self._rows_read[0] // rows) if rows else 0
        return self._raw.count if self._raw is not None else 0

    @property
    def unmapped_fields(self) -> dict[str, int]:
        if self._unmapped is None and self.columns is not None and not self._iterating:
            self._unmapped = self._count_unmapped()
        return dict(self._unmapped if self._unmapped is not None else self._counting)

    def _count_unmapped(self) -> dict[str, int]:
        """A table's counts before it was read: one pass over the file with a second reader.

        A file that fails part way gives the counts up to there; iterating this reader then
        raises the error.
        """
        if self._path is None:
            return {}
        again = open_export(self._path, filename=self.name, column_mapping=self._mapping)
        with again:
            try:
                for _ in again:
                    pass
            except ImportFileError:
                pass
        return dict(again._counting)

    def __iter__(self) -> Iterator[ParsedRecord]:
        collected = FileWarnings()
        self.warnings = collected.messages
        replaced = self._detection.encoding.replaced
        if replaced:
            collected.add(
                "encoding",
                f"{replaced} byte sequences were not valid UTF-8 and were replaced by '\ufffd'",
            )
        counting: dict[str, int] = {}
        self._counting, self._unmapped, self._iterating = counting, None, True
        self._finished = False
        stream: io.TextIOWrapper | None = None
        if self.format == "xlsx":
            self._rows_read[0] = 0
            assert self._detection.header is not None
            sheet = Sheet(self._detection.header, self._detection.rows)
            picks = pick_columns(sheet.header.columns, self._mapping)
            used = used_columns(sheet.header.columns, picks)
            records = read_xlsx(
                self._f,
                sheet,
                warn=collected.add,
                mapping=self._mapping,
                progress=self._rows_read,
            )
        else:
            errors = "replace" if replaced else "strict"
            stream, self._raw = open_text(self._f, self.encoding, errors=errors)
            if self.format in TEXT_READERS:
                read, used = TEXT_READERS[self.format]
                records = read(stream, warn=collected.add)
            else:
                header = self._detection.header
                assert header is not None
                used = used_columns(header.columns, pick_columns(header.columns, self._mapping))
                records = read_table(stream, header, warn=collected.add, mapping=self._mapping)
        if self.columns is not None:
            counting.update((c, 0) for c in self.columns if c not in used)
        count = 0
        try:
            for record in records:
                count += 1
                check_bounds(record)
                record.problems = record_problems(record)
                fields = record.raw_fields
                for key in fields.keys() - used:
                    if key.lower() in used:
                        continue
                    counting[key] = counting.get(key, 0) + (1 if fields[key] else 0)
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
            self._iterating = False
            collected.finish()
            if stream is not None:
                stream.detach()  # keep self._f open for a later iteration or close()
        if count == 0:
            raise ImportFileError(f"no records found in {self.name}")
        self._unmapped, self._finished = counting, True

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


def open_export(
    path: str | os.PathLike[str],
    *,
    filename: str = "",
    column_mapping: Mapping[str, str] | None = None,
) -> ExportReader:
    """Open a search-results export, detecting its format from its content.

    Raises ImportFileError at once when the file is empty, binary, a PDF, an archive or an
    unsupported spreadsheet, or not recognised at all, and when a table has no title column
    (the error's `columns` then lists its header). `filename` (the name the user uploaded)
    is used in messages only. `column_mapping` maps a table's header (exact text) to one
    of TARGET_FIELDS or "ignore", overriding the columns recognised by their names.
    """
    name = filename or Path(path).name
    f = open(path, "rb")  # noqa: SIM115 - the reader owns it until close()
    try:
        size = os.fstat(f.fileno()).st_size
        detection = detect(f, name, size, column_mapping)
    except BaseException:
        f.close()
        raise
    return ExportReader(
        f, name=name, size=size, detection=detection, path=path, column_mapping=column_mapping
    )
