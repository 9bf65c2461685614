"""CSV and TSV exports: header found, columns mapped, nothing dropped."""

from collections.abc import Callable
from pathlib import Path

from lib.imports.tabular import find_header

from .conftest import read_all

Write = Callable[..., Path]


def test_header_is_found_after_a_preamble(export_file: Write) -> None:
    data = (
        b'"SEARCH QUERY","dinosaur:ti"\n-----\n\n"Title","Author Names","Publication Year"\n"A",'
        b'"Liu R., Adler D.G.","2014"\n'
    )
    reader, [record] = read_all(export_file(data, "embase.csv"))
    assert reader.format == "csv"
    assert (record.title, record.authors, record.year) == ("A", ["Liu R.", "Adler D.G."], 2014)
    assert (record.line, record.ordinal) == (1, 1)


def test_tab_separated_web_of_science_headers(export_file: Write) -> None:
    data = (
        "PT\tAU\tTI\tSO\tPY\tVL\tIS\tBP\tEP\tDI\tPM\tDE\tAB\n"
        "J\tSmith, J; Jones, K\tA title\tNATURE\t2020\t5\t2\t10\t20\t10.1000/X\t123\ta; b\tText\n"
    )
    reader, [r] = read_all(export_file(data, "savedrecs.txt"))
    assert reader.format == "tsv"
    assert (r.title, r.journal, r.year, r.pages, r.doi, r.pmid) == (
        "A title",
        "NATURE",
        2020,
        "10-20",
        "10.1000/x",
        "123",
    )
    assert r.authors == ["Smith, J", "Jones, K"]
    assert r.keywords == ["a", "b"]
    assert r.raw_text.split("\n")[1] == (
        "J\tSmith, J; Jones, K\tA title\tNATURE\t2020\t5\t2\t10\t20\t10.1000/X\t123\ta; b\tText"
    )


def test_semicolon_separated(export_file: Write) -> None:
    data = b"Title;Authors;Year\nA title;Smith J;2001\n"
    reader, [r] = read_all(export_file(data, "refs.csv"))
    assert (reader.format, r.title, r.year) == ("csv", "A title", 2001)


def test_raw_fields_keep_every_non_empty_cell_and_raw_text_reserialises(export_file: Write) -> None:
    data = b'Title,Notes,Empty,Extra\n"A, quoted ""title""","line one\nline two",,x\n'
    _, [r] = read_all(export_file(data, "refs.csv"))
    assert r.title == 'A, quoted "title"'
    assert r.raw_fields == {
        "Title": 'A, quoted "title"',
        "Notes": "line one\nline two",
        "Extra": "x",
    }
    assert r.raw_text == 'Title,Notes,Empty,Extra\n"A, quoted ""title""","line one\nline two",,x'


def test_short_rows_and_blank_rows(export_file: Write) -> None:
    data = b"Title,Year,Journal\nA,2001\n,,\n\nB,2002,J\n"
    reader, records = read_all(export_file(data, "refs.csv"))
    assert [(r.title, r.year, r.journal, r.line) for r in records] == [
        ("A", 2001, "", 1),
        ("B", 2002, "J", 2),
    ]
    assert reader.warnings == [
        "a row with only empty cells after data row 1 was skipped",
        "1 row had fewer cells than the header row (line 2): the missing cells were left "
        "empty; check that their columns line up",
    ]


def test_rows_without_title_or_with_odd_year_get_record_warnings(export_file: Write) -> None:
    data = b"Title,Year\n,2001\nB,in press\n"
    _, records = read_all(export_file(data, "refs.csv"))
    assert records[0].warnings == ["no title"]
    assert records[1].warnings == ["year not understood: 'in press'"]


def test_column_names_are_matched_case_insensitively(export_file: Write) -> None:
    data = (
        b"ARTICLE TITLE,author full names,Source Title,Page start,Page end,PubMed ID,Link,"
        b"Author Keywords,Index Keywords,Language of Original Document,Document Type,Abstract\n"
        b'T,"Smith, John",Journal,1,9,PUBMED 42,http://x,a;b,b;c,English,Article,Text\n'
    )
    _, [r] = read_all(export_file(data, "scopus.csv"))
    assert (r.title, r.authors, r.journal, r.pages, r.pmid, r.url) == (
        "T",
        ["Smith, John"],
        "Journal",
        "1-9",
        "42",
        "http://x",
    )
    assert (r.keywords, r.language, r.type, r.abstract) == (
        ["a", "b", "c"],
        "English",
        "Article",
        "Text",
    )


def test_excel_formula_quoting_is_unwrapped(export_file: Write) -> None:
    data = b'Article Title,Publication Date,ISSN\nT,"=""4/3/2024""","=""19326203"""\n'
    _, [r] = read_all(export_file(data, "ebsco.csv"))
    assert r.year == 2024
    assert r.raw_fields["ISSN"] == '="19326203"'


def test_many_rows_are_read_in_chunks(export_file: Write) -> None:
    rows = "".join(f"Title {i},{1900 + i % 100}\n" for i in range(2500))
    _, records = read_all(export_file("Title,Year\n" + rows, "big.csv"))
    assert len(records) == 2500
    assert (records[-1].title, records[-1].line) == ("Title 2499", 2500)


def test_find_header_prefers_the_delimiter_that_splits_most() -> None:
    header = find_header(['Reference Type,"Authors, Primary",Title Primary,Pub Year'])
    assert header is not None
    assert (header.delimiter, header.columns[2]) == (",", "Title Primary")
    assert find_header(["Author,Year"]) is None


def test_header_index_counts_only_real_newlines(export_file: Write) -> None:
    data = "Search\u2028run on\x85 Monday\nTitle,Year\nA,2000\n".encode()
    _, [r] = read_all(export_file(data, "refs.csv"))
    assert (r.title, r.year) == ("A", 2000)
