from contextlib import redirect_stdout
from io import StringIO

import pytest
from django.core.management import call_command

from reviews.models import BatchStatus, Record, Review, Role, Search


@pytest.mark.slow  # loads the whole demo (1288 records): .ci/run's PostgreSQL pass
@pytest.mark.django_db
def test_demo_review_reproduces_the_reference_review():
    out = StringIO()
    call_command("load_demo", stdout=out)
    review = Review.objects.get(slug="demo")
    assert review.title == "Partnerships and public health outcomes in England, 1997-2008"
    assert sorted(review.criteria.values_list("code", flat=True)) == [
        "E1",
        "E2",
        "E3",
        "E4",
        "E5",
        "E6",
        "I1",
        "I2",
        "I3",
    ]
    roles = dict(review.members.values_list("user__username", "role"))
    assert roles == {"lead": Role.LEAD, "reviewer1": Role.REVIEWER, "reviewer2": Role.REVIEWER}
    databases = review.sources.filter(source_type="database")
    assert databases.count() == 17
    not_reported = Search.objects.filter(source__in=databases, records_reported__isnull=True)
    assert not_reported.count() == 7
    hsmc = review.sources.get(name="Health Services Management Centre")
    assert sorted(hsmc.searches.values_list("records_reported", flat=True)) == [1, 88]
    assert set(review.sources.values_list("source_type", flat=True)) >= {
        "citation_searching",
        "contact",
    }
    assert review.batches.filter(status=BatchStatus.DONE).count() == 12
    assert Record.objects.in_review(review).count() == 1288
    # Numbered 1..1288 in import order (issue #21): the first file's first record is #1.
    numbers = Record.objects.in_review(review).order_by("batch_id", "ordinal")
    assert list(numbers.values_list("number", flat=True)) == list(range(1, 1289))
    for search in Search.objects.filter(source__review=review, records_reported__isnull=False):
        assert search.batches.get().records_stored == search.records_reported, search
    # Deduplication finds exactly the 230 planted duplicates (1288 -> 1058) and leaves the
    # four look-alike companion papers and one chance look-alike for the lead to try.
    records = Record.objects.in_review(review)
    assert records.filter(dedup_checked=False).count() == 0
    assert records.primaries().count() == 1058
    assert records.duplicates().count() == 230
    assert review.dedup_pairs.count() == 5
    from demo import demo_files

    paper_of = {}
    for batch in review.batches.all():
        demo_file = next(f for f in demo_files() if f.filename == batch.filename)
        for record in batch.records.order_by("ordinal"):
            paper_of[record.pk] = demo_file.paper_ids[record.ordinal - 1]
    for dup, primary in records.duplicates().values_list("pk", "duplicate_of_id"):
        assert paper_of[dup] == paper_of[primary]  # no false merge
    for a, b in review.dedup_pairs.values_list("record_a_id", "record_b_id"):
        assert paper_of[a] != paper_of[b]  # the queue holds different papers: answer "different"
    # Both reviewers screened every paper; the lead resolved every conflict.
    from screening import selectors as screening
    from screening.access import Viewer

    settings = screening.stage_settings(review, "title_abstract")
    summary = screening.stage_summary(review, "title_abstract", settings)
    assert (summary.papers, summary.included, summary.excluded) == (1058, 163, 895)
    assert (summary.conflicts, summary.resolved, summary.awaiting) == (0, 65, 0)
    report = screening.agreement_report(review, "title_abstract", settings)
    pair = report.pairs[0]
    assert pair.table.n == 1058 and 0.05 <= pair.table.disagreements / 1058 <= 0.10
    # The agreement page's conflicts are the stage page's: every one resolved.
    assert (report.conflicts.total, report.conflicts.open) == (summary.resolved, 0)
    # Full texts: 163 sought and retrieved (real PDFs), 132 excluded with reasons, 31 studies.
    ft = screening.stage_settings(review, "full_text")
    counts = screening.retrieval_counts(review, Viewer.everything(review))
    assert (counts.sought, counts.retrieved, counts.not_retrieved) == (163, 163, 0)
    summary = screening.stage_summary(review, "full_text", ft)
    assert (summary.papers, summary.included, summary.excluded, summary.conflicts) == (
        163,
        31,
        132,
        0,
    )
    by_reason = dict(screening.fulltext_exclusions(review, ft))
    assert sum(by_reason.values()) == 132  # named by code and label (#21): "E1 Outside England"
    assert {name.split()[0] for name in by_reason} == {f"E{i}" for i in range(1, 7)}
    assert review.studies.count() == 31
    from lib.fulltext import read_pdf

    report = review.reports.first()
    with report.pdf.open("rb") as handle:
        assert read_pdf(handle, filename="demo.pdf").title == report.record.title
    _prisma_acceptance(review, by_reason)
    # Appraisal: every study with the reference checklist for its design, by both
    # reviewers, a few differences settled by consensus; extraction 15 health / 16 process.
    from appraisal import selectors as appraisal

    versions = appraisal.appraised_versions(review)
    builtins = sorted(v.checklist.builtin for v in versions)
    assert builtins == ["seed_qualitative", "seed_quantitative"]
    tables = [appraisal.appraisal_table(review, v) for v in versions]
    assert sum(len(t.studies) for t in tables) == 31 and sum(t.pending for t in tables) == 0
    assert review.appraisals.filter(is_consensus=False, submitted_at__isnull=False).count() == 62
    assert 3 <= review.appraisals.filter(is_consensus=True).count() <= 10
    form = review.extraction_forms.get()
    finals = appraisal.extraction_finals(review, form)
    health = form.versions.get().fields.get(code="health")
    assert sorted(f.values[health.pk] for f in finals) == ["no"] * 16 + ["yes"] * 15
    text = out.getvalue()
    assert "1288 records" in text
    assert "230 duplicates removed" in text
    from django.contrib.auth import authenticate

    for name in ("admin", "lead", "reviewer1", "reviewer2"):
        line = next(x for x in text.splitlines() if x.strip().startswith(f"{name} "))
        password = line.split("/")[1].split()[0]
        assert authenticate(username=name, password=password) is not None, name


def _prisma_acceptance(review, by_reason):
    """Issue #8: `manage.py prisma demo --format json` on the fresh demo."""
    import json

    from demo.spec import DATABASES

    stdout = StringIO()
    with redirect_stdout(stdout):
        call_command("prisma", "demo", "--format", "json")
    data = json.loads(stdout.getvalue())
    values = {k: v.get("value") for k, v in data["fields"].items()}
    assert values["database_results"] == 1288
    assert values["duplicates"] == 230
    assert values["records_screened"] == 1058 and values["records_excluded"] == 895
    assert values["dbr_sought_reports"] == 163 and values["dbr_notretrieved_reports"] == 0
    assert values["dbr_assessed"] == 163 and values["dbr_excluded_reports"] == 132
    assert values["new_studies"] == 31 and values["new_reports"] == 31
    lines = {x["label"]: x.get("value") for x in data["database_specific_results"]}
    for name, count in DATABASES:
        assert lines[name] == count, name  # None: printed NR
    assert lines["Health Services Management Centre"] == 89
    assert sum(x["value"] for x in data["dbr_excluded"]) == 132
    assert sorted(x["value"] for x in data["dbr_excluded"]) == sorted(by_reason.values())
    assert [c for c in data["checks"] if c["severity"] == "error"] == []


@pytest.mark.slow  # loads the whole demo (1288 records): .ci/run's PostgreSQL pass
@pytest.mark.django_db
def test_demo_passwords_are_published_only_on_the_embedded_database(settings, monkeypatch):
    monkeypatch.delenv("SIFT_DEMO_PASSWORD", raising=False)
    settings.DATABASE_URL = "postgres://server/sift"
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "sift-lead-demo" not in out.getvalue()
    settings.DATABASE_URL = ""
    from django.contrib.auth import get_user_model

    Review.objects.all().delete()  # first: a user with screening decisions is protected
    get_user_model().objects.all().delete()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "sift-lead-demo" in out.getvalue()


@pytest.mark.slow  # loads the whole demo (1288 records): .ci/run's PostgreSQL pass
@pytest.mark.django_db
def test_running_it_again_changes_nothing():
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert Review.objects.count() == 1 and Record.objects.count() == 1288
    assert "already there" in out.getvalue()


@pytest.mark.slow  # loads the whole demo (1288 records): .ci/run's PostgreSQL pass
@pytest.mark.django_db
def test_reset_rebuilds_the_demo():
    call_command("load_demo", stdout=StringIO())
    first = Review.objects.get(slug="demo").pk
    call_command("load_demo", "--reset", stdout=StringIO())
    rebuilt = Review.objects.get(slug="demo")
    assert rebuilt.pk != first and Record.objects.in_review(rebuilt).count() == 1288
