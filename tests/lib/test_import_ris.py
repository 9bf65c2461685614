"""RIS that is messy but valid: every record found, nothing the file holds dropped."""

import json
from collections.abc import Callable
from pathlib import Path

import rispy

from lib.imports.ris import SiftRisParser

from .conftest import read_all

Write = Callable[..., Path]


def test_repeated_single_value_tags_are_all_kept(export_file: Write) -> None:
    data = (
        "TY  - JOUR\nTI  - A title\nAB  - First part.\nAB  - Second part.\n"
        "AD  - Dept A\nAD  - Dept B\nSN  - 1234-5678\nSN  - 8765-4321\n"
        "L2  - http://a.example\nL2  - http://b.example\nN1  - one\nN1  - two\nER  - \n"
    )
    _, [record] = read_all(export_file(data))
    assert record.raw_fields["AB"] == ["First part.", "Second part."]
    assert record.raw_fields["AD"] == ["Dept A", "Dept B"]
    assert record.raw_fields["SN"] == ["1234-5678", "8765-4321"]
    assert record.raw_fields["L2"] == ["http://a.example", "http://b.example"]
    assert record.raw_fields["N1"] == ["one", "two"]
    assert record.abstract == "First part. Second part."


def test_duplicate_abstract_lines_are_not_repeated(export_file: Write) -> None:
    data = "TY  - JOUR\nTI  - T\nAB  - The abstract.\nN2  - The abstract.\nER  - \n"
    _, [record] = read_all(export_file(data))
    assert record.abstract == "The abstract."
    assert record.raw_fields["N2"] == "The abstract."


def test_unknown_and_odd_tags_are_kept_under_their_own_names(export_file: Write) -> None:
    data = "TY  - JOUR\nTI  - T\nZZ  - custom\nX9  - other\nC8  - eight\nER  - \n"
    _, [record] = read_all(export_file(data))
    assert record.raw_fields == {
        "TY": "JOUR",
        "TI": "T",
        "ZZ": "custom",
        "X9": "other",
        "C8": "eight",
    }


def test_non_two_letter_tags_are_tags(export_file: Write) -> None:
    data = "TY  - JOUR\nPMID  - 33355555\nTI  - T\nSTAT- MEDLINE\nOWN - NLM\nER  - \n"
    _, [record] = read_all(export_file(data))
    assert record.raw_fields["PMID"] == "33355555"
    assert record.raw_fields["STAT"] == "MEDLINE"
    assert record.raw_fields["OWN"] == "NLM"
    assert record.raw_fields["TY"] == "JOUR"  # not glued onto by the PMID line
    assert record.pmid == "33355555"


def test_empty_values_and_trailing_whitespace_are_tags(export_file: Write) -> None:
    data = "TY  - JOUR  \nTI  - A title \nAB  -\nSN  - \nPD  -   \nVL  - 3\nER  -  \n"
    _, [record] = read_all(export_file(data))
    assert record.raw_fields == {
        "TY": "JOUR",
        "TI": "A title",
        "AB": "",
        "SN": "",
        "PD": "",
        "VL": "3",
    }
    assert (record.title, record.abstract, record.volume) == ("A title", "", "3")


def test_continuation_lines_join_the_previous_value(export_file: Write) -> None:
    data = (
        "TY  - JOUR\nTI  - A long title\n  that goes on\nAB  - Background.\n\nResults.\n"
        "SN  - 1932-8494\n1932-8486\nER  - \n"
    )
    _, [record] = read_all(export_file(data))
    assert record.raw_fields["TI"] == "A long title\nthat goes on"
    assert record.title == "A long title that goes on"
    assert record.abstract == "Background.\nResults."
    assert record.raw_fields["SN"] == "1932-8494\n1932-8486"


def test_continuation_lines_of_list_tags_are_more_values(export_file: Write) -> None:
    data = "TY  - JOUR\nTI  - T\nKW  - Standards\nMedication Errors\nQuality; Safety\nAU  - A, B\nC, D\nER  - \n"
    _, [record] = read_all(export_file(data))
    assert record.raw_fields["KW"] == ["Standards", "Medication Errors", "Quality; Safety"]
    assert record.keywords == ["Standards", "Medication Errors", "Quality", "Safety"]
    assert record.authors == ["A, B", "C, D"]


def test_preambles_banners_and_counters_are_skipped_and_counted(export_file: Write) -> None:
    data = (
        "\n\nProvider: Someone\nDatabase: Something\n\n"
        "Record #1 of 2\nTY  - JOUR\nTI  - One\nER  - \n\n"
        "Link to the Ovid Full Text or citation: http://x\n\n2. \nTY  - JOUR\nTI  - Two\nER  - \n\n"
    )
    reader, records = read_all(export_file(data))
    assert [r.title for r in records] == ["One", "Two"]
    assert [r.line for r in records] == [7, 14]
    assert reader.warnings == [
        "3 lines before the first record were skipped",
        "2 lines between or after records (first at line 11: "
        "'Link to the Ovid Full Text or citation: http://x') were skipped",
    ]


def test_missing_final_er_keeps_the_record_with_a_warning(export_file: Write) -> None:
    reader, records = read_all(
        export_file("TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Two\n")
    )
    assert [r.title for r in records] == ["One", "Two"]
    assert reader.warnings == ["record 2 (line 4) has no ER end tag at the end of the file"]


def test_missing_er_between_records_closes_the_first(export_file: Write) -> None:
    data = "TY  - JOUR\nTI  - One\nTY  - BOOK\nTI  - Two\nER  - \n"
    reader, records = read_all(export_file(data))
    assert [(r.title, r.type, r.line) for r in records] == [("One", "JOUR", 1), ("Two", "BOOK", 3)]
    assert records[0].raw_text == "TY  - JOUR\nTI  - One\n"
    assert reader.warnings == ["record 1 (line 1) has no ER end tag before the next TY"]


def test_many_missing_ers_are_summarised(export_file: Write) -> None:
    reader, records = read_all(export_file("TY  - JOUR\nTI  - x\n" * 25 + "ER  - \n"))
    assert len(records) == 25
    assert len(reader.warnings) == 11
    assert reader.warnings[-1] == "... and 14 more warnings like these (no-er)"


def test_raw_text_is_the_records_lines_and_raw_fields_are_json(export_file: Write) -> None:
    data = "Preamble\nTY  - JOUR\nTI  - T\nKW  - a\nb\nER  - \n\nTY  - JOUR\nTI  - U\nER  - \n"
    _, records = read_all(export_file(data))
    assert records[0].raw_text == "TY  - JOUR\nTI  - T\nKW  - a\nb\nER  - \n"
    assert records[1].raw_text == "TY  - JOUR\nTI  - U\nER  - \n"
    assert json.loads(json.dumps(records[0].raw_fields)) == records[0].raw_fields


def test_title_fallbacks_and_year_warnings(export_file: Write) -> None:
    data = (
        "TY  - BOOK\nBT  - The book\nPY  - n.d.\nER  - \n"
        "TY  - JOUR\nST  - Short title only\nY1  - 2019/05/01/\nER  - \n"
        "TY  - JOUR\nAU  - Nobody\nER  - \n"
    )
    _, records = read_all(export_file(data))
    assert [(r.title, r.year) for r in records] == [
        ("The book", None),
        ("Short title only", 2019),
        ("", None),
    ]
    assert records[0].warnings == ["year not understood: PY 'n.d.'"]
    assert records[1].warnings == ["no title tag: the title was taken from ST"]
    assert records[2].warnings == ["no title"]


def test_normalised_fields(export_file: Write) -> None:
    data = (
        "TY  - JOUR\nT1  - Primary title\nTI  - \nA1  - Smith, J\nAU  - Jones, K; Brown, L\n"
        "A2  - Editor, E\nJO  - J Abbrev\nJF  - Journal Full\nVL  - 12\nIS  - 3\nSP  - 45\n"
        "EP  - 67\nDA  - 2001/01/02\nDO  - https://doi.org/10.1000/ABC\nUR  - https://x.org/a; "
        "https://x.org/b\nLA  - eng\nKW  - k1;k2\nER  - \n"
    )
    _, [r] = read_all(export_file(data))
    assert r.title == "Primary title"
    assert r.authors == ["Jones, K", "Brown, L", "Smith, J"]
    assert (r.journal, r.volume, r.issue, r.pages, r.year) == (
        "Journal Full",
        "12",
        "3",
        "45-67",
        2001,
    )
    assert (r.doi, r.url, r.language, r.type) == ("10.1000/abc", "https://x.org/a", "eng", "JOUR")
    assert r.keywords == ["k1", "k2"]


def test_doi_and_pmid_found_in_other_fields(export_file: Write) -> None:
    data = (
        "TY  - JOUR\nTI  - A\nUR  - http://dx.doi.org/10.1002/ar.25520\nER  - \n"
        "TY  - JOUR\nTI  - B\nL3  - 10.1111/famp.12381\nUR  - https://www.ncbi.nlm.nih.gov/pubmed/31124079\nER  - \n"
        "TY  - JOUR\nTI  - C\nAN  - 21553931\nDP  - NLM\nER  - \n"
        "TY  - JOUR\nTI  - D\nID  - 35634081\nDB  - Ovid MEDLINE(R) Daily Update\nER  - \n"
        "TY  - JOUR\nTI  - E\nID  - 889\nDB  - Embase\nMedline\nC5  - 38773066\nER  - \n"
        "TY  - JOUR\nTI  - F\nAN  - 176404503\nDB  - aph\nER  - \n"
    )
    _, records = read_all(export_file(data))
    assert [(r.doi, r.pmid) for r in records] == [
        ("10.1002/ar.25520", ""),
        ("10.1111/famp.12381", "31124079"),
        ("", "21553931"),
        ("", "35634081"),
        ("", ""),  # an EndNote record number is not a PMID
        ("", ""),  # nor is an EBSCOhost accession number
    ]


def test_sift_parser_is_a_rispy_parser() -> None:
    """The same subclass reads whole texts through rispy's own entry points."""
    text = "TY  - JOUR\nPMID  - 1\nTI  - T\nAB  - a\nAB  - b\nKW  - x\ny\nER  - \n"
    [entry] = rispy.loads(text, implementation=SiftRisParser)
    assert entry == {"TY": "JOUR", "PMID": "1", "TI": "T", "AB": ["a", "b"], "KW": ["x", "y"]}


def test_an_exporter_that_writes_no_er_lines_and_no_final_newline(export_file: Write) -> None:
    reader, records = read_all(export_file(b"TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two"))
    assert [r.title for r in records] == ["One", "Two"]
    assert reader.warnings == [
        "record 1 (line 1) has no ER end tag before the next TY",
        "record 2 (line 3) has no ER end tag at the end of the file",
    ]


def test_lower_case_tags(export_file: Write) -> None:
    data = b"ty  - JOUR\nti  - A title\nau  - Smith, J\nab  - Text\nto  - not a tag\ner  - \n"
    reader, [record] = read_all(export_file(data))
    assert (reader.format, record.title, record.authors, record.abstract) == (
        "ris",
        "A title",
        ["Smith, J"],
        "Text\nto  - not a tag",  # 'to' is no RIS tag: a continuation line
    )
    assert record.raw_fields == {
        "TY": "JOUR",
        "TI": "A title",
        "AU": "Smith, J",
        "AB": "Text\nto  - not a tag",
    }
