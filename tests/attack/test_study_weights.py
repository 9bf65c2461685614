"""Attack: hostile weights for the weighted summary plot (appraisal `study_weights` view).
A weight is kept exactly as typed or refused naming the study: "1_5" is not 15, "1e-400"
is not 0 (a typed non-zero weight silently becoming 0 changes the plot), "-0" shows as 0."""

from __future__ import annotations

import pytest

from appraisal.models import StudyWeight
from tests.appraisal import conftest as appraisal_conftest
from tests.appraisal import test_weights as base
from tests.appraisal.test_weights import _weights_post

pytestmark = pytest.mark.django_db
rob2, judged, studies = base.rob2, base.judged, appraisal_conftest.studies  # fixtures


@pytest.mark.parametrize(
    ("typed", "why"), [("1_5", "is not a number"), ("1e-400", "too small"),
                       ("１e999", "too large"), ("9" * 40, "at most 30 characters")]
)  # fmt: skip
def test_a_weight_python_reads_loosely_is_refused(client, review, lead, judged, typed, why):
    first, second = judged
    client.force_login(lead)
    response = _weights_post(client, review, "sample size",
                             **{str(first.pk): "10", str(second.pk): typed})  # fmt: skip
    page = client.get(response.url).content.decode()
    assert second.label in page and "Nothing was saved" in page and why in page
    assert not StudyWeight.objects.exists()


def test_minus_zero_shows_as_zero(client, review, lead, judged):
    from django.urls import reverse

    first, second = judged
    client.force_login(lead)
    _weights_post(client, review, "sample size", **{str(first.pk): "10", str(second.pk): "-0"})
    page = client.get(reverse("appraisal:overview", args=[review.slug])).content.decode()
    assert f'name="weight-{second.pk}"' in page and 'value="-0"' not in page


def test_a_weight_in_full_width_digits_is_read_as_its_number(client, review, lead, judged):
    first, second = judged
    client.force_login(lead)
    _weights_post(client, review, "sample size", **{str(first.pk): "１２", str(second.pk): "1.5"})
    assert {w.study_id: w.weight for w in StudyWeight.objects.all()} == {
        first.pk: 12.0,
        second.pk: 1.5,
    }
