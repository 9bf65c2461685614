"""Tables: a column_mapping names what a column is; columns and unmapped_fields describe them."""

from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import TARGET_FIELDS, ImportFileError, open_export
from lib.imports.tabular import COLUMNS

from .conftest import read_all

Write = Callable[..., Path]

UNKNOWN_TITLE = b"Name,Published,Notes,Empty\nA study,2001,n1,\nAnother,2002,,\n"


def test_target_fields_are_the_recognised_fields() -> None:
    assert set(TARGET_FIELDS) == set(COLUMNS)


def test_table_without_title_column_raises_with_its_columns(export_file: Write) -> None:
    with pytest.raises(ImportFileError) as caught:
        open_export(export_file(UNKNOWN_TITLE, "refs.csv"))
    assert caught.value.columns == ["Name", "Published", "Notes", "Empty"]
    assert "has no Title column (columns found: 'Name', 'Published'" in caught.value.message


def test_mapping_a_column_to_title_opens_it(export_file: Write) -> None:
    path = export_file(UNKNOWN_TITLE, "refs.csv")
    mapping = {"Name": "title", "Published": "year"}
    with open_export(path, column_mapping=mapping) as reader:
        assert reader.columns == ["Name", "Published", "Notes", "Empty"]
        records = list(reader)
    assert [(r.title, r.year) for r in records] == [("A study", 2001), ("Another", 2002)]
    assert records[0].raw_fields == {"Name": "A study", "Published": "2001", "Notes": "n1"}
    assert reader.unmapped_fields == {"Notes": 1, "Empty": 0}


def test_mapping_overrides_recognised_columns(export_file: Write) -> None:
    data = b"Title,Short title,Abstract,Year,PY\nLong one,Short,The text,2001,1999\n"
    mapping = {"Short title": "title", "Abstract": "ignore", "PY": "year"}
    _, [record] = read_all(export_file(data, "refs.csv"), column_mapping=mapping)
    assert (record.title, record.abstract, record.year) == ("Short", "", 1999)
    assert record.raw_fields["Abstract"] == "The text"  # ignored for fields, kept as raw


def test_mapped_column_feeds_only_its_field(export_file: Write) -> None:
    data = b"Title,DOI,Source\nT,10.1000/x,Nature\n"
    mapping = {"DOI": "url", "Source": "type"}
    _, [record] = read_all(export_file(data, "refs.csv"), column_mapping=mapping)
    assert (record.doi, record.url, record.journal, record.type) == ("", "10.1000/x", "", "Nature")


def test_mapping_headers_match_with_or_without_surrounding_spaces(export_file: Write) -> None:
    data = b"Name , When\nA, 2001\n"
    with open_export(export_file(data, "r.csv"), column_mapping={"Name": "title"}) as reader:
        [record] = list(reader)
    assert record.title == "A"


def test_unknown_mapping_target_is_refused(export_file: Write) -> None:
    with pytest.raises(ImportFileError, match="maps 'Name' to 'headline', which is not a field"):
        open_export(export_file(UNKNOWN_TITLE, "r.csv"), column_mapping={"Name": "headline"})


def test_headers_of_other_files_in_a_mapping_are_ignored(export_file: Write) -> None:
    data = b"Title,Year\nA,2001\n"
    _, [record] = read_all(export_file(data, "r.csv"), column_mapping={"Nom": "title"})
    assert record.title == "A"


def test_unmapped_fields_of_a_table_are_known_after_open(export_file: Write) -> None:
    data = b"Title,Year,Cited by,EID,Blank,Title\nA,2001,3,e1,,X\nB,2002,,e2,,\n"
    with open_export(export_file(data, "scopus.csv")) as reader:
        assert reader.columns == ["Title", "Year", "Cited by", "EID", "Blank", "Title.1"]
        assert reader.unmapped_fields == {"Cited by": 1, "EID": 2, "Blank": 0, "Title.1": 1}
        records = list(reader)
        assert reader.unmapped_fields == {"Cited by": 1, "EID": 2, "Blank": 0, "Title.1": 1}
    assert records[0].raw_fields["Title.1"] == "X"


def test_unmapped_fields_of_tagged_formats_after_iteration(export_file: Write) -> None:
    data = "TY  - JOUR\nTI  - A\nN1  - note\nZZ  - \nER  - \nTY  - JOUR\nTI  - B\nN1  - n\nER  - \n"
    with open_export(export_file(data)) as reader:
        assert reader.columns is None
        assert reader.unmapped_fields == {}
        list(reader)
        assert reader.unmapped_fields == {"N1": 2, "ZZ": 0}


def test_tagged_formats_ignore_a_mapping(export_file: Write) -> None:
    _, [record] = read_all(
        export_file("TY  - JOUR\nTI  - A\nER  - \n"), column_mapping={"TI": "ignore"}
    )
    assert record.title == "A"


def test_unmapped_fields_of_a_table_that_fails_part_way(export_file: Write) -> None:
    data = b'Title,Year,Note\nA,2001,x\nB,2002,"y\n'
    with open_export(export_file(data, "r.csv")) as reader:
        assert list(reader.unmapped_fields) == ["Note"]  # counted as far as the file reads
        with pytest.raises(ImportFileError, match="never closed"):
            list(reader)
        assert list(reader.unmapped_fields) == ["Note"]
