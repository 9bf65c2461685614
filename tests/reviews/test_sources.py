import pytest
from django.urls import reverse

from reviews.models import Arm, Search, Source


@pytest.mark.django_db
def test_lead_adds_a_source_then_its_search(client, review, lead):
    client.force_login(lead)
    response = client.post(
        reverse("reviews:source_create", args=[review.slug]),
        {
            "name": "Medline",
            "platform": "Ovid",
            "source_type": "database",
            "arm": "",
            "pooled_into_screening": "on",
            "notes": "",
        },
    )
    source = Source.objects.get(review=review, name="Medline")
    assert source.arm == Arm.DATABASES_REGISTERS and source.platform == "Ovid"
    assert response.url == reverse("reviews:search_create", args=[review.slug, source.pk])
    client.post(
        response.url,
        {
            "label": "2008 search",
            "date_run": "",
            "date_limits_from": "1997-01-01",
            "date_limits_to": "2008-06-30",
            "strategy": "1. exp Partnership/\n2. limit 1 to english",
            "limits": "",
            "filters": "",
            "records_reported": "",
        },
    )
    search = Search.objects.get(source=source)
    assert search.records_reported is None  # not reported, which is not zero
    assert search.date_run is None and search.strategy.startswith("1. exp")


@pytest.mark.django_db
def test_zero_records_is_kept_as_zero(client, review, source, lead):
    client.force_login(lead)
    client.post(
        reverse("reviews:search_create", args=[review.slug, source.pk]),
        {"label": "empty", "strategy": "x", "records_reported": "0"},
    )
    assert Search.objects.get(source=source, label="empty").records_reported == 0


@pytest.mark.django_db
def test_website_defaults_to_other_methods_and_can_be_overridden(client, review, lead):
    client.force_login(lead)
    client.post(
        reverse("reviews:source_create", args=[review.slug]),
        {"name": "HSMC", "source_type": "website", "arm": ""},
    )
    client.post(
        reverse("reviews:source_create", args=[review.slug]),
        {"name": "HSMC 2", "source_type": "website", "arm": "dbr"},
    )
    assert Source.objects.get(name="HSMC").arm == Arm.OTHER_METHODS
    overridden = Source.objects.get(name="HSMC 2")
    assert overridden.arm == Arm.DATABASES_REGISTERS and overridden.arm_overridden


@pytest.mark.django_db
def test_duplicate_source_name_is_refused(client, review, source, lead):
    client.force_login(lead)
    response = client.post(
        reverse("reviews:source_create", args=[review.slug]),
        {"name": "medline", "source_type": "database"},
    )
    assert "already has a source named" in response.content.decode()
    assert review.sources.count() == 1


@pytest.mark.django_db
def test_source_list_shows_reported_and_not_reported(client, review, source, lead):
    from reviews import services

    services.search_create(source=source, label="second", records_reported=12)
    client.force_login(lead)
    body = client.get(reverse("reviews:sources", args=[review.slug])).content.decode()
    assert "12" in body and "+NR" in body


@pytest.mark.django_db
def test_a_source_with_imports_cannot_be_deleted_alone_but_its_review_can(
    review, source, imported_batch
):
    from django.db.models import RestrictedError

    from reviews.models import ImportBatch, Record, Review

    with pytest.raises(RestrictedError):
        source.delete()
    review.delete()
    assert not Review.objects.exists() and not ImportBatch.objects.exists()
    assert not Record.objects.exists()
