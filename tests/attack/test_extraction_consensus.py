"""Attack: a consensus on a repeating section (appraisal.services.extraction_consensus)
typed with more instances than a section may hold (MAX_INSTANCES, 50): the reviewers'
saves refuse a 51st arm; the consensus must too, naming the limit, and store nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from appraisal import services
from appraisal.models import Value
from appraisal.services import ValueInput
from lib.appraisal.definitions import MAX_INSTANCES
from tests.appraisal import conftest as appraisal_conftest
from tests.appraisal import test_extraction_fields as base
from tests.appraisal.test_extraction_fields import FULL, _by_code, save

pytestmark = pytest.mark.django_db
rform, rversion = base.rform, base.rversion  # fixtures
studies, study, qualitative = (
    appraisal_conftest.studies, appraisal_conftest.study, appraisal_conftest.qualitative
)  # fmt: skip


def test_a_consensus_with_more_instances_than_allowed_is_refused(
    review, lead, reviewer, second_reviewer, study, rversion
):
    save(review, study, rversion, reviewer, submit=True, **FULL)
    save(review, study, rversion, second_reviewer, submit=True, **(FULL | {"n": ["120", "118"]}))
    n = _by_code(rversion)["n"]
    many = ["120", "118"] + ["7"] * 198
    with pytest.raises(ValidationError, match=f"At most {MAX_INSTANCES} arms"):
        services.extraction_consensus(
            review=review, study=study, version=rversion, user=lead,
            values={n.pk: ValueInput(raw=many, method="discussion")},
        )  # fmt: skip
    assert not Value.objects.filter(extraction__is_consensus=True).exists()
