"""ExportReader: attributes, laziness, progress, closing, iterating again."""

from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import ExportReader, ImportFileError, open_export

Write = Callable[..., Path]

RECORD = "TY  - JOUR\nTI  - Title {i}\nAB  - " + "x" * 500 + "\nER  - \n\n"


def test_attributes(export_file: Write) -> None:
    path = export_file(RECORD.format(i=1))
    with open_export(path, filename="mine.ris") as reader:
        assert isinstance(reader, ExportReader)
        assert (reader.format, reader.encoding, reader.size) == (
            "ris",
            "utf-8",
            path.stat().st_size,
        )
        assert reader.bytes_read == 0
        assert reader.warnings == []


def test_records_are_lazy_and_bytes_read_grows(export_file: Write) -> None:
    path = export_file("".join(RECORD.format(i=i) for i in range(2000)))
    seen = []
    with open_export(path) as reader:
        for record in reader:
            seen.append(reader.bytes_read)
            if record.ordinal == 1:
                assert reader.bytes_read < reader.size
        assert seen == sorted(seen)
        assert reader.bytes_read == reader.size
    assert len(seen) == 2000


def test_iterating_again_starts_over(export_file: Write) -> None:
    with open_export(export_file(RECORD.format(i=1) + RECORD.format(i=2))) as reader:
        first = [r.title for r in reader]
        second = [r.title for r in reader]
    assert first == second == ["Title 1", "Title 2"]


def test_close_closes_the_file(export_file: Write) -> None:
    reader = open_export(export_file(RECORD.format(i=1)))
    reader.close()
    with pytest.raises(ValueError):
        list(reader)


def test_filename_only_changes_messages(export_file: Write) -> None:
    path = export_file("Title,Year\nA,2000\n", name="looks-like.ris")
    with open_export(path, filename="upload.pdf") as reader:
        assert reader.format == "csv"
    with pytest.raises(ImportFileError, match=r"^upload\.pdf is empty"):
        open_export(export_file(b"", name="x.ris"), filename="upload.pdf")


def test_mid_file_error_names_file_record_and_line(export_file: Write) -> None:
    path = export_file(RECORD.format(i=1) + "TY  - JOUR\nTI  - cut")
    with open_export(path, filename="cut.ris") as reader:
        titles = []
        with pytest.raises(ImportFileError) as caught:
            for record in reader:
                titles.append(record.title)
    assert titles == ["Title 1"]
    assert caught.value.message.startswith("cut.ris: the file seems truncated")
    assert caught.value.message.endswith("(record 2, line 7)")


def test_columns_of_tables_and_tagged_formats(export_file: Write) -> None:
    with open_export(export_file("Title,Year\nA,2000\n", name="refs.csv")) as reader:
        assert reader.columns == ["Title", "Year"]
    with open_export(export_file(RECORD.format(i=1))) as reader:
        assert reader.columns is None


def test_problems_are_set_on_every_record(export_file: Write) -> None:
    with open_export(export_file(RECORD.format(i=1) + "TY  - JOUR\nER  - \n")) as reader:
        assert [r.problems for r in reader] == [[], ["no-title", "no-abstract"]]
