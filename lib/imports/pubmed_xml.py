"""PubMed XML: the PubMed website's 'XML' download and E-utilities efetch (db=pubmed, XML).

<PubmedArticleSet> holds <PubmedArticle> (a journal article: <MedlineCitation> and
<PubmedData>) and <PubmedBookArticle> (a Bookshelf book or chapter: <BookDocument>);
MEDLINE's older <MedlineCitationSet> holds <MedlineCitation> elements. Each is a record,
streamed in bounded memory (xmlstream.py); anything else below the root (an update file's
<DeleteCitation>) is skipped and reported.

The field table is keyed by element path below the record element
('MedlineCitation/Article/ArticleTitle', '...AbstractText@Label' for an attribute). Text
with inline markup (<i>, <sup>, MathML) is one value, its markup dropped. The normalised
fields follow PubMed's own MEDLINE (.nbib) export, so that the same article reads the same
from either: authors 'LastName, ForeName' (a collective name as it is), a structured
abstract as 'LABEL: text ...', the first publication type.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, TextIO

from .normalise import clean, join_pages, normalise_doi, parse_year, split_keywords
from .records import ParsedRecord
from .tagged import Warn
from .xmlstream import RecordBuilder, add, parse_record, serialise, stream_records

ROOTS = frozenset({"PubmedArticleSet", "PubmedBookArticleSet", "MedlineCitationSet"})
RECORDS = frozenset({"PubmedArticle", "PubmedBookArticle", "MedlineCitation"})
MATHML = "{http://www.w3.org/1998/Math/MathML}"
# Markup inside a text element: its text is part of the value.
INLINE = frozenset({"i", "b", "u", "sup", "sub", "br"})

TITLE = "MedlineCitation/Article/ArticleTitle"
FEEDS = frozenset(
    {
        "MedlineCitation/PMID",
        TITLE,
        "MedlineCitation/Article/VernacularTitle",
        "MedlineCitation/Article/Abstract/AbstractText",
        "MedlineCitation/Article/Abstract/AbstractText@Label",
        "MedlineCitation/Article/AuthorList/Author/LastName",
        "MedlineCitation/Article/AuthorList/Author/ForeName",
        "MedlineCitation/Article/AuthorList/Author/Initials",
        "MedlineCitation/Article/AuthorList/Author/CollectiveName",
        "MedlineCitation/Article/Journal/Title",
        "MedlineCitation/Article/Journal/JournalIssue/Volume",
        "MedlineCitation/Article/Journal/JournalIssue/Issue",
        "MedlineCitation/Article/Journal/JournalIssue/PubDate/Year",
        "MedlineCitation/Article/Journal/JournalIssue/PubDate/MedlineDate",
        "MedlineCitation/Article/Pagination/MedlinePgn",
        "MedlineCitation/Article/Pagination/StartPage",
        "MedlineCitation/Article/Pagination/EndPage",
        "MedlineCitation/Article/ELocationID",
        "MedlineCitation/Article/ELocationID@EIdType",
        "MedlineCitation/Article/Language",
        "MedlineCitation/Article/PublicationTypeList/PublicationType",
        "MedlineCitation/MeshHeadingList/MeshHeading/DescriptorName",
        "MedlineCitation/KeywordList/Keyword",
        "PubmedData/ArticleIdList/ArticleId",
        "PubmedData/ArticleIdList/ArticleId@IdType",
        "BookDocument/PMID",
        "BookDocument/ArticleTitle",
        "BookDocument/Book/BookTitle",
        "BookDocument/Abstract/AbstractText",
        "BookDocument/Abstract/AbstractText@Label",
        "BookDocument/AuthorList/Author/LastName",
        "BookDocument/AuthorList/Author/ForeName",
        "BookDocument/AuthorList/Author/CollectiveName",
        "BookDocument/Book/PubDate/Year",
        "BookDocument/Language",
        "BookDocument/PublicationType",
        "BookDocument/KeywordList/Keyword",
        "BookDocument/ArticleIdList/ArticleId",
        "BookDocument/ArticleIdList/ArticleId@IdType",
        "PubmedBookData/ArticleIdList/ArticleId",
        "PubmedBookData/ArticleIdList/ArticleId@IdType",
    }
)


def _is_record(tag: str, depth: int) -> bool:
    return depth == 1 and tag in RECORDS


def read_pubmed_xml(stream: TextIO, *, warn: Warn) -> Iterator[ParsedRecord]:
    builder = RecordBuilder(_is_record, others_at=1)
    for ordinal, (element, line) in enumerate(stream_records(stream, builder), 1):
        yield record_from_element(element, ordinal, line)
    for name, count in sorted(builder.others.items()):
        what = "element" if count == 1 else "elements"
        warn("skipped", f"{count} <{name}> {what} below the root were skipped: they are no records")


# --- the field table ---------------------------------------------------------------------


def text_of(element: ET.Element) -> str:
    """An element's text with its inline markup dropped, whitespace collapsed."""
    return clean("".join(element.itertext()))


def _is_text(element: ET.Element) -> bool:
    """A value element: no children, or text with inline markup (mixed content)."""
    if not len(element):
        return True
    if element.text and element.text.strip():
        return True
    return all(child.tag in INLINE or str(child.tag).startswith(MATHML) for child in element)


def fields_of(record: ET.Element) -> dict[str, Any]:
    """Element path below the record -> text (attributes as 'path@name'), repeated paths
    giving lists; the record element's own attributes are '@name'."""
    fields: dict[str, Any] = {}
    for name, value in record.attrib.items():
        add(fields, f"@{name}", value)
    stack = [(child, str(child.tag)) for child in reversed(record)]
    while stack:  # depth first, in document order, without recursion
        element, path = stack.pop()
        for name, value in element.attrib.items():
            add(fields, f"{path}@{name}", value)
        if _is_text(element):
            add(fields, path, "".join(element.itertext()))
        else:
            stack.extend((child, f"{path}/{child.tag}") for child in reversed(element))
    return fields


def fields_from_text(raw_text: str) -> dict[str, Any]:
    element = parse_record(raw_text)
    return fields_of(element) if element is not None else {}


# --- normalised fields -------------------------------------------------------------------


def _find(element: ET.Element | None, path: str) -> ET.Element | None:
    return element.find(path) if element is not None else None


def _text(element: ET.Element | None, path: str) -> str:
    found = _find(element, path)
    return text_of(found) if found is not None else ""


def _authors(author_list: ET.Element | None) -> list[str]:
    if author_list is None:
        return []
    names = []
    for author in author_list.iter("Author"):
        if author.get("ValidYN") == "N":  # an erroneous name PubMed keeps for the record
            continue
        last, fore = _text(author, "LastName"), _text(author, "ForeName")
        if last:
            names.append(f"{last}, {fore}" if fore else last)
        elif collective := _text(author, "CollectiveName"):
            names.append(collective)
    return names


def _abstract(abstract: ET.Element | None) -> str:
    if abstract is None:
        return ""
    parts = []
    for part in abstract.iter("AbstractText"):
        text = text_of(part)
        if not text:
            continue
        label = part.get("Label", "").strip()
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _ids(*lists: ET.Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    for id_list in lists:
        if id_list is None:
            continue
        for article_id in id_list.findall("ArticleId"):
            kind = (article_id.get("IdType") or "").lower()
            if kind and kind not in ids and (value := text_of(article_id)):
                ids[kind] = value
    return ids


def _year(date: ET.Element | None, warnings: list[str]) -> tuple[int | None, str]:
    """PubDate's Year, else the year in MedlineDate ('1998 Dec-1999 Jan', '2001 Spring')."""
    if date is None:
        return None, ""
    text = _text(date, "Year") or _text(date, "MedlineDate")
    if not text:
        return None, ""
    year = parse_year(text)
    if year is None:
        warnings.append(f"year not understood: {text!r}")
    return year, text


def record_from_element(element: ET.Element, ordinal: int, line: int) -> ParsedRecord:
    warnings: list[str] = []
    citation = element if element.tag == "MedlineCitation" else element.find("MedlineCitation")
    book = element.find("BookDocument")
    article = _find(citation, "Article")
    if book is not None:
        title = _text(book, "ArticleTitle") or _text(book, "Book/BookTitle")
        journal = _text(book, "Book/BookTitle") if book.find("ArticleTitle") is not None else ""
        year, year_text = _year(book.find("Book/PubDate"), warnings)
        authors = _authors(book.find("AuthorList"))
        abstract = _abstract(book.find("Abstract"))
        pmid = _text(book, "PMID")
        ids = _ids(book.find("ArticleIdList"), element.find("PubmedBookData/ArticleIdList"))
        keywords = [text_of(k) for k in book.iterfind("KeywordList/Keyword")]
        language = _text(book, "Language")
        kind = _text(book, "PublicationType") or "Book"
        volume = issue = pages = ""
    else:
        # A title PubMed could not give in English is '[Not Available].'; the original
        # language's title is then the one to screen.
        title = _text(article, "ArticleTitle")
        if not title or title.strip("[]. ").lower() == "not available":
            title = _text(article, "VernacularTitle") or title
        issue_element = _find(article, "Journal/JournalIssue")
        journal = _text(article, "Journal/Title") or _text(article, "Journal/ISOAbbreviation")
        year, year_text = _year(_find(issue_element, "PubDate"), warnings)
        if year is None and not year_text:
            year, year_text = _year(_find(article, "ArticleDate"), warnings)
        authors = _authors(_find(article, "AuthorList"))
        abstract = _abstract(_find(article, "Abstract"))
        pmid = _text(citation, "PMID")
        ids = _ids(element.find("PubmedData/ArticleIdList"))
        for location in article.iterfind("ELocationID") if article is not None else ():
            kind_of_id = (location.get("EIdType") or "").lower()
            if location.get("ValidYN", "Y") != "N" and kind_of_id not in ids:
                ids[kind_of_id] = text_of(location)
        keywords = [
            text_of(k)
            for path in ("MeshHeadingList/MeshHeading/DescriptorName", "KeywordList/Keyword")
            for k in (citation.iterfind(path) if citation is not None else ())
        ]
        language = _text(article, "Language")
        kind = _text(article, "PublicationTypeList/PublicationType")
        volume = _text(issue_element, "Volume")
        issue = _text(issue_element, "Issue")
        pages = _text(article, "Pagination/MedlinePgn") or join_pages(
            _text(article, "Pagination/StartPage"), _text(article, "Pagination/EndPage")
        )
    if not title:
        warnings.append("no title")
    return ParsedRecord(
        ordinal=ordinal,
        line=line,
        raw_text=serialise(element),
        raw_fields=fields_of(element),
        title=title,
        abstract=abstract,
        authors=authors,
        year=year,
        year_text=year_text,
        journal=journal,
        volume=volume,
        issue=issue,
        pages=pages,
        doi=normalise_doi(ids.get("doi", "")),
        pmid=pmid if pmid.isdigit() else ids.get("pubmed", ""),
        keywords=split_keywords(k for k in keywords if k),
        language=language,
        type=kind,
        warnings=warnings,
    )
