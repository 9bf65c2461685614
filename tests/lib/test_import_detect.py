"""The format comes from the content, whatever the file is called."""

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import read_all

Write = Callable[..., Path]


@pytest.mark.parametrize(
    ("data", "fmt", "titles"),
    [
        (b"TY  - JOUR\nTI  - A\nER  - \n", "ris", ["A"]),
        (b"PMID- 38064908\nOWN - NLM\nTI  - A title.\n\nPMID- 1\nTI  - B\n", "medline", None),
        (b"OWN - NLM\nSTAT- MEDLINE\nTI  - A title.\n", "medline", ["A title."]),
        (
            b"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A title\nER\n"
            b"EF\n",
            "wos",
            ["A title"],
        ),
        (b"PT J\nAU Abramo, G\nTI The determinants\nSO SCIENCE\nER\n", "wos", None),
        (b"Scopus\nEXPORT DATE: 2 September 2018\n\n@ARTICLE{L,\ntitle={A}}\n", "bibtex", ["A"]),
        (b"@article{key,\n  title = {A title},\n}\n", "bibtex", ["A title"]),
        (
            b'<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><titles>'
            b"<title>A</title></titles></record></records></xml>",
            "endnote-xml",
            ["A"],
        ),
        (b"%0 Journal Article\n%A Su, S\n%T WoodProperty.tw\n%D 2025\n", "endnote-tagged", None),
        (b"%T A title first\n%0 Journal Article\n%A Guo, W\n", "endnote-tagged", None),
        (b"<3001. >\nVN  - Ovid Technologies\nDB  - Embase\nTI  - A title.\n", "ovid", None),
        (b"<1>\nTitle\n  A labelled title\nAuthors\n  Smith J\n", "ovid", ["A labelled title"]),
        (
            b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
            b"<ArticleTitle>A</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
            b"</PubmedArticleSet>",
            "pubmed-xml",
            ["A"],
        ),
        (b'[{"type": "book", "title": "A"}]', "csl-json", ["A"]),
        (b'\n\n  {"id": "k", "title": "A"}', "csl-json", ["A"]),
        (b"Title,Year\nA,2001\n", "csv", ["A"]),
        (b"TI\tPY\nA\t2001\n", "tsv", ["A"]),
    ],
)
@pytest.mark.parametrize("name", ["upload.ris", "results.txt"])
def test_format_from_content(export_file: Write, data, fmt, titles, name) -> None:
    reader, records = read_all(export_file(data, name))
    assert reader.format == fmt
    assert records and all(r.title for r in records)
    if titles is not None:
        assert [r.title for r in records] == titles
