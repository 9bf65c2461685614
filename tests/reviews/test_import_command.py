import json

import pytest
from django.core.management import call_command

from reviews.models import BatchStatus, ImportBatch, Record
from tests.conftest import FIXTURES, RIS_TWO


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("import_records", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def ris_file(tmp_path):
    path = tmp_path / "results.ris"
    path.write_text(RIS_TWO)
    return path


@pytest.mark.django_db
def test_json_import_by_slug(review, source, ris_file):
    code, out, _ = run("--review", review.slug, "--source", "medline", str(ris_file), "--json")
    result = json.loads(out)
    assert code == 0 and set(result) == {"format", "records", "warnings", "errors"}
    assert result["format"] == "ris" and result["records"] == 2 and result["errors"] == []
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.DONE and batch.uploaded_by is None
    assert Record.objects.visible().count() == 2


@pytest.mark.django_db
def test_review_by_id_and_dry_run_stores_nothing(review, source, ris_file):
    code, out, _ = run(
        "--review", str(review.pk), "--source", "Medline", str(ris_file), "--dry-run", "--json"
    )
    assert code == 0 and json.loads(out)["records"] == 2
    assert not ImportBatch.objects.exists() and not Record.objects.exists()


@pytest.mark.django_db
def test_same_file_twice_needs_force(review, source, ris_file):
    run("--review", review.slug, "--source", "Medline", str(ris_file))
    code, out, _ = run("--review", review.slug, "--source", "Medline", str(ris_file), "--json")
    result = json.loads(out)
    assert (
        code == 1 and "already imported" in result["errors"][0] and "--force" in result["errors"][0]
    )
    assert Record.objects.visible().count() == 2
    code, out, _ = run(
        "--review", review.slug, "--source", "Medline", str(ris_file), "--force", "--json"
    )
    assert code == 0 and Record.objects.visible().count() == 4


@pytest.mark.django_db
def test_bad_file_reports_error_and_stores_nothing(review, source, tmp_path):
    bad = tmp_path / "paper.ris"
    bad.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    code, out, _ = run("--review", review.slug, "--source", "Medline", str(bad), "--json")
    result = json.loads(out)
    assert code == 1 and "PDF" in result["errors"][0]
    assert Record.objects.count() == 0
    assert ImportBatch.objects.get().status == BatchStatus.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--review", "nope", "--source", "Medline"], "No review with id or slug 'nope'"),
        (["--source", "Embase"], "has no source 'Embase' (sources: Medline)"),
    ],
)
def test_unknown_review_or_source_is_named(review, source, ris_file, args, message):
    if args[0] == "--source":
        args = ["--review", review.slug, *args]
    code, out, _ = run(*args, str(ris_file), "--json")
    assert code == 1 and message in json.loads(out)["errors"][0]


@pytest.mark.django_db
def test_csv_fixture_through_the_command(review, source):
    path = FIXTURES / "imports" / "citation-file-formatting___baseline_pubmed.csv"
    code, out, _ = run("--review", review.slug, "--source", "Medline", str(path), "--json")
    result = json.loads(out)
    assert code == 0 and result["format"] == "csv" and result["records"] == 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "fmt", "count"),
    [
        ("biopython__pubmed2.xml", "pubmed-xml", 2),
        ("zotero-better-bibtex__Pandoc_Citation.csl.json", "csl-json", 4),
    ],
)
def test_new_formats_are_imported_and_their_fields_derived(review, source, name, fmt, count):
    path = FIXTURES / "imports" / name
    code, out, _ = run("--review", review.slug, "--source", "Medline", str(path), "--json")
    result = json.loads(out)
    assert (code, result["format"], result["records"], result["errors"]) == (0, fmt, count, [])
    records = list(Record.objects.visible().order_by("pk"))
    assert len(records) == count and all(r.title for r in records)
    assert dict(records[0].raw_field_items)  # the field table comes back from the stored text


@pytest.mark.django_db
def test_ragged_csv_is_imported_with_a_warning_naming_the_lines(review, source, tmp_path):
    path = tmp_path / "scopus.csv"
    path.write_text('"Authors","Title","Year"\n"Smith J.","One",2001,\n"Jones K.","Two",2002,\n')
    code, out, _ = run("--review", review.slug, "--source", "Medline", str(path), "--json")
    result = json.loads(out)
    assert (code, result["records"]) == (0, 2)
    assert any("lines 2-3" in w for w in result["warnings"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "line"),
    [
        (b'[\n{"title": "A"},\n{"title": "B" "x": 1}\n]', "refs.json", 3),
        (
            b"<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID>"
            b"</MedlineCitation></PubmedArticle>\n<PubmedArticle><Medline",
            "pubmed.xml",
            3,
        ),
    ],
)
def test_broken_new_formats_store_nothing_and_name_file_and_line(
    review, source, tmp_path, data, name, line
):
    path = tmp_path / name
    path.write_bytes(data)
    code, out, _ = run("--review", review.slug, "--source", "Medline", str(path), "--json")
    [error] = json.loads(out)["errors"]
    assert code == 1 and error.startswith(f"{name}: ") and error.endswith(f"(line {line})")
    assert Record.objects.count() == 0
    assert ImportBatch.objects.get().status == BatchStatus.FAILED
