"""A spreadsheet with headers Sift does not know: the lead maps them in the preview, and the
mapping is remembered for the source's next files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.models import BatchStatus, ImportBatch, Record

CSV = (
    "Paper name,Summary,Writers,Published,Reviewer notes\n"
    'Partnerships in Leeds,"A study of, partnerships",Smith J; Jones K,2004,keep\n'
    "Health Action Zones,Evaluation of HAZ,Brown A,2001,check\n"
)


def _upload(client, review, source, capture, name="export.csv", text=CSV):
    with capture(execute=True):
        client.post(
            reverse("reviews:import_upload", args=[review.slug, source.pk]),
            {"file": SimpleUploadedFile(name, text.encode())},
        )
    return ImportBatch.objects.latest("id")


def _remap(client, review, batch, capture, choices):
    columns = batch.preview["columns"]
    data = {f"col{i}": choices.get(c, "") for i, c in enumerate(columns)}
    with capture(execute=True):
        return client.post(reverse("reviews:batch_remap", args=[review.slug, batch.pk]), data)


@pytest.mark.django_db
def test_unknown_title_column_asks_for_a_mapping_then_imports(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    client.force_login(lead)
    batch = _upload(client, review, source, capture)
    assert batch.status == BatchStatus.READY and batch.preview["needs_mapping"]
    assert batch.preview["columns"] == [
        "Paper name",
        "Summary",
        "Writers",
        "Published",
        "Reviewer notes",
    ]
    page = client.get(
        reverse("reviews:batch_detail", args=[review.slug, batch.pk])
    ).content.decode()
    assert "could not tell which column holds the titles" in page and "Paper name" in page
    refused = client.post(
        reverse("reviews:batch_confirm", args=[review.slug, batch.pk]), follow=True
    )
    assert "Choose which column holds the titles" in refused.content.decode()

    _remap(
        client,
        review,
        batch,
        capture,
        {"Paper name": "title", "Summary": "abstract", "Writers": "authors", "Published": "year"},
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and not batch.preview["needs_mapping"]
    assert batch.preview["records"] == 2
    assert batch.preview["sample"][0]["title"] == "Partnerships in Leeds"
    assert batch.preview["unmapped_fields"] == {"Reviewer notes": 2}
    with capture(execute=True):
        client.post(reverse("reviews:batch_confirm", args=[review.slug, batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    first = Record.objects.get(batch=batch, ordinal=1)
    assert (first.title, first.abstract, first.year) == (
        "Partnerships in Leeds",
        "A study of, partnerships",
        2004,
    )
    assert first.authors == ["Smith J", "Jones K"]
    assert dict(first.raw_field_items)["Reviewer notes"] == ["keep"]
    source.refresh_from_db()
    assert source.column_mapping["Paper name"] == "title"


@pytest.mark.django_db
def test_the_next_file_of_the_source_uses_the_remembered_mapping(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    source.column_mapping = {"Paper name": "title", "Summary": "abstract"}
    source.save()
    client.force_login(lead)
    batch = _upload(client, review, source, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.READY and batch.preview["records"] == 2
    assert batch.column_mapping == {"Paper name": "title", "Summary": "abstract"}


@pytest.mark.django_db
def test_a_mapping_naming_no_such_column_or_field_is_refused(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    from reviews import services

    client.force_login(lead)
    batch = _upload(client, review, source, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="No column named"):
        services.import_batch_remap(batch=batch, mapping={"Nope": "title"})
    with pytest.raises(ValidationError, match="Unknown field"):
        services.import_batch_remap(batch=batch, mapping={"Paper name": "colour"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY


@pytest.mark.django_db
def test_ris_files_have_no_columns_to_map(
    client, review, source, lead, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    from reviews import services
    from tests.conftest import RIS_TWO

    client.force_login(lead)
    batch = _upload(client, review, source, django_capture_on_commit_callbacks, "r.ris", RIS_TWO)
    with pytest.raises(ValidationError, match="Only spreadsheet files"):
        services.import_batch_remap(batch=batch, mapping={"TI": "title"})
