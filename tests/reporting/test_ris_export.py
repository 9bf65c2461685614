"""RIS exports (issues #16 and #17): every field Sift read comes back, no `1.` counter lines,
and no value can start a line of its own (a reviewer's reason with a line break put a forged
record into the lead's export).

Real files round-trip: every fixture in tests/fixtures/imports is imported, the review is
exported as RIS, and the export is read back with rispy and with Sift's own importer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rispy
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lib.imports import open_export
from lib.imports.raw import fields_from_raw
from lib.ris_writer import EXTRA
from reviews import services as review_services
from reviews.forms import SingleLineField
from reviews.models import Record, Source, SourceType
from screening import services as screening_services
from screening.forms import DecisionForm
from screening.models import Decision, Stage
from tests.screening.conftest import screenable

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
FILES = sorted(p for p in FIXTURES.iterdir() if not p.name.startswith(".") and p.suffix != ".md")
FORGED = "x\nER  - \n\nTY  - JOUR\nTI  - Forged record\nER  - \n"


def _same(value) -> str:
    return " ".join(str(value).split())


def _values(value) -> list[str]:
    return [_same(v) for v in (value if isinstance(value, list) else [value]) if _same(v)]


def _export(client, review, lead, tmp_path) -> tuple[str, dict, list[dict]]:
    client.force_login(lead)
    body = client.get(reverse("reporting:records_export", args=[review.slug, "ris"])).content
    text = body.decode()
    path = tmp_path / "export.ris"
    path.write_bytes(body)
    with open_export(path, filename="export.ris") as reader:
        parsed = list(reader)
    by_id = {}
    for p in parsed:
        (note,) = [n for n in _values(p.raw_fields.get("N1", [])) if n.startswith("Sift record ")]
        by_id[int(re.match(r"Sift record (\d+)", note)[1])] = p
    return text, by_id, rispy.loads(text)


@pytest.fixture
def imported(review, lead):
    source = review_services.source_create(review=review, name="Everything",
                                           source_type=SourceType.DATABASE)  # fmt: skip
    for path in FILES:
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        batch = review_services.import_batch_start(
            review=review, source=source, upload=upload, filename=path.name, user=lead,
            preview=False, enqueue=False, allow_duplicate=True,
        )  # fmt: skip
        review_services.import_batch_run(batch_id=batch.pk)
    records = list(Record.objects.in_review(review).select_related("batch"))
    assert {r.batch.format for r in records} >= {"ris", "medline", "wos", "bibtex", "csv",
                                                "endnote-tagged", "endnote-xml", "ovid"}  # fmt: skip
    return records


def test_real_files_round_trip_through_the_ris_export(client, review, lead, imported, tmp_path):
    text, back, _ = _export(client, review, lead, tmp_path)
    assert not re.search(r"(?m)^\d+\.\s*$", text), "counter lines before TY"
    entries = rispy.loads(text)
    assert len(entries) == len(imported) == len(back)
    for record in imported:
        again = back[record.pk]
        where = f"{record.batch.filename} record {record.ordinal}"
        # Sift's own importer reads the same bibliographic record back.
        for name in ("title", "year", "volume", "issue", "doi", "journal"):
            assert _same(getattr(again, name)) == _same(getattr(record, name)), (where, name)
        # The same page range (written as SP and EP, read back as "1-10").
        assert again.pages.replace(" ", "") == record.pages.replace(" ", ""), where
        assert [_same(a) for a in again.authors] == [_same(a) for a in record.authors], where
        assert _same(again.abstract) == _same(record.abstract), where
        raw = fields_from_raw(record.batch.format, record.raw_text)
        if record.batch.format == "ris":
            # Every tag and value the file held, in the same tag (non-RIS tags in N1).
            for tag, value in raw.items():
                if tag in ("TY", "ER"):
                    continue
                want = _values(value)
                if re.fullmatch(r"[A-Z][A-Z0-9]", tag):
                    assert _values(again.raw_fields.get(tag, []))[: len(want)] == want, (where, tag)
                else:
                    notes = _values(again.raw_fields.get("N1", []))
                    assert all(f"{tag}: {v}" in notes for v in want), (where, tag)
        else:
            # The bibliographic fields the format names (publisher, place, editors ...).
            held = {_same(v) for vs in again.raw_fields.values() for v in _values(vs)}
            for name, value in raw.items():
                tag = EXTRA.get(record.batch.format, {}).get(name.lower())
                if tag:
                    assert all(v in held for v in _values(value)), (where, name, tag)


def test_publisher_place_and_editors_are_kept(client, review, lead, imported, tmp_path):
    _, _, entries = _export(client, review, lead, tmp_path)

    def entry_of(record) -> dict:
        return next(e for e in entries
                    if f"Sift record {record.pk};" in " ".join(e.get("notes", [])))  # fmt: skip

    psycinfo = next(r for r in imported if r.batch.filename == "colrev__psycinfo_ris.ris")
    entry = entry_of(psycinfo)
    assert entry["publisher"] == "Publisher" and entry["place_published"] == "US"
    assert "PMID: 33355555" in entry["notes"]
    wos = [entry_of(r) for r in imported if r.batch.format == "wos"]
    assert any(e.get("publisher") for e in wos) and any(e.get("place_published") for e in wos)
    assert any(e.get("secondary_authors") for e in entries), "no record kept its editors (A2)"


# --- injection -------------------------------------------------------------------------------


@pytest.fixture
def voted(review, source, lead, reviewer, second_reviewer):
    records = screenable(review, source, lead, 2)
    for user in (reviewer, second_reviewer):
        screening_services.decision_record(review=review, record=records[0], reviewer=user,
                                           stage=Stage.TITLE_ABSTRACT, verdict="include")  # fmt: skip
    return records


def test_a_reason_with_a_line_break_is_refused_by_the_service(review, voted, reviewer):
    with pytest.raises(ValidationError, match="one line"):
        screening_services.decision_record(
            review=review, record=voted[1], reviewer=reviewer, stage=Stage.TITLE_ABSTRACT,
            verdict="exclude", reason_other=FORGED,
        )  # fmt: skip
    assert not Decision.objects.filter(record=voted[1]).exists()


def test_forms_fold_line_breaks_in_one_line_fields(review):
    form = DecisionForm({"verdict": "exclude", "reason_other": FORGED}, review=review)
    assert form.is_valid(), form.errors
    assert "\n" not in form.cleaned_data["reason_other"]
    assert form.cleaned_data["reason_other"].startswith("x ER  - ")
    field = SingleLineField()
    for brk in ("\r", "\r\n", "\v", "\f", "\x1c", "\x85", "\u2028", "\u2029"):
        assert field.clean(f"a{brk}TY  - JOUR") == "a TY  - JOUR"


def test_no_stored_value_can_forge_a_record_in_the_export(
    client, review, voted, lead, reviewer, tmp_path
):
    """Rows written before the rule (or by any other way in): every tagged value is folded."""
    screening_services.decision_record(review=review, record=voted[1], reviewer=reviewer,
                                       stage=Stage.TITLE_ABSTRACT, verdict="exclude",
                                       reason_other="Wrong population")  # fmt: skip
    Decision.objects.filter(record=voted[1]).update(reason_other=FORGED)
    Record.objects.filter(pk=voted[0].pk).update(title="A title\rTY  - JOUR\u2028ER  - ")
    Source.objects.filter(review=review).update(name="Medline\nTY  - BOOK")
    text, back, _ = _export(client, review, lead, tmp_path)
    entries = rispy.loads(text)
    assert len(entries) == 2 and len(back) == 2
    assert not any("Forged" in (e.get("title") or "") for e in entries)
    assert [line for line in text.splitlines() if line.startswith("TY  -")] == ["TY  - JOUR"] * 2
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*|", line) for line in text.splitlines())
    assert "Forged record" in text  # kept, on the reason's own line


# --- PubMed/MEDLINE publication types (walk defect: some were written as TY  - GEN) -------

MEDLINE_TYPES = [
    # (the record's PT lines, first first, and the TY its RIS export carries)
    (["Journal Article"], "JOUR"),
    (["Review"], "JOUR"),
    (["Randomized Controlled Trial", "Journal Article"], "JOUR"),
    (["Comment"], "JOUR"),
    (["Letter"], "JOUR"),
    (["Editorial"], "JOUR"),
    (["Case Reports"], "JOUR"),
    (["Clinical Trial"], "JOUR"),
    (["Meta-Analysis", "Systematic Review"], "JOUR"),
    (["Systematic Review"], "JOUR"),
    (["Observational Study"], "JOUR"),
    (["Comparative Study", "Research Support, Non-U.S. Gov't"], "JOUR"),
    (["Practice Guideline"], "JOUR"),
    (["Published Erratum"], "JOUR"),
    (["Preprint"], "UNPB"),
    (["Video-Audio Media"], "VIDEO"),
    (["Dataset"], "DATA"),
    (["Newspaper Article"], "NEWS"),
    (["Something nobody publishes"], "GEN"),
]


def _medline(types: list[list[str]]) -> str:
    out = []
    for n, pts in enumerate(types, 1):
        out.append(f"PMID- {40000000 + n}\nTI  - Trial {n} of partnership working in "
                   f"district {n * 37}.\nAU  - Author{n} A\nDP  - 2019\nTA  - J Health {n}\n"
                   + "".join(f"PT  - {pt}\n" for pt in pts))  # fmt: skip
    return "\n".join(out)


def test_medline_publication_types_become_their_ris_type(client, review, lead, tmp_path):
    source = review_services.source_create(review=review, name="MEDLINE",
                                           source_type=SourceType.DATABASE)  # fmt: skip
    upload = SimpleUploadedFile("pubmed.nbib", _medline([t for t, _ in MEDLINE_TYPES]).encode())
    batch = review_services.import_batch_start(
        review=review, source=source, upload=upload, filename="pubmed.nbib", user=lead,
        preview=False, enqueue=False,
    )  # fmt: skip
    review_services.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.format == "medline"
    _, back, entries = _export(client, review, lead, tmp_path)
    by_title = {e.get("title") or e.get("primary_title"): e["type_of_reference"] for e in entries}
    for n, (pts, ty) in enumerate(MEDLINE_TYPES, 1):
        title = f"Trial {n} of partnership working in district {n * 37}."
        assert by_title[title] == ty, (pts, by_title[title])


def test_ris_type_of_other_formats_words():
    from lib.ris_writer import ris_type

    assert ris_type("Article; Proceedings Paper") == "JOUR"
    assert ris_type("Proceedings Paper; Article") == "CPAPER"
    assert ris_type("inproceedings") == "CPAPER" and ris_type("phdthesis") == "THES"
    assert ris_type("", None) == "JOUR"  # no type given: most results are articles
    assert ris_type("Unheard of", "Review") == "JOUR"  # a later type that names one
    assert ris_type("Unheard of") == "GEN" and ris_type("chap") == "CHAP"
