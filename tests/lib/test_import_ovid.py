"""Ovid's own export formats: numbered records, tagged or labelled ('Complete Reference')."""

from collections.abc import Callable
from pathlib import Path

from .conftest import FIXTURES, read_all

Write = Callable[..., Path]

# The display layout with field labels, as Ovid writes it (after JabRef's Ovid test files).
LABELLED = """<1>
Score
  *****
Accession Number
  00005131-900000000-99049.
Author
  Verbeek, Jan MD *;  Hermans, Erik MD +;  van Vugt, Arie MD, PhD +
Institution
  From the (*)Department of Surgery, Radboud University Medical Center, Nijmegen;
  (+)Department of Surgery, Medical Spectrum Twente, Enschede, The Netherlands.
Title
  Correct positioning of percutaneous iliosacral screws.[Article]
Source
  Journal of Orthopaedic Trauma. 29(3):101-109, 2015.
Abstract
  Lorem ipsum abstract
Author Keywords
  iliosacral;  iliosacral screw;  navigation.
Language
  English.
DOI Number
  10.1097/BOT.0000000000000502
Link to the Ovid Full Text or citation
 http://ovidsp.ovid.com/ovidweb.cgi?T=JS&AN=00005131-900000000-99049

<2>
Database
  Ovid MEDLINE(R)
Unique Identifier
  35634081
Authors
  Zong H
Title
  Surgical Selection of T1 Stage Renal Tumor Resection.
Year of Publication
  2022


"""


def test_embase_tagged_complete_reference() -> None:
    reader, records = read_all(
        FIXTURES / "commandline4expertsearchers__Embase_endnote_r3001-3002.cgi"
    )
    assert (reader.format, len(records), reader.warnings) == ("ovid", 2, [])
    first = records[0]
    assert first.title == (
        "Quality of life in patients with primary ciliary dyskinesia: A systematic review."
    )
    assert first.authors == ["Behan L.", "Rubbo B.", "Lucas J.S.", "Galvin A.D."]
    assert (first.year, first.doi, first.language, first.type) == (
        2018,
        "10.1186/s12919-018-0099-8",
        "English",
        "Conference Abstract",
    )
    assert first.journal == "BMC Proceedings"  # from SO: Ovid's Embase has no JN here
    assert first.pmid == ""  # UI is Embase's own number
    assert "Kartagener syndrome" in first.keywords
    assert first.abstract.count("\n") == 3  # its paragraphs, as written
    assert first.raw_fields["IN"].count("\n") == 1
    assert first.raw_text.startswith("<3001. >\nVN  - Ovid Technologies\n")
    assert first.raw_text.endswith("CR  - Copyright 2018 Elsevier B.V., All rights reserved.\n")
    assert [r.line for r in records] == [1, 75]


def test_labelled_layout(export_file: Write) -> None:
    reader, records = read_all(export_file(LABELLED, "ovid.txt"))
    assert (reader.format, len(records)) == ("ovid", 2)
    first = records[0]
    assert first.title == "Correct positioning of percutaneous iliosacral screws.[Article]"
    assert first.authors == [
        "Verbeek, Jan MD *",
        "Hermans, Erik MD +",
        "van Vugt, Arie MD, PhD +",
    ]
    assert (first.journal, first.doi, first.language) == (
        "Journal of Orthopaedic Trauma",
        "10.1097/bot.0000000000000502",
        "English",
    )
    assert first.keywords == ["iliosacral", "iliosacral screw", "navigation"]
    assert first.url.startswith("http://ovidsp.ovid.com/")
    assert first.raw_fields["Institution"][1].startswith("(+)Department of Surgery")
    second = records[1]
    assert (second.pmid, second.year, second.authors) == ("35634081", 2022, ["Zong H"])
    assert second.raw_text.endswith("Year of Publication\n  2022\n")


def test_tagged_records_without_counters(export_file: Write) -> None:
    data = "VN  - Ovid Technologies\nTI  - One\nVN  - Ovid Technologies\nTI  - Two\n"
    reader, records = read_all(export_file(data, "export.cgi"))
    assert [(r.title, r.line) for r in records] == [("One", 1), ("Two", 3)]
