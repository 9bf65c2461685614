"""Whatever bytes arrive, open_export and iteration raise nothing but ImportFileError.

Random bytes, and real exports of every format cut, spliced and bit-flipped.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.imports import ImportFileError, fields_from_raw, open_export
from tests.hypothesis_budget import examples

from .conftest import FIXTURES
from .test_import_xlsx import SCOPUS_LIKE, workbook_bytes

SEEDS = {
    "ris": [
        "colrev__psycinfo_ris.ris",
        "citation-file-formatting___baseline_cochrane_endnote.ris",
        "sysrev__IEEE_Xplore_Citation_Download_2019.11.04.16.41.46.ris",
        "colrev__abi_inform_proquest_ris.ris",
    ],
    "csv": ["citation-file-formatting___baseline_pubmed.csv"],
    "medline": ["synthesisr__PubMed_example.txt"],
    "wos": ["synthesisr__WoS_txt_example.txt"],
    "endnote-xml": ["sysrev__Endnote_3_citations.xml"],
    "endnote-tagged": ["srdedupe__mini_endnote.enw", "colrev__ais_enl.txt"],
    "bibtex": ["buhos__encoding_iso_8859_1.bib", "colrev__ebsco_bib.bib"],
    "ovid": ["commandline4expertsearchers__Embase_endnote_r3001-3002.cgi"],
    "pubmed-xml": ["biopython__pubmed1.xml"],
    "csl-json": [
        "zotero-better-bibtex__Pandoc_Citation.csl.json",
        "manubot__pubmed-scihub-study-csl.json",
    ],
}
SEED_BYTES = {fmt: [(FIXTURES / n).read_bytes() for n in names] for fmt, names in SEEDS.items()}
SEED_BYTES["xlsx"] = [workbook_bytes(SCOPUS_LIKE)]
SNIPPETS = [
    b"TY  - ",
    b"ER  - ",
    b"\n",
    b"\r",
    b"\r\n",
    b'"',
    b",",
    b"\t",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xe9",
    b"\xc3\xa9",
    b"PMID- ",
    b"PT J\n",
    b"ER\n",
    b"FN ",
    b"%0 ",
    b"%PDF",
    b"PK\x03\x04",
    b"@article{",
    b"@string{x = ",
    b"{",
    b"}",
    b"\\",
    b'\\"{',
    b"$",
    b"#",
    b"%",
    b"<record>",
    b"</record>",
    b"<!ENTITY a 'b'>",
    b"&amp;",
    b"&#0;",
    b"<1>\n",
    b"Title,",
    b"<PubmedArticle>",
    b"</PubmedArticle>",
    b"<mml:math>",
    b"[",
    b"]",
    b'{"title": ',
    b'"',
    b"\\u00",
    b"[[[[[[[[",
]
FAST = settings(
    max_examples=examples(100),
    deadline=None,
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def read_everything(data: bytes) -> None:
    fd, name = tempfile.mkstemp(suffix=".ris")
    try:
        os.write(fd, data)
        os.close(fd)
        try:
            with open_export(Path(name), filename="fuzz.ris") as reader:
                for record in reader:
                    assert isinstance(record.title, str)
                    assert isinstance(record.authors, list)
                    assert reader.bytes_read <= reader.size
                    assert fields_from_raw(reader.format, record.raw_text) == record.raw_fields
                reader.unmapped_fields  # noqa: B018 - a property that reads the file again
        except ImportFileError as error:
            assert error.message
    finally:
        os.unlink(name)


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    read_everything(data)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "delete", "insert", "snippet", "flip", "repeat"]))
        if action == "cut":
            del data[at:]
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif action == "snippet":
            data[at:at] = draw(st.sampled_from(SNIPPETS)) * draw(st.integers(1, 3))
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 300))] * draw(st.integers(2, 40))
        elif data:
            data[at % len(data)] ^= draw(st.integers(1, 255))
    return bytes(data)


@pytest.mark.parametrize("fmt", sorted(SEED_BYTES))
def test_mutated_real_exports(fmt: str) -> None:
    @FAST
    @given(mutated(SEED_BYTES[fmt]))
    def check(data: bytes) -> None:
        read_everything(data)

    check()
