"""Whatever bytes arrive, open_export and iteration raise nothing but ImportFileError."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.imports import ImportFileError, open_export

from .conftest import FIXTURES

SEEDS = [
    (FIXTURES / name).read_bytes()
    for name in (
        "colrev__psycinfo_ris.ris",
        "citation-file-formatting___baseline_cochrane_endnote.ris",
        "sysrev__IEEE_Xplore_Citation_Download_2019.11.04.16.41.46.ris",
        "colrev__abi_inform_proquest_ris.ris",
        "citation-file-formatting___baseline_pubmed.csv",
    )
]
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
    b"PMID- ",
    b"%PDF",
    b"PK\x03\x04",
    b"@article{",
    b"Title,",
]
FAST = settings(
    max_examples=100,
    deadline=None,
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.too_slow],
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
                    assert reader.bytes_read <= reader.size
        except ImportFileError as error:
            assert error.message
    finally:
        os.unlink(name)


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    read_everything(data)


@st.composite
def mutated_exports(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "delete", "insert", "snippet", "flip"]))
        if action == "cut":
            del data[at:]
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif action == "snippet":
            data[at:at] = draw(st.sampled_from(SNIPPETS))
        elif data:
            data[at % len(data)] ^= draw(st.integers(1, 255))
    return bytes(data)


@FAST
@given(mutated_exports())
def test_mutated_real_exports(data: bytes) -> None:
    read_everything(data)
