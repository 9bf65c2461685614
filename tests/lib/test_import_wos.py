"""Web of Science tagged exports (.ciw, .isi, .txt), with or without the FN/VR header."""

from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import ImportFileError

from .conftest import FIXTURES, read_all

Write = Callable[..., Path]


def test_current_tags_are_kept_and_continuations_are_values() -> None:
    reader, records = read_all(FIXTURES / "synthesisr__WoS_txt_example.txt")
    assert (reader.format, len(records), reader.warnings) == ("wos", 4, [])
    first = records[0]
    for tag in ("Z8", "ZB", "ZR", "ZS", "Z9", "TC"):
        assert first.raw_fields[tag] == "0"
    assert first.raw_fields["AU"][:3] == ["Li, Wei", "Dou, Zhiguo", "Cui, Lijuan"]
    assert len(first.authors) == 10
    assert first.title == (
        "Soil fauna diversity at different stages of reed restoration in a lakeshore wetland "
        "at Lake Taihu, China"
    )
    assert first.raw_fields["TI"] == (
        "Soil fauna diversity at different stages of reed restoration in a\n"
        "lakeshore wetland at Lake Taihu, China"
    )
    assert (first.doi, first.year, first.volume, first.issue, first.pages) == (
        "10.1080/20964129.2020.1722034",
        2020,
        "6",
        "1",
        "UNSP 1722034",  # no page range: the article number
    )
    assert first.raw_text.startswith("PT J\nAU Li, Wei\n")
    assert first.raw_text.endswith("UT WOS:000514379300001\nER\n")
    assert "Z8" in reader.unmapped_fields and "FN" not in reader.unmapped_fields


def test_records_without_the_file_header() -> None:
    reader, records = read_all(FIXTURES / "srdedupe__mini_wos.ciw")
    assert (reader.format, len(records)) == ("wos", 5)
    first = records[0]
    assert first.authors == ["Abramo, Giovanni", "D'Angelo, Ciriaco Andrea", "Rosati, Francesco"]
    assert first.raw_fields["AU"] == ["Abramo, G", "D'Angelo, CA", "Rosati, F"]
    assert first.keywords[:2] == ["research evaluation", "favoritism"]
    assert (first.journal, first.doi, first.type) == (
        "SCIENCE AND PUBLIC POLICY",
        "10.1093/scipol/scu086",
        "Article",
    )


def test_wos_named_ris_is_wos() -> None:
    reader, records = read_all(FIXTURES / "rispy__example_wos.ris")
    assert (reader.format, len(records)) == ("wos", 2)
    assert [(r.pmid, r.pages) for r in records] == [
        ("15170338", "7003-7016"),
        ("15170339", "7017-7027"),
    ]
    assert records[0].line == 3


def test_missing_er_and_stray_lines(export_file: Write) -> None:
    data = (
        "FN Web of Science\nVR 1.0\nPT J\nTI One\nPT J\nTI Two\nER\nnoise\n\nPT B\nTI Three\nEF\n"
    )
    reader, records = read_all(export_file(data, "savedrecs.txt"))
    assert [(r.title, r.line) for r in records] == [("One", 3), ("Two", 5), ("Three", 10)]
    assert reader.warnings == [
        "record 1 (line 3) has no ER end tag before the next PT",
        "record 3 (line 10) has no ER end tag before the next EF",
        "1 line outside the records was skipped (line 8: 'noise')",
    ]


def test_truncated_wos_file(export_file: Write) -> None:
    with pytest.raises(ImportFileError, match="the file seems truncated: record 2") as caught:
        read_all(export_file("PT J\nTI One\nER\n\nPT J\nTI Tw", "savedrecs.txt"))
    assert (caught.value.record, caught.value.line) == (2, 6)


def test_end_of_file_tag_closes_a_record_without_er(export_file: Write) -> None:
    reader, [record] = read_all(export_file("FN x\nVR 1.0\nPT J\nTI One\nEF\n", "wos.txt"))
    assert "EF" not in record.raw_fields
    assert reader.warnings == ["record 1 (line 3) has no ER end tag before the next EF"]
