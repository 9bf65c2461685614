"""The field table derived from a stored record's text equals what the importer saw, for
every format: every fixture, generated XLSX and synthetic inputs of each format, and every
corpus file."""

from __future__ import annotations

import pytest

from lib.imports import fields_from_raw, open_export
from tests.corpus import READABLE, needs_corpus, read_corpus_file
from tests.lib.conftest import FIXTURES

from .test_import_xlsx import workbook_bytes

FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if not p.name.startswith((".", "README")))
SYNTHETIC = {
    "ovid-labelled.txt": (
        "<1>\nTitle\n  A labelled title.\nAuthors\n  Smith, J.;  Jones, K.\nInstitution\n"
        "  (1) One\n  (2) Two\nDigital Object Identifier\n  10.1/X\n\n<2>\nTitle\n  Two\n"
    ),
    "macros.bib": (
        "@string{jn = {J.~Chem. Phys.}}\n@article{a, title = {Caf{\\'e}}, journal = jn # { B},"
        '\n  author = {Aks{\\i}n, {\\"O}zge and Smith, J}, year = 2001, note = "x" # jan}\n'
    ),
    "mendeley.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n<records>\n<record>\n'
        '<ref-type name="Journal Article">17</ref-type>\n<titles><title>A &amp; B\r\nC</title>'
        "</titles>\n</record>\n</records>\n</xml>\n"
    ),
    "wos-no-er.txt": "PT J\nAU A, B\n   C, D\nTI T\n   goes on\n\nPT J\nTI U\nER\n",
    "medline-no-blank.txt": "PMID- 1\nTI  - One\nPMID- 2\nTI  - Two\n  continued\n",
    "endnote.enw": "%0 Journal Article\n%T One\n%K a\nb\n%0 Book\n%T Two\n",
    # Synthetic PubMed XML: MathML (namespaced), mixed content, a book, a structured abstract.
    "pubmed-mathml.xml": (
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        '<ArticleTitle>A <i>b</i> c<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">'
        '<mml:mi>He</mml:mi></mml:math></ArticleTitle><Abstract><AbstractText Label="A">x&amp;'
        "\r\ny</AbstractText><AbstractText>z</AbstractText></Abstract></Article>"
        "</MedlineCitation></PubmedArticle><PubmedBookArticle><BookDocument><PMID>2</PMID>"
        "<Book><BookTitle>T</BookTitle></Book></BookDocument></PubmedBookArticle>"
        "</PubmedArticleSet>"
    ),
    # Synthetic CSL-JSON: nested values, numbers, booleans, null, a deep value.
    "csl.json": (
        '[{"id": 1, "type": "book", "title": "T", "issued": {"date-parts": [[2001, "2"]]},'
        ' "author": [{"family": "A", "given": "B"}, {"literal": "C"}], "flag": true, "x": null,'
        ' "deep": ' + "[" * 40 + "1" + "]" * 40 + "}]"
    ),
}


def _assert_round_trip(path, **kwargs) -> set[str]:
    with open_export(path, **kwargs) as reader:
        for record in reader:
            assert fields_from_raw(reader.format, record.raw_text) == record.raw_fields, (
                path.name,
                record.ordinal,
            )
        return {reader.format}


def test_fixtures_cover_every_format(tmp_path) -> None:
    formats: set[str] = set()
    for path in FIXTURE_FILES:
        formats |= _assert_round_trip(path)
    xlsx = tmp_path / "sheet.xlsx"
    xlsx.write_bytes(workbook_bytes([["Title", "Year", "Notes"], ["A, b", 2001, "x\ny"]]))
    formats |= _assert_round_trip(xlsx)
    tsv = tmp_path / "table.tsv"
    tsv.write_text("Title\tYear\nA\t2001\n")
    formats |= _assert_round_trip(tsv)
    assert formats == {
        "ris",
        "csv",
        "tsv",
        "xlsx",
        "medline",
        "wos",
        "endnote-xml",
        "endnote-tagged",
        "bibtex",
        "ovid",
        "pubmed-xml",
        "csl-json",
    }


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_records(tmp_path, name) -> None:
    path = tmp_path / name
    path.write_bytes(SYNTHETIC[name].encode())
    _assert_round_trip(path)


@pytest.mark.corpus
@needs_corpus
@pytest.mark.parametrize(("name", "expected"), READABLE)
def test_corpus_records(name, expected):
    reader, records = read_corpus_file(name)
    for record in records:
        assert fields_from_raw(reader.format, record.raw_text) == record.raw_fields, (
            name,
            record.ordinal,
        )
