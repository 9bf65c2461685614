"""EndNote exports: XML (EndNote desktop, Mendeley) and tagged (.enw)."""

import json
from collections.abc import Callable
from pathlib import Path

from .conftest import FIXTURES, read_all

Write = Callable[..., Path]


def test_endnote_xml() -> None:
    reader, records = read_all(FIXTURES / "sysrev__Endnote_3_citations.xml")
    assert (reader.format, len(records), reader.warnings) == ("endnote-xml", 3, [])
    first = records[0]
    assert first.title.startswith("Important roles of enthalpic and entropic contributions")
    assert first.authors == [
        "Alkhabbaz, M. A.",
        "Bollini, P.",
        "Foo, G. S.",
        "Sievers, C.",
        "Jones, C. W.",
    ]
    assert (first.doi, first.pmid, first.year, first.journal, first.pages) == (
        "10.1021/ja507655x",
        "25215519",
        2014,
        "J Am Chem Soc",
        "13170-3",
    )
    assert first.type == "Journal Article"
    assert first.raw_fields["ref-type"] == "17"
    assert first.raw_fields["isbn"] == "1520-5126 (Electronic)\r0002-7863 (Linking)"
    assert first.raw_text.startswith("<record><database name=")
    assert first.raw_text.endswith("</record>")
    json.dumps(first.raw_fields)


def test_mendeley_style_xml_with_plain_text_and_line_numbers(export_file: Write) -> None:
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n<records>\n<record>\n'
        '<ref-type name="Journal Article">17</ref-type>\n<contributors><authors>\n'
        "<author>Smith, J.</author><author>Jones, K.</author></authors></contributors>\n"
        '<titles><title>Caf\u00e9 &amp; <style face="italic">bar</style></title>'
        "<secondary-title>J Test</secondary-title></titles>\n"
        "<dates><year>2020</year></dates><electronic-resource-num>doi:10.1000/ABC"
        "</electronic-resource-num>\n<keywords><keyword>a</keyword><keyword>b; c</keyword>"
        "</keywords>\n</record>\n<record>\n<titles><title>Second</title></titles>\n</record>\n"
        "</records>\n</xml>\n"
    )
    reader, records = read_all(export_file(data.encode(), "My Collection.xml"))
    first = records[0]
    assert (first.title, first.authors, first.year) == (
        "Café & bar",
        ["Smith, J.", "Jones, K."],
        2020,
    )
    assert (first.journal, first.doi, first.keywords) == ("J Test", "10.1000/abc", ["a", "b", "c"])
    assert first.raw_fields["contributors/authors/author"] == ["Smith, J.", "Jones, K."]
    assert first.raw_fields["ref-type@name"] == "Journal Article"
    assert [r.line for r in records] == [4, 12]


def test_endnote_tagged() -> None:
    reader, records = read_all(FIXTURES / "srdedupe__mini_endnote.enw")
    assert (reader.format, len(records)) == ("endnote-tagged", 2)
    first = records[0]
    assert first.title == (
        "WoodProperty.tw: a wood property database for tree and bamboo species in Taiwan"
    )
    assert (first.authors, first.year, first.journal, first.doi) == (
        ["Sheng-Hsin Su"],
        2025,
        "Taiwania",
        "10.6165/tai.2025.70.58",
    )
    assert (first.volume, first.issue, first.pages, first.type) == (
        "70",
        "1",
        "58-64",
        "Journal Article",
    )
    assert first.url == "https://taiwania.ntu.edu.tw/abstract/2047"


def test_endnote_tagged_records_without_type_lines() -> None:
    """AIS eLibrary writes %T first and leaves %0 out of some records: 6 records, not 2."""
    reader, records = read_all(FIXTURES / "colrev__ais_enl.txt")
    assert [r.title for r in records] == [
        "How Trust Leads to Commitment on Microsourcing Platforms: Unraveling the Effects of "
        "Governance and Third-Party Mechanisms on Triadic Microsourcing Relationships",
        "MISQ Volume 45, Issue 3 Table of Contents",
        "Subject Index for Volume 45",
        "Decentralized Multi-Agent System Applied to the Decision Making Process of the "
        "Microgrid Restoration Procedure towards Sustainability",
        "A Thematic Analysis of Software Developers\u2019 Experience in online sourcing "
        "marketplaces",
        "IT INNOVATIONS AND ENTREPRENEURSHIP IN EMERGING ECONOMIES - IS CLOUD COMPUTING A "
        "MAGIC INGREDIENT FOR EGYPTIAN ENTREPRENEURS?",
    ]
    assert records[3].authors[2:4] == ["Os\u00f3rio, Gerardo", "Carvalho, Jo\u00e3o P. P."]
    assert records[0].journal == "Management Information Systems Quarterly"  # %B


def test_endnote_tagged_continuations(export_file: Write) -> None:
    data = "%0 Journal Article\n%T A title\n%X First paragraph.\nSecond paragraph.\n%K one\ntwo\n%0 Book\n%T B\n"
    _, records = read_all(export_file(data, "refs.enw"))
    assert [r.title for r in records] == ["A title", "B"]
    assert records[0].abstract == "First paragraph.\nSecond paragraph."
    assert records[0].keywords == ["one", "two"]
