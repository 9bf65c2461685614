"""ZIPs of full texts: the PDFs come out, unsafe or explosive archives are refused whole."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import pytest

from lib.fulltext.archive import ArchiveError, iter_zip_pdfs
from lib.fulltext.pdf import make_pdf, read_pdf
from lib.zipsafe import BoundedEntry

PDF = make_pdf("A trial", ["text"], doi="10.1/a")


def build(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in entries.items():
            if name.endswith("/"):
                archive.mkdir(name.rstrip("/"))
            else:
                archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return out.getvalue()


def names(data: bytes, **kwargs) -> list[str]:
    return [name for name, _ in iter_zip_pdfs(io.BytesIO(data), filename="pdfs.zip", **kwargs)]


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(ArchiveError) as caught:
        names(data, **kwargs)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def test_pdf_entries_come_out_with_their_bytes_in_archive_order(tmp_path):
    other = make_pdf("Another", doi="10.1/b")
    data = build({"smith2020.pdf": PDF, "sub/": b"", "sub/jones2019.PDF": other})
    path = tmp_path / "upload.zip"
    path.write_bytes(data)

    found = [(name, stream.read()) for name, stream in iter_zip_pdfs(path, filename="pdfs.zip")]

    assert found == [("smith2020.pdf", PDF), ("sub/jones2019.PDF", other)]


def test_the_streams_read_as_pdfs():
    data = build({"a.pdf": PDF, "b.pdf": make_pdf("Second", ["more"])})
    titles = [
        read_pdf(stream, filename=name).title
        for name, stream in iter_zip_pdfs(io.BytesIO(data), filename="pdfs.zip")
    ]
    assert titles == ["A trial", "Second"]


def test_other_files_folders_mac_metadata_and_dotfiles_are_skipped():
    data = build(
        {
            "notes.txt": b"hello",
            "figure.png": b"\x89PNG",
            "folder/": b"",
            "__MACOSX/._a.pdf": b"\x00\x05\x16\x07",
            "._a.pdf": b"\x00\x05\x16\x07",
            ".hidden/b.pdf": PDF,
            "a.pdf": PDF,
            "a.pdf.txt": b"x",
        }
    )
    assert names(data) == ["a.pdf"]


def test_stored_entries_are_read_too():
    assert names(build({"a.pdf": PDF}, compression=zipfile.ZIP_STORED)) == ["a.pdf"]


def test_an_empty_archive_yields_nothing():
    assert names(build({})) == []


@pytest.mark.parametrize(
    "bad",
    [
        "../evil.pdf",
        "sub/../../evil.pdf",
        "/abs.pdf",
        "C:\\x.pdf",
        "c:/x.pdf",
        "..\\evil.pdf",
        "a\\..\\..\\b.txt",
    ],
)
def test_an_unsafe_name_refuses_the_whole_archive(bad):
    data = build({"fine.pdf": PDF, bad: PDF})
    assert refusal(data) == f"pdfs.zip holds an unsafe file name ({bad})."


def test_a_name_with_dots_inside_is_fine():
    assert names(build({"smith..2020.pdf": PDF, "v1.2/a.pdf": PDF})) == [
        "smith..2020.pdf",
        "v1.2/a.pdf",
    ]


def test_too_many_entries_refuse_the_archive():
    data = build({f"{n}.pdf": PDF for n in range(4)})
    assert names(data, max_entries=4) == ["0.pdf", "1.pdf", "2.pdf", "3.pdf"]
    assert refusal(data, max_entries=3) == "pdfs.zip has 4 entries; at most 3 are accepted."


def test_a_declared_total_over_the_limit_refuses_the_archive():
    data = build({"a.pdf": PDF, "b.pdf": PDF})
    assert names(data, max_total_bytes=2 * len(PDF)) == ["a.pdf", "b.pdf"]
    message = refusal(data, max_total_bytes=2 * len(PDF) - 1)
    assert message == f"pdfs.zip would unpack to more than {2 * len(PDF) - 1:,} bytes."
    assert refusal(data, max_total_bytes=1024) == "pdfs.zip would unpack to more than 1 KB."


def test_a_zip_bomb_is_refused():
    data = build({"a.pdf": PDF, "bomb.pdf": bytes(8 * 1024 * 1024)})
    assert len(data) < 100_000
    assert (
        refusal(data)
        == "pdfs.zip looks like a zip bomb: bomb.pdf is compressed more than 100 to 1."
    )


def test_the_ratio_limit_applies_to_any_entry_and_can_be_lowered():
    words = [
        "participants",
        "were",
        "randomised",
        "to",
        "exercise",
        "or",
        "usual",
        "care",
        "for",
        "twelve",
        "weeks",
    ]
    rng = random.Random(6)
    text = " ".join(rng.choices(words, k=200_000)).encode()  # ~1.4 MB, ratio ~4
    data = build({"a.pdf": PDF, "log.txt": text})
    assert names(data) == ["a.pdf"]
    assert (
        refusal(data, max_ratio=2)
        == "pdfs.zip looks like a zip bomb: log.txt is compressed more than 2 to 1."
    )


def test_small_entries_may_compress_well():
    assert names(build({"a.pdf": PDF, "blank.txt": bytes(100_000)}), max_ratio=5) == ["a.pdf"]


def test_a_stream_stops_past_its_declared_size():
    info = zipfile.ZipInfo("liar.pdf")
    info.file_size = 10
    stream = io.BufferedReader(BoundedEntry(io.BytesIO(b"%PDF-" + b"x" * 100), info, "pdfs.zip"))
    with pytest.raises(ArchiveError) as caught:
        stream.read()
    assert caught.value.message == (
        "pdfs.zip is damaged: liar.pdf holds more than the 10 bytes it declares."
    )


def test_a_stream_of_exactly_its_declared_size_reads_whole():
    info = zipfile.ZipInfo("ok.pdf")
    info.file_size = 5
    assert (
        io.BufferedReader(BoundedEntry(io.BytesIO(b"%PDF-"), info, "pdfs.zip")).read() == b"%PDF-"
    )


def test_corrupt_compressed_data_is_reported_while_reading():
    data = bytearray(build({"a.pdf": PDF * 5}))
    start = data.index(b"a.pdf") + len("a.pdf") + 20  # inside the compressed bytes
    data[start : start + 40] = b"\xff" * 40
    with pytest.raises(ArchiveError) as caught:
        for _, stream in iter_zip_pdfs(io.BytesIO(bytes(data)), filename="pdfs.zip"):
            stream.read()
    assert caught.value.message.startswith("pdfs.zip is damaged: a.pdf cannot be unpacked: ")


def _set_flag_bits(data: bytes, bits: int) -> bytes:
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.index(signature) + offset
        (flags,) = struct.unpack_from("<H", out, at)
        struct.pack_into("<H", out, at, flags | bits)
    return bytes(out)


def test_an_encrypted_pdf_entry_refuses_the_archive():
    data = _set_flag_bits(build({"a.pdf": PDF}), 0x1)
    assert refusal(data) == "pdfs.zip is encrypted (a.pdf needs a password)."


def test_a_pdf_is_not_a_zip():
    assert refusal(PDF) == "pdfs.zip is not a ZIP archive."


def test_an_empty_file_is_not_a_zip():
    assert refusal(b"") == "pdfs.zip is empty."


def test_a_truncated_zip_is_damaged():
    data = build({"a.pdf": PDF, "b.pdf": PDF})
    assert refusal(data[: len(data) // 2]).startswith("pdfs.zip is damaged: ")
