"""Issue #21: each record has a number local to its review (1, 2, 3 ... in import order),
shown to people instead of the primary key."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from reporting import archive
from reviews import services
from reviews.models import Record, SourceType
from tests.reviews.test_dedup_service import import_text, ris

pytestmark = pytest.mark.django_db


def titles(n: int, prefix: str) -> str:
    return ris(*({"title": f"{prefix} paper {i}", "year": "2001"} for i in range(n)))


def numbers(review) -> list[int]:
    return list(
        Record.objects.in_review(review).order_by("number").values_list("number", flat=True)
    )


def test_each_review_numbers_its_records_from_one_in_import_order(
    review, source, lead, other_review, outsider
):
    first = import_text(review, source, lead, titles(3, "First"))
    second = import_text(review, source, lead, titles(2, "Second"), name="more.ris")
    other_source = services.source_create(
        review=other_review, name="Embase", source_type=SourceType.DATABASE
    )
    other = import_text(other_review, other_source, outsider, titles(2, "Other"))
    assert numbers(review) == [1, 2, 3, 4, 5]
    by_file = (
        Record.objects.filter(batch=first).order_by("ordinal").values_list("number", flat=True)
    )
    assert list(by_file) == [1, 2, 3]
    assert sorted(second.records.values_list("number", flat=True)) == [4, 5]
    # A second review's first record is #1, whatever its primary key.
    mine = Record.objects.filter(batch=other).order_by("ordinal").first()
    assert mine.number == 1 and mine.pk > 5
    assert numbers(other_review) == [1, 2]


def test_a_number_is_unique_in_its_review(review, source, lead):
    import_text(review, source, lead, titles(2, "Unique"))
    a, b = Record.objects.in_review(review).order_by("number")
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.filter(pk=b.pk).update(number=a.number)


def test_the_pages_show_the_number_not_the_primary_key(
    client, review, source, lead, other_review, outsider
):
    other_source = services.source_create(
        review=other_review, name="Embase", source_type=SourceType.DATABASE
    )
    import_text(other_review, other_source, outsider, titles(4, "Before"))
    import_text(review, source, lead, titles(1, "Only"))
    record = Record.objects.in_review(review).get()
    assert record.number == 1 and record.pk != 1
    client.force_login(lead)
    page = client.get(reverse("reviews:record_detail", args=[review.slug, record.pk])).text
    assert "Record #1<" in page and f"#{record.pk}<" not in page
    listing = client.get(reverse("reviews:records", args=[review.slug])).text
    assert ">#1</span>" in listing


def test_an_archive_keeps_the_numbers(review, source, lead, tmp_path):
    import_text(review, source, lead, titles(3, "Kept"))
    undone = import_text(review, source, lead, titles(1, "Undone"), name="undone.ris")
    services.import_batch_undo(batch=undone, user=lead)
    import_text(review, source, lead, titles(2, "Later"), name="later.ris")
    before = dict(Record.objects.in_review(review).values_list("title", "number"))
    path = archive.archive_export(review=review, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=lead, slug="restored")
    assert dict(Record.objects.in_review(copy).values_list("title", "number")) == before
    # The copy goes on numbering after its highest number.
    copy_source = copy.sources.get()
    import_text(copy, copy_source, lead, titles(1, "Next"), name="next.ris")
    assert Record.objects.get(review=copy, title="Next paper 0").number == max(before.values()) + 1


def test_the_migration_numbers_existing_records_per_review_by_primary_key(
    review, source, lead, other_review, outsider
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("reviews.migrations.0014_notes_record_number")
    other_source = services.source_create(
        review=other_review, name="Embase", source_type=SourceType.DATABASE
    )
    import_text(review, source, lead, titles(2, "Mine"))
    import_text(other_review, other_source, outsider, titles(2, "Theirs"))
    import_text(review, source, lead, titles(1, "Mine again"), name="again.ris")
    Record.objects.update(number=None)  # as before the migration
    migration.number_records(apps, None)
    for r in (review, other_review):
        rows = Record.objects.filter(review=r).order_by("pk").values_list("number", flat=True)
        assert list(rows) == list(range(1, len(rows) + 1))
