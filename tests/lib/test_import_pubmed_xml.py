"""PubMed XML (the PubMed 'XML' download and E-utilities efetch): real efetch files, exact
fields; synthetic inputs (built here, labelled so) for the variants the real files lack."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import ImportFileError, fields_from_raw, open_export

from .conftest import FIXTURES, read_all

Write = Callable[..., Path]


def test_efetch_compact_with_doctype_and_character_references() -> None:
    reader, records = read_all(FIXTURES / "biopython__pubmed2.xml")
    assert (reader.format, reader.encoding, len(records), reader.warnings) == (
        "pubmed-xml",
        "utf-8",
        2,
        [],
    )
    first, second = records
    assert first.title == (
        "Is cryopreservation a homogeneous process? Ultrastructure and motility of untreated, "
        "prefreezing, and postthawed spermatozoa of Diplodus puntazzo (Cetti)."
    )
    assert first.authors == [
        "Taddei, A R",
        "Barbato, F",
        "Abelli, L",
        "Canese, S",
        "Moretti, F",
        "Rana, K J",
        "Fausto, A M",
        "Mazzini, M",
    ]
    assert (first.year, first.year_text, first.journal, first.volume, first.issue) == (
        2001,
        "2001",
        "Cryobiology",
        "42",
        "4",
    )
    assert (first.pages, first.doi, first.pmid, first.type, first.language) == (
        "244-55",
        "10.1006/cryo.2001.2328",
        "11748933",
        "Journal Article",
        "eng",
    )
    assert first.abstract.startswith("This study subdivides the cryopreservation procedure")
    assert "(P < 0.001)" in first.abstract
    assert first.keywords[:3] == ["Animals", "Cell Membrane", "Cryopreservation"]
    assert first.raw_fields[
        "MedlineCitation/Article/AuthorList/Author/AffiliationInfo/Affiliation"
    ] == (
        "Dipartimento di Scienze Ambientali, Università degli Studi della Tuscia, 01100 Viterbo, Italy."
    )
    assert first.raw_fields["PubmedData/ArticleIdList/ArticleId@IdType"] == ["pubmed", "doi", "pii"]
    assert (first.line, second.line) == (4, 4)  # efetch writes both articles on line 4
    assert second.authors[-1] == "De Luca, F"
    assert second.journal == "Journal of magnetic resonance (San Diego, Calif. : 1997)"
    assert [r.problems for r in records] == [[], []]


def test_efetch_season_date_no_abstract_keywords() -> None:
    reader, [first, second] = read_all(FIXTURES / "biopython__pubmed1.xml")
    assert first.title == "The treatment of AIDS behind the walls of correctional facilities."
    assert (first.year, first.abstract, first.problems) == (1990, "", ["no-abstract"])
    assert first.authors == ["Olivero, J Michael"]
    assert first.keywords[-2:] == ["Health Care and Public Health", "Legal Approach"]
    assert first.doi == ""
    assert second.doi == "10.1016/0005-2795(76)90109-4"
    assert second.pmid == "9997"
    assert second.pages == "179-91"


# Synthetic (built for these tests, not a real export): the variants the real files lack.
SYNTHETIC = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
  <PubmedArticle>
    <MedlineCitation Status="MEDLINE" Owner="NLM">
      <PMID Version="1">101</PMID>
      <Article PubModel="Print-Electronic">
        <Journal>
          <JournalIssue><Volume>7</Volume><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue>
          <Title>Revista española</Title>
        </Journal>
        <ArticleTitle>[Not Available].</ArticleTitle>
        <Pagination><StartPage>e12</StartPage></Pagination>
        <ELocationID EIdType="pii" ValidYN="Y">e12</ELocationID>
        <ELocationID EIdType="doi" ValidYN="Y">10.1000/ABC.12</ELocationID>
        <Abstract>
          <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Use of &#946;<sub>2</sub>-agonists.</AbstractText>
          <AbstractText Label="RESULTS" NlmCategory="RESULTS">p &lt; 0.05 for <i>TERT</i>.</AbstractText>
        </Abstract>
        <AuthorList CompleteYN="Y">
          <Author ValidYN="Y"><LastName>Núñez</LastName><ForeName>José</ForeName><Initials>J</Initials></Author>
          <Author ValidYN="N"><LastName>Wrong</LastName><ForeName>Name</ForeName></Author>
          <Author ValidYN="Y"><CollectiveName>COVID-19 Study Group</CollectiveName></Author>
        </AuthorList>
        <Language>spa</Language>
        <PublicationTypeList><PublicationType UI="D016449">Randomized Controlled Trial</PublicationType></PublicationTypeList>
        <VernacularTitle>Título en español.</VernacularTitle>
      </Article>
    </MedlineCitation>
    <PubmedData>
      <ArticleIdList>
        <ArticleId IdType="pubmed">101</ArticleId>
        <ArticleId IdType="pmc">PMC123</ArticleId>
      </ArticleIdList>
    </PubmedData>
  </PubmedArticle>
  <DeleteCitation><PMID Version="1">99</PMID></DeleteCitation>
  <PubmedBookArticle>
    <BookDocument>
      <PMID Version="1">202</PMID>
      <ArticleIdList><ArticleId IdType="bookaccession">NBK1</ArticleId></ArticleIdList>
      <Book>
        <Publisher><PublisherName>StatPearls Publishing</PublisherName></Publisher>
        <BookTitle book="statpearls">StatPearls</BookTitle>
        <PubDate><Year>2024</Year><Month>01</Month></PubDate>
      </Book>
      <ArticleTitle book="statpearls" part="article-1">Asthma</ArticleTitle>
      <Language>eng</Language>
      <AuthorList Type="authors"><Author><LastName>Doe</LastName><ForeName>Jane</ForeName></Author></AuthorList>
      <PublicationType UI="D016454">Review</PublicationType>
      <Abstract><AbstractText>A chapter.</AbstractText></Abstract>
    </BookDocument>
    <PubmedBookData><ArticleIdList><ArticleId IdType="pubmed">202</ArticleId></ArticleIdList></PubmedBookData>
  </PubmedBookArticle>
  <PubmedArticle>
    <MedlineCitation><PMID>303</PMID><Article>
      <Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue><Title>J</Title></Journal>
      <ArticleTitle>Inhaled <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msup><mml:mi>He</mml:mi><mml:mn>3</mml:mn></mml:msup></mml:math> MRI</ArticleTitle>
      <ELocationID EIdType="doi" ValidYN="N">10.9999/wrong</ELocationID>
    </Article></MedlineCitation>
  </PubmedArticle>
</PubmedArticleSet>
"""


def test_synthetic_variants(export_file: Write) -> None:
    reader, records = read_all(export_file(SYNTHETIC.encode(), "pubmed.xml"))
    assert reader.format == "pubmed-xml"
    article, book, mathml = records
    assert article.title == "Título en español."  # ArticleTitle '[Not Available].'
    assert article.authors == ["Núñez, José", "COVID-19 Study Group"]
    assert (article.year, article.year_text) == (1998, "1998 Dec-1999 Jan")
    assert article.abstract == "BACKGROUND: Use of β2-agonists. RESULTS: p < 0.05 for TERT."
    assert (article.doi, article.pmid, article.pages) == ("10.1000/abc.12", "101", "e12")
    assert (article.journal, article.volume, article.language) == ("Revista española", "7", "spa")
    assert article.type == "Randomized Controlled Trial"
    assert article.raw_fields["PubmedData/ArticleIdList/ArticleId"] == ["101", "PMC123"]
    assert article.raw_fields["MedlineCitation/Article/Abstract/AbstractText@Label"] == [
        "BACKGROUND",
        "RESULTS",
    ]
    assert (book.title, book.journal, book.year, book.pmid, book.type) == (
        "Asthma",
        "StatPearls",
        2024,
        "202",
        "Review",
    )
    assert (book.authors, book.abstract) == (["Doe, Jane"], "A chapter.")
    assert mathml.title == "Inhaled He3 MRI"
    assert mathml.doi == ""  # ValidYN="N"
    assert [r.line for r in records] == [4, 38, 55]
    assert reader.warnings == [
        "1 <DeleteCitation> element below the root were skipped: they are no records"
    ]
    for record in records:
        assert fields_from_raw("pubmed-xml", record.raw_text) == record.raw_fields
    assert 'xmlns:mml="http://www.w3.org/1998/Math/MathML"' in mathml.raw_text


def test_old_medline_citation_set(export_file: Write) -> None:
    data = (
        "<MedlineCitationSet><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>A"
        "</ArticleTitle></Article></MedlineCitation></MedlineCitationSet>"
    )
    reader, [record] = read_all(export_file(data, "medline.xml"))
    assert (reader.format, record.title, record.pmid) == ("pubmed-xml", "A", "1")


def test_malformed_pubmed_xml_names_the_line(export_file: Write) -> None:
    data = SYNTHETIC.replace("<Language>eng</Language>", "<Language>eng</Lang>")
    with pytest.raises(ImportFileError) as caught:
        read_all(export_file(data.encode(), "pubmed.xml"))
    assert caught.value.message.startswith("pubmed.xml: the XML is not well-formed: mismatched tag")
    assert caught.value.line == 48


def test_entities_are_refused(export_file: Write) -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaa">]>'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        b"<ArticleTitle>&a;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        b"</PubmedArticleSet>"
    )
    with pytest.raises(ImportFileError, match="declares entities"):
        read_all(export_file(data, "pubmed.xml"))


def test_nesting_is_bounded(export_file: Write) -> None:
    data = (
        "<PubmedArticleSet><PubmedArticle>"
        + "<x>" * 200
        + "</x>" * 200
        + "</PubmedArticle></PubmedArticleSet>"
    )
    with pytest.raises(ImportFileError, match="nests elements more than 100 deep"):
        read_all(export_file(data, "pubmed.xml"))


ARTICLE = (
    "<PubmedArticle><MedlineCitation><PMID>{i}</PMID><Article><ArticleTitle>Title {i}"
    "</ArticleTitle><Abstract><AbstractText>{text}</AbstractText></Abstract></Article>"
    "</MedlineCitation></PubmedArticle>\n"
)


def _peak(path: Path) -> tuple[int, int]:
    """(peak bytes allocated while reading the records, records read)."""
    with open_export(path) as reader:  # detection's encoding scan reads 1 MiB chunks
        tracemalloc.start()
        try:
            for record in reader:
                if record.ordinal == 1:
                    assert reader.bytes_read < reader.size / 10  # read lazily
            return tracemalloc.get_traced_memory()[1], record.ordinal
        finally:
            tracemalloc.stop()


def test_streamed_in_bounded_memory(export_file: Write) -> None:
    """Twice the records, about the same peak: memory does not grow with the file."""
    text = "x" * 5000
    peaks = []
    for n in (300, 600):
        body = "".join(ARTICLE.format(i=i, text=text) for i in range(n))
        path = export_file(f"<PubmedArticleSet>\n{body}</PubmedArticleSet>\n", f"big{n}.xml")
        peak, count = _peak(path)
        assert count == n
        peaks.append(peak)
    assert path.stat().st_size > 3_000_000
    assert peaks[1] < peaks[0] * 1.25 and peaks[1] < path.stat().st_size / 2
