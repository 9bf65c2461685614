"""Small real exports (tests/fixtures/imports, see its README): exact counts and titles."""

from .conftest import FIXTURES, read_all


def test_scopus_ris_with_bom_keeps_its_first_record() -> None:
    reader, records = read_all(FIXTURES / "citation-file-formatting___baseline_scopus.ris")
    assert (reader.format, reader.encoding, len(records)) == ("ris", "utf-8-sig", 10)
    assert records[0].title == (
        "Global latitudinal gradients and the evolution of body size in dinosaurs and mammals"
    )
    assert records[0].authors[:2] == ["Wilson, L.N.", "Gardner, J.D."]
    assert records[0].doi == "10.1038/s41467-024-46843-2"
    assert reader.warnings == []


def test_ieee_with_mixed_crlf_lf_and_bare_cr() -> None:
    reader, records = read_all(
        FIXTURES / "sysrev__IEEE_Xplore_Citation_Download_2019.11.04.16.41.46.ris"
    )
    assert [r.title for r in records] == [
        "Long Short-Term Memory",
        "Hybrid speech recognition with Deep Bidirectional LSTM",
        "Learning to Forget: Continual Prediction with LSTM",
    ]
    assert [r.type for r in records] == ["JOUR", "CONF", "JOUR"]
    assert records[0].pages == "1735-1780"
    assert reader.warnings == []


def test_rayyan_keywords_on_untagged_lines() -> None:
    _, records = read_all(FIXTURES / "asreview__ris_issue_992.txt")
    assert len(records) == 19
    assert records[0].title == "Overcoming Medication Reconciliation Challenges"
    assert records[0].keywords[:4] == [
        "Health Facility Administration",
        "Joint Commission",
        "Standards",
        "Medication Errors",
    ]
    assert len(records[0].raw_fields["KW"]) == 13


def test_apa_psycnet_pmid_tag_and_preamble() -> None:
    reader, [record] = read_all(FIXTURES / "colrev__psycinfo_ris.ris")
    assert record.title == "Primary Title"
    assert record.pmid == "33355555"
    assert record.raw_fields["PMID"] == "33355555"
    assert record.raw_fields["TY"] == "JOUR"
    assert record.doi == "10.1011/hea0004444"
    assert reader.warnings == ["3 lines before the first record were skipped"]


def test_ovid_record_counters() -> None:
    reader, records = read_all(FIXTURES / "sysrev__ovidweb.ris")
    assert len(records) == 3
    assert records[0].title == (
        "Surgical Selection of T1 Stage Renal Tumor Resection Based on Imaging MAP Score "
        "under Smart Medical Care."
    )
    assert records[0].pmid == "35634081"
    assert records[0].line == 2
    assert reader.warnings[0] == "1 line before the first record was skipped"


def test_cochrane_record_banners() -> None:
    reader, records = read_all(
        FIXTURES / "citation-file-formatting___baseline_cochrane_endnote.ris"
    )
    assert len(records) == 3
    assert records[0].title.startswith("The Incredible Years Therapeutic Dinosaur Programme")
    assert records[0].type == "JOUR"  # 'TY  -  JOUR': two spaces after the dash
    assert reader.warnings == [
        "3 lines before the first record were skipped",
        "6 lines between or after records (first at line 75: 'Record #4 of 18') were skipped",
    ]


def test_proquest_mixed_crlf_lf() -> None:
    _, records = read_all(FIXTURES / "colrev__abi_inform_proquest_ris.ris")
    assert [r.type for r in records] == ["THES", "JOUR"]
    assert records[0].title == "Thesis title"


def test_embase_csv_with_search_query_preamble() -> None:
    reader, records = read_all(FIXTURES / "citation-file-formatting___baseline_embase.csv")
    assert (reader.format, len(records)) == ("csv", 10)
    first = records[0]
    assert first.title.startswith("Cellular structure of dinosaur scales")
    assert first.authors == ["Yang Z.", "Jiang B.", "Xu J.", "McNamara M.E."]
    assert (first.year, first.journal, first.pmid) == (2024, "Nature Communications", "38773066")
    assert first.raw_fields["PUI"] == "L2029880245"


def test_pubmed_csv_with_bom() -> None:
    reader, records = read_all(FIXTURES / "citation-file-formatting___baseline_pubmed.csv")
    assert (reader.encoding, len(records)) == ("utf-8-sig", 10)
    assert records[0].pmid == "30922926"
    assert records[0].authors == ["Griffin DK", "Larkin DM", "O'Connor RE"]
    assert records[1].title == "Symbiosis between Cretaceous dinosaurs and feather-feeding beetles"
    assert records[1].authors[0] == "Peñalver E"
