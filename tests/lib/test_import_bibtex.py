"""BibTeX exports: Scopus (@string macros, banner), Web of Science, EBSCOhost, Zotero, IEEE."""

from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import ImportFileError
from lib.imports.latex import decode_latex

from .conftest import FIXTURES, read_all

Write = Callable[..., Path]

SCOPUS = r"""Scopus
EXPORT DATE: 2 September 2018

@string{jomch   = {J.~Organomet. Chem.}}
@STRING{pub = "Elsevier"}

@ARTICLE{aksin,
  author       = {Aks{\i}n, {\"O}zge and T{\"u}rkmen, Hayati and {\c{C}}etinkaya, Bekir},
  title        = {Effect of immobilization on catalytic characteristics of
                  saturated {Pd-N}-heterocyclic carbenes in {Mizoroki-Heck} reactions},
  journaltitle = jomch,
  publisher    = pub # { B.V.},
  date         = 2006,
  month        = jan,
  pages        = {3027--3036},
  abstract     = {50% of the Pd & all of the $\alpha$-ligand -- ``as before''.},
  doi          = {https://doi.org/10.1016/J.JORGANCHEM.2006.01.040},
  keywords     = {catalysis; palladium},
}
"""


def test_macros_latex_and_bare_percent_signs(export_file: Write) -> None:
    reader, [record] = read_all(export_file(SCOPUS, "scopus.bib"))
    assert reader.format == "bibtex"
    assert record.authors == ["Aksın, Özge", "Türkmen, Hayati", "Çetinkaya, Bekir"]
    assert record.title == (
        "Effect of immobilization on catalytic characteristics of saturated "
        "Pd-N-heterocyclic carbenes in Mizoroki-Heck reactions"
    )
    assert record.journal == "J. Organomet. Chem."  # the @string macro, resolved
    assert record.abstract == "50% of the Pd & all of the α-ligand \u2013 \u201cas before\u201d."
    assert (record.year, record.pages, record.doi) == (
        2006,
        "3027-3036",
        "10.1016/j.jorganchem.2006.01.040",
    )
    assert record.keywords == ["catalysis", "palladium"]
    # raw_fields are the values as written: the entry's text alone gives them back.
    assert record.raw_fields["ENTRYTYPE"] == "ARTICLE"
    assert record.raw_fields["ID"] == "aksin"
    assert record.raw_fields["journaltitle"] == "jomch"
    assert record.raw_fields["author"].startswith('Aks{\\i}n, {\\"O}zge')
    assert record.raw_text.startswith("@ARTICLE{aksin,\n")
    assert record.raw_text.endswith("palladium},\n}")
    assert record.line == 7
    assert reader.warnings == ["2 lines outside the entries were skipped"]


def test_latin1_ieee_export() -> None:
    reader, [record] = read_all(FIXTURES / "buhos__encoding_iso_8859_1.bib")
    assert (reader.format, reader.encoding) == ("bibtex", "cp1252")
    assert record.authors == [
        "J. Cleland-Huang",
        "P. M\u00e4der",
        "M. Mirakhorli",
        "S. Amornborvornwong",
    ]
    assert record.doi == "10.1109/re.2012.6345809"
    assert record.type == "INPROCEEDINGS"
    assert record.journal == "2012 20th IEEE International Requirements Engineering Conference (RE)"
    assert record.problems == []


def test_wos_bibtex_with_bom_and_double_braces() -> None:
    reader, [record] = read_all(FIXTURES / "buhos__wos.bib")
    assert reader.encoding == "utf-8-sig"
    assert record.title == (
        "Behavioral software engineering: A definition and systematic literature review"
    )
    assert record.raw_fields["Title"] == (
        "{Behavioral software engineering: A definition and systematic literature\n   review}"
    )
    assert record.authors == ["Lenberg, Per", "Feldt, Robert", "Wallgren, Lars Goran"]
    assert (record.year, record.journal, record.doi) == (
        2015,
        "JOURNAL OF SYSTEMS AND SOFTWARE",
        "10.1016/j.jss.2015.04.084",
    )


def test_entry_whose_braces_close_too_early_is_read_line_by_line() -> None:
    reader, records = read_all(FIXTURES / "colrev__ebsco_bib.bib")
    assert [r.title for r in records] == ["Paper title.", "When sharing fixes prices."]
    assert records[1].authors == ["Tom Cruise"]
    assert records[1].warnings == [
        "the entry was not read whole: its braces do not balance: its fields were read line by line"
    ]
    assert reader.warnings == ["the braces of the entry at line 15 do not balance"]


def test_entries_on_one_line_parenthesised_entries_and_comments(export_file: Write) -> None:
    data = (
        '@comment{jabref-meta: x}\n@preamble{"\\newcommand{\\noop}[1]{}"}\n'
        '@article{a, title={One}} @book(b, title = "Two (second)", year = {2001})\n'
        "@misc{c,\n  title = {Three},\n  title = {Again},\n}\n"
    )
    _, records = read_all(export_file(data, "x.bib"))
    assert [(r.title, r.type, r.line) for r in records] == [
        ("One", "article", 3),
        ("Two (second)", "book", 3),
        ("Three", "misc", 4),
    ]
    assert records[2].raw_fields["title"] == ["Three", "Again"]


def test_unclosed_entries(export_file: Write) -> None:
    data = "@article{a,\n  title = {One},\n\n@article{b,\n  title = {Two}\n"
    reader, records = read_all(export_file(data, "x.bib"))
    assert [r.title for r in records] == ["One", "Two"]
    assert reader.warnings == [
        "the braces of the entry at line 1 do not balance",
        "the braces of the entry at line 4 do not balance",
    ]
    with pytest.raises(ImportFileError, match="the file seems truncated"):
        read_all(export_file("@article{a, title = {One}}\n@article{b, title = {Tw", "y.bib"))


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"M{\"a}der", "M\u00e4der"),
        (r"\c Cetin", "\u00c7etin"),
        (r"{\'{E}}cole", "\u00c9cole"),
        (r"\v{s}koda", "\u0161koda"),
        (r"Stra{\ss}e", "Stra\u00dfe"),
        (r"\textit{in vivo} study", "in vivo study"),
        (r"p $<$ 0.05", "p < 0.05"),
        ("US$ 500 & 50%", "US$ 500 & 50%"),
        (r"a\_b \& c", "a_b & c"),
        ("{" * 80 + "deep" + "}" * 80, "{" * 29 + "deep" + "}" * 29),
    ],
)
def test_latex_decoding(latex: str, text: str) -> None:
    assert decode_latex(latex) == text


def test_a_long_argument_full_of_nested_accents_is_decoded_without_pylatexenc():
    """A fuzzed BibTeX file hung the import: an accent whose argument ran on over 5,000
    characters of fields with more accents made pylatexenc take exponential time. Long
    commands are decoded here instead, keeping their words."""
    field = 'In many softwar\\"{\\"{e in},\nvolume={},\nnumber={},\npages={231-240},\nabstract={'
    text = decode_latex(field * 60 + "end}")
    # Done, with the words; past the depth limit the markup is kept as written.
    assert "end" in text[-10:] and text.startswith("In many softwar") and "pages=231-240" in text
    long_italic = decode_latex("\\textit{" + "word " * 80 + "} caf\\'{e}")
    assert long_italic == " ".join(["word"] * 80) + " café"
