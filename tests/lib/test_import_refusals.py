"""Files that cannot be imported: each is refused with its own message naming the file."""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import ImportFileError, open_export

from .conftest import read_all

Write = Callable[..., Path]


def refusal(path: Path, filename: str = "upload.ris") -> str:
    """The message of the ImportFileError raised by opening or reading the file."""
    with pytest.raises(ImportFileError) as caught:
        read_all(path, filename=filename)
    return str(caught.value)


def zip_bytes(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_empty_file(export_file: Write) -> None:
    assert refusal(export_file(b"")) == "upload.ris is empty (0 bytes)"


def test_whitespace_only_file(export_file: Write) -> None:
    message = refusal(export_file(b"\xef\xbb\xbf  \r\n\n\t \n"))
    assert message == "upload.ris is empty: it holds only blank lines"


def test_refusal_happens_at_open_not_at_iteration(export_file: Write) -> None:
    with pytest.raises(ImportFileError, match="empty"):
        open_export(export_file(b""), filename="upload.ris")


def test_message_names_the_file_by_its_path_when_no_filename_is_given(export_file: Write) -> None:
    with pytest.raises(ImportFileError, match=r"^results\.txt is empty"):
        open_export(export_file(b"", name="results.txt"))


def test_binary_file_with_nul_bytes(export_file: Write) -> None:
    message = refusal(export_file(b"TY  - JOUR\nTI  - x\x00\x01\x02\nER  - \n"))
    assert message.startswith("upload.ris is a binary file, not a text export (RIS or CSV)")


def test_nul_byte_far_into_a_text_file(export_file: Write) -> None:
    record = b"TY  - JOUR\nTI  - A title\nER  - \n\n"
    message = refusal(export_file(record * 5000 + b"\x00" + record))
    assert "binary file" in message
    assert f"NUL byte at byte {len(record) * 5000}" in message


def test_binary_noise_without_nul_bytes(export_file: Write) -> None:
    noise = bytes(range(1, 9)) * 2000
    assert "is a binary file" in refusal(export_file(noise))


def test_pdf_renamed_ris(export_file: Write) -> None:
    message = refusal(export_file(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"))
    assert message.startswith("upload.ris is a PDF, not a search-results export")


def test_old_excel_and_opendocument_spreadsheets(export_file: Write) -> None:
    message = refusal(export_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), "r.xls")
    assert message == (
        "r.xls is an old Microsoft Office file (XLS): this Excel format is not supported: "
        "save the sheet as XLSX or CSV"
    )
    data = zip_bytes(
        {"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}
        | {"content.xml": "<office:document-content/>"}
    )
    assert refusal(export_file(data), "r.ods") == (
        "r.ods is an OpenDocument file: OpenDocument spreadsheets are not supported: "
        "save the sheet as XLSX or CSV"
    )


def test_zip_archive(export_file: Write) -> None:
    message = refusal(export_file(zip_bytes({"export.ris": "TY  - JOUR\nER  - \n"})))
    assert message.startswith("upload.ris is a compressed archive (ZIP): unzip it first")


def test_gzip_archive(export_file: Write) -> None:
    assert "compressed archive (gzip)" in refusal(export_file(b"\x1f\x8b\x08\x00rest"))


def test_truncated_ris_cut_mid_line(export_file: Write) -> None:
    data = b"TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two\nAB  - The abstract is cu"
    message = refusal(export_file(data))
    assert message == (
        "upload.ris: the file seems truncated: record 2 starting at line 5 has no end (ER) "
        "line and the file stops in the middle of a line (record 2, line 7)"
    )


def test_truncated_ris_error_carries_line_and_record(export_file: Write) -> None:
    path = export_file(b"TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Tw")
    with pytest.raises(ImportFileError) as caught:
        read_all(path)
    assert (caught.value.record, caught.value.line) == (2, 5)


def test_text_without_records(export_file: Write) -> None:
    message = refusal(export_file(b"Some notes about my search.\nNothing else here.\n"))
    assert message == (
        "could not recognise the format of upload.ris: expected RIS (lines like 'TY  - JOUR'), "
        "PubMed/MEDLINE, Web of Science, EndNote, BibTeX or Ovid tagged text, EndNote or PubMed "
        "XML, CSL-JSON, or a table (CSV, TSV or XLSX) with a header row naming a Title column"
    )


def test_tagged_lines_without_ty_have_no_records(export_file: Write) -> None:
    message = refusal(export_file(b"TI  - A title\nAU  - Smith, J\nER  - \n"))
    assert message.startswith(
        "no records found in upload.ris: it has tagged lines like 'TI  - ' but no 'TY  - ' line"
    )


def test_xml_other_than_endnote_or_pubmed(export_file: Write) -> None:
    message = refusal(export_file(b'<?xml version="1.0"?>\n<feed><entry/></feed>\n'))
    assert message == (
        "upload.ris: XML other than EndNote XML or PubMed XML is not supported (its root "
        "element is <feed>); export the search results as RIS or CSV instead"
    )


def test_xml_root_is_found_past_a_long_comment(export_file: Write) -> None:
    data = b'<?xml version="1.0"?>\n<!--' + b"x" * 100_000 + b"-->\n<feed><entry/></feed>\n"
    assert "(its root element is <feed>)" in refusal(export_file(data))


def test_pubmed_search_result_ids_only(export_file: Write) -> None:
    data = b'<?xml version="1.0" ?>\n<eSearchResult><Count>2</Count><IdList><Id>1</Id></IdList></eSearchResult>'
    assert refusal(export_file(data)) == (
        "upload.ris is a PubMed search result (E-utilities esearch): it lists PubMed IDs, not "
        "records; fetch the records as XML (efetch, retmode=xml) or save them from PubMed"
    )


def test_html_page(export_file: Write) -> None:
    message = refusal(export_file(b"<!DOCTYPE html>\n<html><body><p>Results<br></body></html>"))
    assert message.startswith("upload.ris is a web page (HTML), not a search-results export")


def test_json_that_is_not_csl(export_file: Write) -> None:
    data = b'[{"key": "ABCD1234", "version": 3, "data": {"itemType": "journalArticle"}}]'
    assert refusal(export_file(data)) == (
        "upload.ris is JSON but not CSL-JSON: its first item has none of the CSL fields title, "
        "type, author or issued (it has 'key', 'version', 'data'); export the references as "
        "CSL JSON, RIS or CSV instead"
    )


def test_invalid_json_names_the_line(export_file: Write) -> None:
    data = b'[\n  {"title": "A", "type": "book"},\n  {"title": "B" "type": "book"}\n]\n'
    with pytest.raises(ImportFileError) as caught:
        read_all(export_file(data), filename="upload.ris")
    assert (
        caught.value.message
        == "upload.ris: the JSON is not valid: Expecting ',' delimiter (line 3)"
    )
    assert caught.value.line == 3


def test_empty_csl_array(export_file: Write) -> None:
    assert (
        refusal(export_file(b"[ ]\n"))
        == "no records found in upload.ris: it is JSON with no item in it"
    )


def test_xml_entities_are_refused_not_expanded(export_file: Write) -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"\n<xml><records><record><titles><title>&b;</title></titles></record></records></xml>\n"
    )
    message = refusal(export_file(data))
    assert message == (
        "upload.ris: the XML declares entities or external references, which are not read "
        "(they can be used to attack the server)"
    )


def test_malformed_endnote_xml_names_the_line(export_file: Write) -> None:
    data = b"<xml><records>\n<record><titles><title>A</title></titles></record>\n<record><ti"
    with pytest.raises(ImportFileError) as caught:
        read_all(export_file(data), filename="upload.ris")
    assert caught.value.message.startswith("upload.ris: the XML is not well-formed:")
    assert caught.value.line == 3


def test_csv_without_a_title_column(export_file: Write) -> None:
    path = export_file(b"Author,Year,Journal\nSmith,2020,Nature\n", "refs.csv")
    with pytest.raises(ImportFileError) as caught:
        open_export(path, filename="refs.csv")
    assert caught.value.message == (
        "refs.csv looks like a table but has no Title column (columns found: 'Author', 'Year', "
        "'Journal'); the importer needs a column named Title, Article Title or Document Title"
    )
    assert caught.value.columns == ["Author", "Year", "Journal"]


def test_csv_with_an_unterminated_quote(export_file: Write) -> None:
    data = b'Title,Year\n"First",2020\n"Second,2021\nThird,2022\n'
    message = refusal(export_file(data), "refs.csv")
    assert message == (
        'refs.csv: the CSV has a quote (") that is never closed, so the rest of the file is '
        "one cell (line 3)"
    )


def test_header_only_csv(export_file: Write) -> None:
    assert (
        refusal(export_file(b"Title,Authors,Year\n"), "refs.csv") == "no records found in refs.csv"
    )
