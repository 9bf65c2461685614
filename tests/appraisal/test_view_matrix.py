"""Every appraisal and extraction URL x {anonymous, outsider, reviewer, lead} x method.

A new URL without a row here fails `test_every_url_has_a_row`.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from appraisal import urls as appraisal_urls
from appraisal.models import Answer, Appraisal, ChecklistVersion, Extraction, StudyDesign, Value
from tests.appraisal.conftest import appraise, extract

pytestmark = pytest.mark.django_db

MEMBER, LEAD = "member", "lead"
ALL_METHODS = ("GET", "POST", "PUT", "DELETE")

# name -> (the ids in its path, {method: who may})
MATRIX: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "overview": ((), {"GET": MEMBER}),
    "settings": ((), {"GET": LEAD, "POST": LEAD}),
    "checklists": ((), {"GET": MEMBER}),
    "checklist_create": ((), {"POST": LEAD}),
    "checklist": (("checklist_id",), {"GET": MEMBER, "POST": LEAD}),
    "study_design": (("study_id",), {"POST": LEAD}),
    "study_weights": ((), {"POST": LEAD}),
    "appraise": (("study_id", "version_id"), {"GET": MEMBER, "POST": MEMBER}),
    "consensus": (("study_id", "version_id"), {"GET": MEMBER, "POST": MEMBER}),
    "long_csv": ((), {"GET": LEAD}),  # every reviewer's own answers
    "table": (("version_id",), {"GET": MEMBER}),
    "table_download": (("version_id", "fmt"), {"GET": MEMBER}),
    "summary_csv": (("version_id",), {"GET": MEMBER}),
    "wide_csv": (("version_id",), {"GET": MEMBER}),
    "robvis_csv": (("version_id",), {"GET": MEMBER}),
    "figure": (("version_id", "name", "fmt"), {"GET": MEMBER}),
    "extraction": ((), {"GET": MEMBER}),
    "extraction_form_create": ((), {"POST": LEAD}),
    "extraction_form_preview": ((), {"POST": LEAD}),  # renders the builder's rows, saves nothing
    "extraction_form": (("form_id",), {"GET": MEMBER, "POST": LEAD}),
    "characteristics": (("form_id", "fmt"), {"GET": MEMBER}),
    "results_csv": (("form_id",), {"GET": MEMBER}),
    "outcomes_csv": (("form_id", "kind"), {"GET": MEMBER}),
    "extraction_long_csv": ((), {"GET": LEAD}),
    "extract": (("study_id", "form_version_id"), {"GET": MEMBER, "POST": MEMBER}),
    "extraction_consensus": (("study_id", "form_version_id"), {"GET": MEMBER, "POST": MEMBER}),
}


def test_every_url_has_a_row():
    names = {p.name for p in appraisal_urls.urlpatterns}
    assert names == set(MATRIX), (
        f"rows missing for {names - set(MATRIX)}; stale {set(MATRIX) - names}"
    )


@pytest.fixture
def objects(review, lead, reviewer, second_reviewer, study, qualitative, version, form):
    """A study appraised and extracted by both reviewers (so the consensus pages open)."""
    appraise(review, study, version, reviewer, Q1="no")
    appraise(review, study, version, second_reviewer)
    form_version = form.versions.get()
    extract(review, study, form_version, reviewer)
    extract(review, study, form_version, second_reviewer, setting="Rural")
    return {
        "review": review.slug, "checklist_id": qualitative.pk, "study_id": study.pk,
        "version_id": version.pk, "form_id": form.pk, "form_version_id": form_version.pk,
        "fmt": "csv", "name": "summary", "kind": "dichotomous",
    }  # fmt: skip


def state() -> tuple:
    return (
        list(Appraisal.objects.order_by("pk").values_list("pk", "is_consensus", "submitted_at")),
        list(Answer.objects.order_by("pk").values_list("pk", "answer", "method")),
        list(Extraction.objects.order_by("pk").values_list("pk", "is_consensus")),
        list(Value.objects.order_by("pk").values_list("pk", "value")),
        list(ChecklistVersion.objects.order_by("pk").values_list("pk", "number")),
        list(StudyDesign.objects.values_list("study_id", "design")),
    )


def _url(name, objects, **override):
    keys = ("review", *MATRIX[name][0])
    kwargs = {k: override.get(k, objects[k]) for k in keys}
    if "form_version_id" in kwargs:
        kwargs["version_id"] = kwargs.pop("form_version_id")
    if name == "figure":
        kwargs["fmt"] = "svg"
    return reverse(f"appraisal:{name}", kwargs=kwargs)


def _call(client, method, url):
    return getattr(client, method.lower())(url)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, objects, name):
    before = state()
    for method in MATRIX[name][1]:
        response = _call(client, method, _url(name, objects))
        assert response.status_code == 302, (name, method)
        assert response.url.startswith(reverse("login"))
    assert state() == before


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_outsider_gets_404(client, objects, outsider, other_review, name):
    """Under review A's address, and with A's ids under the outsider's own review B."""
    client.force_login(outsider)
    before = state()
    for method in MATRIX[name][1]:
        assert _call(client, method, _url(name, objects)).status_code == 404, (name, method)
        if MATRIX[name][0]:
            theirs = _url(name, objects, review=other_review.slug)
            assert _call(client, method, theirs).status_code == 404, (name, method, "B")
    assert state() == before


@pytest.mark.parametrize("name", sorted(n for n, row in MATRIX.items() if LEAD in row[1].values()))
def test_reviewer_cannot_change_what_leads_change(client, objects, reviewer, name):
    client.force_login(reviewer)
    before = state()
    for method, who in MATRIX[name][1].items():
        if who == LEAD:
            assert _call(client, method, _url(name, objects)).status_code == 403, (name, method)
    assert state() == before


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_wrong_method_is_405(client, objects, lead, name):
    client.force_login(lead)
    for method in set(ALL_METHODS) - set(MATRIX[name][1]):
        assert _call(client, method, _url(name, objects)).status_code == 405, (name, method)


@pytest.mark.parametrize("name", sorted(n for n, row in MATRIX.items() if "GET" in row[1]))
def test_lead_gets_every_page(client, objects, lead, name):
    client.force_login(lead)
    assert client.get(_url(name, objects)).status_code == 200, name


@pytest.mark.parametrize(
    "name", sorted(n for n, row in MATRIX.items() if row[1].get("GET") == MEMBER)
)
def test_reviewer_reads_member_pages(client, objects, reviewer, name):
    client.force_login(reviewer)
    assert client.get(_url(name, objects)).status_code == 200, name
