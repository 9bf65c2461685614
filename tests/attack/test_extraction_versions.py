"""Attack: a form with a repeating section versioned to a plain section and back, with
studies extracted under each version; the form's exports (characteristics CSV/XLSX, the
long CSV) must answer 200 and keep every study's values, numbers as numbers."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.urls import reverse

from appraisal import services
from tests.appraisal import conftest as appraisal_conftest
from tests.appraisal import test_extraction_fields as base
from tests.appraisal.test_extraction_fields import FORM, FULL, _body, save

pytestmark = pytest.mark.django_db
rform, rversion = base.rform, base.rversion  # fixtures
studies, qualitative = appraisal_conftest.studies, appraisal_conftest.qualitative


def test_repeat_then_plain_then_repeat_exports_every_study(
    client, review, lead, reviewer, second_reviewer, studies, rform, rversion
):
    first, second, third = studies[:3]
    for user in (reviewer, second_reviewer):
        save(review, first, rversion, user, submit=True, **FULL)
    plain = FORM.replace("## Arms | arm", "## Arms")
    v2 = services.form_edit(review=review, user=lead, form=rform, name=rform.name,
                            definition=plain)  # fmt: skip
    flat = FULL | {"arm": "Exercise", "n": "240"}
    for user in (reviewer, second_reviewer):
        save(review, second, v2, user, submit=True, **flat)
    v3 = services.form_edit(review=review, user=lead, form=rform, name=rform.name,
                            definition=FORM)  # fmt: skip
    for user in (reviewer, second_reviewer):
        save(review, third, v3, user, submit=True, **(FULL | {"n": ["60", "61"]}))
    client.force_login(lead)
    for fmt in ("csv", "xlsx"):
        answer = client.get(reverse("appraisal:characteristics", args=[review.slug, rform.pk, fmt]))
        assert answer.status_code == 200, fmt
    wide = pd.read_csv(io.BytesIO(_body(client.get(reverse(
        "appraisal:characteristics", args=[review.slug, rform.pk, "csv"])))))  # fmt: skip
    assert len(wide) == 3, list(wide.columns)
    text = wide.to_csv()
    for value in ("120", "240", "61"):
        assert value in text, (value, text)
    long = client.get(reverse("appraisal:extraction_long_csv", args=[review.slug]))
    assert long.status_code == 200
