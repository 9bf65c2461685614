"""The extraction form builder in the browser: fields as rows, templates to start from,
versions that keep values."""

from __future__ import annotations

from django.urls import reverse

from appraisal.models import ExtractionForm, Value
from lib.appraisal.definitions import FORM_TEMPLATES, parse_fields
from tests.appraisal.conftest import extract


def _rows(*rows) -> dict:
    """POST data for the builder: each column posts one cell per row, in page order."""
    names = ("f-section", "f-code", "f-label", "f-kind", "f-options", "f-hint")
    data: dict = {"builder": "1", **{name: [] for name in names}}
    for row in rows:
        for name, cell in zip(names, row, strict=True):
            data[name].append(cell)
    return data


def test_a_lead_builds_a_form_from_rows(client, review, lead):
    client.force_login(lead)
    data = _rows(("Study", "country", "Country", "short_text", "", "Where recruited"),
                 ("Study", "design", "Design", "single_choice", "RCT; cohort", ""),
                 ("Results", "out", "Events", "table", "outcome; arm; n; events", ""),
                 ("Results", "clusters", "Clusters", "integer", "", ""),
                 ("", "", "", "short_text", "", ""))  # fmt: skip
    data["name"] = "Mine"
    response = client.post(reverse("appraisal:extraction_form_create", args=[review.slug]), data)
    assert response.status_code == 302
    fields = list(ExtractionForm.objects.get(name="Mine").versions.get().fields.all())
    assert [(f.section, f.code, f.kind, tuple(f.options), f.hint) for f in fields] == [
        ("Study", "country", "short_text", (), "Where recruited"),
        ("Study", "design", "single_choice", ("RCT", "cohort"), ""),
        ("Results", "out", "table", ("outcome", "arm", "n", "events"), ""),
        ("Results", "clusters", "integer", (), ""),
    ]


def test_a_row_with_a_bar_is_refused_naming_it_and_nothing_is_made(client, review, lead):
    client.force_login(lead)
    data = _rows(("", "a", "A", "short_text", "", ""), ("", "b", "B | C", "short_text", "", ""))
    data["name"] = "Bad"
    response = client.post(reverse("appraisal:extraction_form_create", args=[review.slug]),
                           data, follow=True)  # fmt: skip
    assert "Field row 2" in response.content.decode()
    assert not ExtractionForm.objects.filter(name="Bad").exists()


def test_every_template_is_a_valid_form_and_prefills_the_builder(client, review, lead):
    for name, definition in FORM_TEMPLATES.values():
        assert parse_fields(definition), name
    assert any(f.kind == "table" and "events" in f.options
               for f in parse_fields(FORM_TEMPLATES["dichotomous"][1]))  # fmt: skip
    assert any("sd" in f.options for f in parse_fields(FORM_TEMPLATES["continuous"][1]))
    assert any(f.code == "quotes" for f in parse_fields(FORM_TEMPLATES["qualitative"][1]))
    arms = parse_fields(FORM_TEMPLATES["arms"][1])
    assert {f.repeat for f in arms} == {"arm", "outcome"} and any(f.required for f in arms)
    assert any(f.unit == "participants" and f.min_value == 1 for f in arms)
    client.force_login(lead)
    page = client.get(reverse("appraisal:extraction", args=[review.slug]),
                      {"template": "continuous"}).content.decode()  # fmt: skip
    assert 'id="form-builder"' in page and 'value="Continuous outcomes"' in page
    assert 'value="outcome; timepoint; arm; n; mean; sd; se; median; iqr"' in page


def test_editing_a_used_form_in_the_builder_makes_a_version_and_keeps_values(
    client, review, lead, reviewer, study, form
):
    version = form.versions.get()
    extract(review, study, version, reviewer, submit=False)
    client.force_login(lead)
    url = reverse("appraisal:extraction_form", args=[review.slug, form.pk])
    page = client.get(url).content.decode()
    assert 'name="f-code" value="partnership"' in page  # the current fields as rows
    data = _rows(("Study", "setting", "Setting", "long_text", "", ""),
                 ("Study", "n", "Participants", "number", "", ""))  # fmt: skip
    data["name"] = form.name
    assert client.post(url, data).status_code == 302
    assert list(form.versions.values_list("number", flat=True)) == [1, 2]
    assert [f.code for f in form.versions.get(number=2).fields.all()] == ["setting", "n"]
    assert Value.objects.filter(field__version=version).count() == 4  # version 1's values stay
