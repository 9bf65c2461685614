"""Appraisal fixtures: included studies (rows made directly: screening is not under test
here), the reference checklists copied into the review, a small extraction form."""

from __future__ import annotations

import pytest

from appraisal import services
from appraisal.models import Design
from appraisal.services import AnswerInput, ValueInput
from screening.models import Study

FORM = """## Study
partnership | Partnership type | single_choice | LSP; HAZ; HImP; HLC; Neighbourhood Renewal; other
setting | Setting | short_text
health | Reports health outcomes | yes_no
## Results
results | Outcomes by arm | table | outcome; timepoint; arm; n; mean; sd
"""


@pytest.fixture
def studies(review):
    return [Study.objects.create(review=review, label=f"Author{n} 200{n}") for n in range(3)]


@pytest.fixture
def qualitative(review, lead):
    return services.checklist_add_builtin(review=review, user=lead, key="seed_qualitative")


@pytest.fixture
def quantitative(review, lead):
    return services.checklist_add_builtin(review=review, user=lead, key="seed_quantitative")


@pytest.fixture
def study(review, lead, studies, qualitative):
    services.study_design_set(review=review, user=lead, study=studies[0],
                              design=Design.QUALITATIVE)  # fmt: skip
    return studies[0]


@pytest.fixture
def version(qualitative):
    return qualitative.versions.get()


@pytest.fixture
def form(review, lead):
    return services.form_create(review=review, user=lead, name="Characteristics", definition=FORM)


def all_yes(version, **overrides) -> dict[int, AnswerInput]:
    """Every question answered Yes, except `Q2="no"` and the like."""
    return {
        q.pk: AnswerInput(answer=overrides.get(q.code, "yes"), support_text=f"on {q.code}",
                          page_ref="4")
        for q in version.questions.all()
    }  # fmt: skip


def appraise(review, study, version, user, submit=True, **overrides):
    return services.appraisal_save(
        review=review, study=study, version=version, reviewer=user,
        answers=all_yes(version, **overrides), comment=f"by {user.username}", submit=submit,
    )  # fmt: skip


def extract(review, study, version, user, submit=True, **overrides):
    defaults = {"partnership": "HAZ", "setting": "Urban", "health": "yes",
                "results": "smoking | 12m | intervention | 100 | 3.2 | 1.1"}  # fmt: skip
    defaults.update(overrides)
    values = {f.pk: ValueInput(raw=defaults.get(f.code, ""), source_location="p. 3")
              for f in version.fields.all()}  # fmt: skip
    return services.extraction_save(review=review, study=study, version=version, reviewer=user,
                                    values=values, submit=submit)  # fmt: skip
