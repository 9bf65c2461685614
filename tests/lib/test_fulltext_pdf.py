"""Reading uploaded full texts: real PDFs round-trip, anything else is refused by name."""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile

import pytest
from pypdf import PageObject, PdfReader, PdfWriter

from lib.fulltext import pdf as pdf_module
from lib.fulltext.pdf import PdfError, PdfInfo, make_pdf, read_pdf

TITLE = "School-based physical activity and fitness in children: a cluster randomised trial"


@pytest.fixture(autouse=True)
def _quiet_pypdf(caplog: pytest.LogCaptureFixture) -> None:
    # pypdf logs a warning for each oddity it repairs; the damaged files here are meant to be.
    caplog.set_level(logging.ERROR, logger="pypdf")


def read(data: bytes, filename: str = "report.pdf", **kwargs: int) -> PdfInfo:
    return read_pdf(io.BytesIO(data), filename=filename, **kwargs)


def refusal(data: bytes, filename: str = "report.pdf", **kwargs: int) -> str:
    with pytest.raises(PdfError) as caught:
        read(data, filename, **kwargs)
    assert str(caught.value) == caught.value.message
    return caught.value.message


class _Stream(io.RawIOBase):
    """A readable stream with no file behind it and no seeking (like a ZIP entry)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def protected(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- round trips --------------------------------------------------------------------------


def test_a_made_pdf_reads_back_with_its_pages_title_text_hash_and_size():
    data = make_pdf(
        TITLE,
        ["Background: children move too little.", "Methods: 20 schools."],
        doi="10.1093/pubmed/fdh150",
    )

    info = read(data)

    assert info.pages == 1
    assert info.title == TITLE
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert " ".join(info.text.split()).startswith(TITLE)
    assert "doi: 10.1093/pubmed/fdh150" in info.text
    assert "Methods: 20 schools." in info.text


def test_make_pdf_is_deterministic_and_a_pdf_from_its_first_byte():
    data = make_pdf("Same", ["a", "b"], doi="10.1/x")
    assert data == make_pdf("Same", ["a", "b"], doi="10.1/x")
    assert data.startswith(b"%PDF-1.4\n")
    assert data.rstrip().endswith(b"%%EOF")


def test_make_pdf_without_doi_or_lines():
    info = read(make_pdf("Just a title"))
    assert info.text == "Just a title"
    assert "doi" not in info.text


def test_special_characters_survive_in_text_and_title():
    title = r"Effets de l'école (étude) \ pilote: 5 µg/kg vs. «placebo»"
    info = read(make_pdf(title, ["Line with (parentheses) and a back\\slash."]))
    assert info.title == title
    assert "(étude)" in info.text
    assert "«placebo»" in info.text
    assert "Line with (parentheses) and a back\\slash." in info.text


def test_a_long_text_flows_onto_more_pages_and_only_the_first_three_are_read():
    data = make_pdf("Long", [f"Sentence number {n}." for n in range(300)])
    info = read(data)
    assert info.pages == len(PdfReader(io.BytesIO(data)).pages) >= 5
    assert info.text.count("\f") == 2  # pages are separated by form feeds
    assert "Sentence number 0." in info.text
    assert "Sentence number 299." not in info.text


def test_text_is_capped(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pdf_module, "TEXT_CHARS", 50)
    info = read(make_pdf("Capped", [f"Sentence number {n}." for n in range(300)]))
    assert len(info.text) == 50


def test_path_file_object_and_unseekable_stream_read_the_same(tmp_path):
    data = make_pdf(TITLE, ["text"], doi="10.1/x")
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    from_bytes = read(data)
    with path.open("rb") as handle:
        handle.seek(0, io.SEEK_END)  # read from the start whatever the position
        from_handle = read_pdf(handle, filename="report.pdf")
    assert read_pdf(path, filename="report.pdf") == from_bytes
    assert read_pdf(str(path), filename="report.pdf") == from_bytes
    assert from_handle == from_bytes
    assert read_pdf(io.BufferedReader(_Stream(data)), filename="report.pdf") == from_bytes


def test_a_pdf_without_text_is_still_a_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    info = read(out.getvalue())
    assert (info.pages, info.text, info.title) == (1, "", "")


def test_a_page_whose_text_cannot_be_extracted_leaves_the_file_valid(monkeypatch):
    def broken(self, *args, **kwargs):
        raise KeyError("/Font")

    monkeypatch.setattr(PageObject, "extract_text", broken)
    info = read(make_pdf(TITLE, ["text"]))
    assert (info.pages, info.text, info.title) == (1, "", TITLE)


def test_the_header_may_follow_some_junk_within_the_first_kilobyte():
    data = b"\r\n" * 20 + make_pdf(TITLE)
    assert read(data).pages == 1


def test_an_owner_password_alone_does_not_stop_reading():
    info = read(protected(make_pdf(TITLE, ["Results."]), user_password=""))
    assert info.pages == 1
    assert "Results." in info.text


# --- refusals -----------------------------------------------------------------------------


def test_a_zip_renamed_pdf_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refusal(out.getvalue()) == "report.pdf is not a PDF (it starts like a ZIP archive)."


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"<!DOCTYPE html>\n<html><head><title>Sign in</title>", "a web page"),
        (b"\n  <html lang='en'><body>Access denied</body></html>", "a web page"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
        (b"{\\rtf1\\ansi", "an RTF document"),
    ],
)
def test_other_files_named_pdf_are_refused_saying_what_they_look_like(data, kind):
    assert refusal(data, "smith2020.pdf") == f"smith2020.pdf is not a PDF (it starts like {kind})."


def test_an_unknown_file_is_refused_plainly():
    assert refusal(b"Just some text\n" * 10) == "report.pdf is not a PDF."


def test_an_empty_file_is_refused():
    assert refusal(b"") == "report.pdf is empty."


def test_a_header_past_the_first_kilobyte_does_not_count():
    assert refusal(b" " * 1024 + make_pdf(TITLE)) == "report.pdf is not a PDF."


@pytest.mark.parametrize("keep", [0.25, 0.5, 0.9])
def test_a_truncated_pdf_is_damaged(keep):
    data = make_pdf(TITLE, ["text"] * 20)
    message = refusal(data[: int(len(data) * keep)])
    assert message.startswith("report.pdf is damaged: ")
    assert message.endswith(".")


def test_garbage_after_the_header_is_damaged():
    assert refusal(b"%PDF-1.7\n" + b"\x00garbage" * 50).startswith("report.pdf is damaged: ")


def test_a_pdf_without_pages_is_refused():
    out = io.BytesIO()
    PdfWriter().write(out)
    assert refusal(out.getvalue()) == "report.pdf has no pages."


def test_a_user_password_is_refused():
    data = protected(make_pdf(TITLE), user_password="secret")
    assert refusal(data) == "report.pdf is encrypted and cannot be read."


def test_a_file_over_the_limit_is_refused():
    data = make_pdf(TITLE, ["Some text for a few kilobytes."] * 100)
    assert len(data) > 2048
    assert read(data, max_bytes=len(data)).size == len(data)
    assert (
        refusal(data, max_bytes=len(data) - 1)
        == f"report.pdf is larger than {len(data) - 1:,} bytes."
    )
    assert refusal(data, max_bytes=2048) == "report.pdf is larger than 2 KB."


def test_the_default_limit_reads_200_mb():
    assert pdf_module.MAX_BYTES == 200 * 1024 * 1024
    assert (
        pdf_module._too_large("big.pdf", pdf_module.MAX_BYTES) == "big.pdf is larger than 200 MB."
    )


def test_an_unseekable_stream_over_the_limit_is_refused_without_reading_it_all():
    stream = _Stream(make_pdf(TITLE) + b"\n%" + b"x" * 100_000)
    with pytest.raises(PdfError, match=r"^a\.pdf is larger than 1 KB\.$"):
        read_pdf(io.BufferedReader(stream), filename="a.pdf", max_bytes=1024)
    assert stream._data.tell() < 100_000


def test_a_publishers_aes_protected_pdf_with_no_password_to_open_is_read():
    """Many journal PDFs are AES-encrypted to restrict printing, with an empty password to
    open them: they are full texts like any other (pypdf[crypto])."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Locked title", ["Body text"]))))
    writer.encrypt(user_password="", owner_password="publisher", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    info = read_pdf(io.BytesIO(out.getvalue()), filename="locked.pdf")
    assert info.pages == 1 and "Body text" in info.text


def test_a_pdf_that_needs_a_password_to_open_is_refused():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Secret", ["Body"]))))
    writer.encrypt(user_password="open-sesame", owner_password="x", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(PdfError, match="secret.pdf is encrypted"):
        read_pdf(io.BytesIO(out.getvalue()), filename="secret.pdf")
