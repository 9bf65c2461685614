"""CSL-JSON (Zotero, Better BibTeX, Mendeley, citation-js, manubot): real exports with exact
fields; synthetic inputs (built here, labelled so) for the other layouts and hostile JSON."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import ImportFileError, fields_from_raw, open_export

from .conftest import FIXTURES, read_all

Write = Callable[..., Path]


def test_zotero_better_bibtex_export() -> None:
    reader, records = read_all(FIXTURES / "zotero-better-bibtex__Pandoc_Citation.csl.json")
    assert (reader.format, len(records), reader.warnings) == ("csl-json", 4, [])
    adams, berndt, dunning, wordsworth = records
    assert adams.title == (
        "The physical volcanology of the 1600 eruption of Huaynaputina, southern Peru"
    )  # CSL markup (<b>) removed; kept in raw_fields
    assert adams.raw_fields["title"].endswith("<b>Huaynaputina</b>, southern Peru")
    assert adams.authors[:2] == ["Adams, Nancy K", "DeSilva, Shanaka L"]
    assert len(adams.authors) == 7
    assert (adams.year, adams.year_text) == (2014, "2014-12-31")  # a date range: its start
    assert adams.raw_fields["issued/date-parts"] == ["2014-12-31", "2015-1-1"]
    assert (adams.journal, adams.volume, adams.pages, adams.type) == (
        "Bulletin of Volcanology",
        "62",
        "493–518",
        "Journal Article",
    )
    assert adams.raw_fields["type"] == "article-journal"
    assert berndt.title == (
        "Skizze zur Auslegungsgeschichte der Bücher Prouerbia und Ecclesiastes in der "
        "abendländischen Kirche"
    )
    assert (berndt.doi, berndt.language, berndt.url) == (
        "10.1484/j.se.2.303788",
        "German",
        "http://dx.doi.org/10.1484/J.SE.2.303788",
    )
    assert dunning.title.endswith(
        "Collecta ex diuersis auditis in scola magistri Willelmi de Monte"
    )  # <span class="nocase">
    assert (dunning.type, dunning.journal) == ("Book", "")
    assert wordsworth.authors == []  # an editor only: editors are not authors
    assert wordsworth.title.startswith(
        "The Gospel according to St. Matthew, from the St. Germain ms. (g1)"
    )
    assert [r.line for r in records] == [2, 54, 88, 111]
    assert all(r.problems == ["no-abstract"] for r in records)


def test_ncbi_citation_exporter_item() -> None:
    reader, [record] = read_all(FIXTURES / "manubot__pubmed-scihub-study-csl.json")
    assert record.title == "Sci-Hub provides access to nearly all scholarly literature."
    assert (record.pmid, record.doi, record.year, record.journal, record.volume) == (
        "29424689",
        "10.7554/elife.32822",
        2018,
        "eLife",
        "7",
    )
    assert record.authors[-2:] == ["Greshake Tzovaras, Bastian", "Greene, Casey S"]
    assert "Our interactive browser at https://greenelab.github.io/scihub allows" in record.abstract
    assert record.raw_fields["PMCID"] == "PMC5832410"


# Synthetic (built for these tests, not real exports): the other layouts and variants.
ITEM = {
    "id": "x1",
    "type": "chapter",
    "title": "A &amp; B: <i>in vitro</i>",
    "author": [
        {"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"},
        {"literal": "WHO Study Group"},
        {"family": "Jr", "given": "Sam", "suffix": "III"},
    ],
    "issued": {"raw": "2019-05"},
    "container-title": ["Book of things"],
    "page": 12,
    "volume": 3,
    "PMID": "123",
    "keyword": "alpha, beta; gamma",
    "_graph": [{"type": "@else/json", "data": "[]"}],
}


@pytest.mark.parametrize(
    ("layout", "data"),
    [
        ("array", [ITEM]),
        ("single object", ITEM),
        ("id-keyed map (citeproc-js)", {"x1": ITEM}),
        ("citation-js Cite object", {"_options": {"format": "real"}, "log": [], "data": [ITEM]}),
        ("items wrapper", {"items": [ITEM]}),
    ],
)
def test_layouts(export_file: Write, layout, data) -> None:
    reader, [record] = read_all(export_file(json.dumps(data, indent=2), "refs.json"))
    assert reader.format == "csl-json"
    assert record.title == "A & B: in vitro"
    assert record.authors == ["van Gogh, Vincent", "WHO Study Group", "Jr, Sam, III"]
    assert (record.year, record.year_text, record.journal, record.pages, record.volume) == (
        2019,
        "2019-05",
        "Book of things",
        "12",
        "3",
    )
    assert (record.pmid, record.type) == ("123", "Book Section")
    assert record.keywords == ["alpha, beta", "gamma"]
    assert json.loads(record.raw_text) == ITEM
    assert fields_from_raw("csl-json", record.raw_text) == record.raw_fields
    assert record.raw_fields["author/literal"] == "WHO Study Group"
    if layout == "citation-js Cite object":
        assert reader.warnings == [
            "2 members of the top-level object that are no CSL items were skipped: '_options', 'log'"
        ]


def test_json_lines_and_odd_values(export_file: Write) -> None:
    lines = [
        {"title": "One", "issued": {"date-parts": [["2001"]]}, "DOI": "https://doi.org/10.1000/A"},
        {"type": "article", "title": "Two", "issued": "2002-03-04", "note": "Extra\nPMID: 77\n"},
        {"type": "webpage", "title": ["Three"], "issued": {"literal": "n.d."}},
    ]
    data = "\n".join(json.dumps(item) for item in lines) + "\n"
    reader, records = read_all(export_file(data, "refs.jsonl"))
    assert [(r.title, r.year, r.line) for r in records] == [
        ("One", 2001, 1),
        ("Two", 2002, 2),
        ("Three", None, 3),
    ]
    assert records[0].doi == "10.1000/a"
    assert (records[1].pmid, records[1].type) == ("77", "Preprint")
    assert records[2].problems == ["no-abstract", "bad-year"]


def test_array_elements_that_are_not_items_are_reported(export_file: Write) -> None:
    reader, records = read_all(export_file('[{"title": "A"}, 7, null, {"title": "B"}]'))
    assert [r.title for r in records] == ["A", "B"]
    assert reader.warnings == [
        "element 2 of the array (line 1) is not an object: skipped",
        "element 3 of the array (line 1) is not an object: skipped",
    ]


def test_truncated_json_names_the_line(export_file: Write) -> None:
    data = '[\n  {"title": "A"},\n  {"title": "B",\n   "author": [{"family": "C"'
    with pytest.raises(ImportFileError) as caught:
        read_all(export_file(data, "refs.json"))
    assert caught.value.message.startswith("refs.json: the JSON is not valid:")
    assert caught.value.line == 4


def test_deep_nesting_is_refused(export_file: Write) -> None:
    data = '[{"title": "A", "x": ' + "[" * 100_000 + "]" * 100_000 + "}]"
    with pytest.raises(ImportFileError) as caught:
        read_all(export_file(data, "refs.json"))
    assert caught.value.message == "refs.json: the JSON nests values too deeply (line 1)"


def test_an_oversized_item_is_refused(export_file: Write, monkeypatch) -> None:
    monkeypatch.setattr("lib.imports.csl_json.MAX_ITEM", 1 << 20)
    data = '[{"title": "A"}, {"title": "' + "x" * (3 << 20) + '"}]'
    with pytest.raises(ImportFileError) as caught:
        read_all(export_file(data, "refs.json"))
    assert "longer than 1 million characters" in caught.value.message
    assert caught.value.line == 1


def test_streamed_in_bounded_memory(export_file: Write) -> None:
    """Twice the items, about the same peak: memory does not grow with the file."""
    peaks = []
    for n in (300, 600):
        items = [
            {"id": i, "type": "book", "title": f"T{i}", "abstract": "x" * 5000} for i in range(n)
        ]
        path = export_file(json.dumps(items, indent=1), f"big{n}.json")
        with open_export(path) as reader:
            tracemalloc.start()
            try:
                for record in reader:
                    if record.ordinal == 1:
                        assert reader.bytes_read < reader.size / 10
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
        assert record.ordinal == n
    assert peaks[1] < peaks[0] * 1.25 and peaks[1] < path.stat().st_size / 2
