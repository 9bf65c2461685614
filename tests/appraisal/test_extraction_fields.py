"""Extraction fields with a unit and an allowed range, required fields, repeating sections
(arms; outcomes by time point), the builder's preview (#20): service, view and export
behaviour with the database's state."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from appraisal import services
from appraisal.models import Extraction, ExtractionForm, Field, FormVersion, Value
from appraisal.services import ValueInput

pytestmark = pytest.mark.django_db

FORM = """## Participants
age | Mean age | number | | | years | 18..120 | required
n_total | Randomised | integer | | | participants | 1..
## Arms | arm
arm | Arm | short_text | | | | | required
n | Randomised in the arm | integer | | | participants | 0..5000 | required
## Outcomes | outcome
outcome | Outcome | short_text
timepoint | Time point | short_text
mean | Mean | number | | | mmHg
"""


@pytest.fixture
def rform(review, lead):
    return services.form_create(review=review, user=lead, name="Trial data", definition=FORM)


@pytest.fixture
def rversion(rform):
    return rform.versions.get()


def _by_code(version) -> dict[str, Field]:
    return {f.code: f for f in version.fields.all()}


def save(review, study, version, user, submit=False, **raw):
    fields = _by_code(version)
    return services.extraction_save(
        review=review, study=study, version=version, reviewer=user, submit=submit,
        values={fields[code].pk: ValueInput(raw=value) for code, value in raw.items()},
    )  # fmt: skip


FULL = {"age": "41.5", "n_total": "240", "arm": ["Exercise", "Usual care"], "n": ["120", "120"],
        "outcome": ["SBP"], "timepoint": ["12 weeks"], "mean": ["-4.2"]}  # fmt: skip


def test_the_form_stores_unit_range_required_and_repeat(rversion):
    fields = _by_code(rversion)
    age, n = fields["age"], fields["n"]
    assert (age.unit, age.min_value, age.max_value, age.required, age.repeat) == (
        "years",
        18.0,
        120.0,
        True,
        "",
    )
    assert (n.repeat, n.section, n.required, n.max_value) == ("arm", "Arms", True, 5000.0)
    assert fields["mean"].repeat == "outcome" and fields["n_total"].max_value is None
    assert age.header == "age (years)" and age.allowed_range == "18 to 120"


def test_a_value_outside_the_range_is_refused_naming_field_and_range(review, reviewer, study,
                                                                     rversion):  # fmt: skip
    with pytest.raises(ValidationError, match=r"Mean age: 130 is outside the allowed range 18 to "
                                              r"120 years\."):  # fmt: skip
        save(review, study, rversion, reviewer, age="130")
    with pytest.raises(ValidationError, match=r"Randomised in the arm: Arm 2: 6000 is outside "
                                              r"the allowed range 0 to 5000 participants"):  # fmt: skip
        save(review, study, rversion, reviewer, arm=["A", "B"], n=["10", "6000"])
    assert not Extraction.objects.exists() and not Value.objects.exists()


def test_thousands_separators_are_refused_and_integers_are_whole(review, reviewer, study,
                                                                 rversion):  # fmt: skip
    with pytest.raises(ValidationError, match="Randomised: '1,200' is ambiguous: write 1200"):
        save(review, study, rversion, reviewer, n_total="1,200")
    with pytest.raises(ValidationError, match="Randomised: '240.5' is not a whole number"):
        save(review, study, rversion, reviewer, n_total="240.5")
    assert not Value.objects.exists()
    save(review, study, rversion, reviewer, n_total="1200", age="40.25")
    stored = dict(Value.objects.values_list("field__code", "value"))
    assert stored == {"n_total": "1200", "age": "40.25"}


def test_a_draft_may_lack_required_values_a_submit_lists_them(review, reviewer, study, rversion):
    save(review, study, rversion, reviewer, n_total="240", arm=["Exercise", ""], n=["120", ""])
    mine = Extraction.objects.get()
    assert mine.submitted_at is None
    with pytest.raises(ValidationError) as refused:
        save(review, study, rversion, reviewer, submit=True, n_total="240")
    assert refused.value.messages == [
        "Fill in the required fields before you submit: Mean age, Arm (Arm 2), "
        "Randomised in the arm (Arm 2)."
    ]
    mine.refresh_from_db()
    assert mine.submitted_at is None
    save(review, study, rversion, reviewer, submit=True, **FULL)
    mine.refresh_from_db()
    assert mine.submitted_at is not None


def test_repeated_values_are_stored_per_instance(review, reviewer, study, rversion):
    save(review, study, rversion, reviewer, **FULL)
    stored = dict(Value.objects.values_list("field__code", "value"))
    assert stored["arm"] == ["Exercise", "Usual care"] and stored["n"] == ["120", "120"]
    assert stored["mean"] == ["-4.2"] and stored["age"] == "41.5"


def test_the_consensus_compares_instance_by_instance(review, lead, reviewer, second_reviewer,
                                                     study, rversion):  # fmt: skip
    save(review, study, rversion, reviewer, submit=True, **FULL)
    save(review, study, rversion, second_reviewer, submit=True, **(FULL | {"n": ["120", "118"]}))
    n = _by_code(rversion)["n"]

    def agree(**given):
        return services.extraction_consensus(review=review, study=study, version=rversion,
                                             user=lead, values={n.pk: ValueInput(**given)})  # fmt: skip

    with pytest.raises(ValidationError, match=r"Randomised in the arm \(Arm 2\): give the agreed"):
        agree(raw=["", ""])
    with pytest.raises(ValidationError, match=r"Randomised in the arm \(Arm 2\): say how"):
        agree(raw=["", "118"])
    consensus = agree(raw=["", "118"], method="discussion")
    value = Value.objects.get(extraction=consensus, field=n)
    assert value.value == ["120", "118"] and value.method == "discussion"
    # Agreeing instances and fields stand as the reviewers gave them.
    arm = Value.objects.get(extraction=consensus, field__code="arm")
    assert arm.value == ["Exercise", "Usual care"] and arm.method == "agreed"


def test_editing_a_used_form_makes_a_version_and_keeps_every_value(review, lead, reviewer, study,
                                                                   rform, rversion):  # fmt: skip
    save(review, study, rversion, reviewer, **FULL)
    edited = FORM.replace("18..120", "16..120").replace("## Arms | arm", "## Arms")
    v2 = services.form_edit(review=review, user=lead, form=rform, name=rform.name,
                            definition=edited)  # fmt: skip
    assert v2.number == 2 and FormVersion.objects.filter(form=rform).count() == 2
    assert _by_code(v2)["age"].min_value == 16.0 and _by_code(v2)["n"].repeat == ""
    stored = dict(Value.objects.filter(field__version=rversion).values_list("field__code", "value"))
    assert stored["n"] == ["120", "120"] and stored["age"] == "41.5"
    assert _by_code(rversion)["age"].min_value == 18.0  # the old version is untouched
    # A unit changed alone is a change too.
    v3 = services.form_edit(review=review, user=lead, form=rform, name=rform.name,
                            definition=edited.replace("| years |", "| yrs |"))  # fmt: skip
    assert _by_code(v3)["age"].unit == "yrs"


# --- the pages ------------------------------------------------------------------------------


def _url(review, study, version):
    return reverse("appraisal:extract", args=[review.slug, study.pk, version.pk])


def test_the_page_shows_units_ranges_required_marks_and_instances(client, review, reviewer,
                                                                  study, rversion):  # fmt: skip
    save(review, study, rversion, reviewer, **FULL)
    fields = _by_code(rversion)
    client.force_login(reviewer)
    page = client.get(_url(review, study, rversion)).content.decode()
    age = fields["age"]
    assert f'aria-describedby="v-{age.pk}-unit"' in page
    assert f'id="v-{age.pk}-unit">years · 18 to 120</span>' in page
    assert '<abbr title="required">*</abbr>' in page
    assert (
        "<legend>Arm 1: Exercise</legend>" in page and "<legend>Arm 2: Usual care</legend>" in page
    )
    assert "<legend>Outcome 1: SBP, 12 weeks</legend>" in page
    assert f'name="value-{fields["n"].pk}-2" value="120"' in page
    assert (
        f'value="add:{fields["arm"].pk}"' in page and f'value="remove:{fields["arm"].pk}:2"' in page
    )


def _posted(version, arms: list[tuple[str, str]], **extra) -> dict:
    fields = _by_code(version)
    data = {f"instances-{fields['arm'].pk}": str(len(arms)), **extra}
    for n, (name, count) in enumerate(arms, 1):
        data[f"value-{fields['arm'].pk}-{n}"] = name
        data[f"value-{fields['n'].pk}-{n}"] = count
    return data


def test_add_and_remove_an_arm_save_the_draft_with_one_more_or_less(client, review, reviewer,
                                                                    study, rversion):  # fmt: skip
    fields = _by_code(rversion)
    client.force_login(reviewer)
    url = _url(review, study, rversion)
    client.post(url, _posted(rversion, [("Exercise", "120")], action=f"add:{fields['arm'].pk}"))
    arm = Value.objects.get(field=fields["arm"])
    assert arm.value == ["Exercise", ""]
    assert Value.objects.get(field=fields["n"]).value == ["120", ""]
    page = client.get(url).content.decode()
    assert "<legend>Arm 2</legend>" in page
    # htmx: the new instance's first input takes the focus.
    swapped = client.post(url, _posted(rversion, [("Exercise", "120"), ("Usual care", "118")],
                                       action=f"add:{fields['arm'].pk}"),
                          headers={"HX-Request": "true"}).content.decode()  # fmt: skip
    assert (
        f'id="v-{fields["arm"].pk}-3" name="value-{fields["arm"].pk}-3" value="" autofocus'
        in swapped
    )
    client.post(url, _posted(rversion, [("Exercise", "120"), ("Usual care", "118"), ("", "")],
                             action=f"remove:{fields['arm'].pk}:1"))  # fmt: skip
    assert Value.objects.get(field=fields["arm"]).value == ["Usual care", ""]
    assert Value.objects.get(field=fields["n"]).value == ["118", ""]


def test_a_refused_submit_lists_the_missing_fields_and_keeps_the_draft(client, review, reviewer,
                                                                       study, rversion):  # fmt: skip
    fields = _by_code(rversion)
    client.force_login(reviewer)
    page = client.post(_url(review, study, rversion), _posted(
        rversion, [("Exercise", "")], action="submit", **{f"value-{fields['age'].pk}": "40"},
    )).content.decode()  # fmt: skip
    assert "Fill in the required fields before you submit: Randomised in the arm (Arm 1)." in page
    assert "What you entered is saved as your draft." in page
    mine = Extraction.objects.get()
    assert mine.submitted_at is None
    assert Value.objects.get(extraction=mine, field=fields["age"]).value == "40"
    # An out-of-range value is refused outright: the draft keeps the earlier value.
    page = client.post(_url(review, study, rversion), _posted(
        rversion, [("Exercise", "")], action="save", **{f"value-{fields['age'].pk}": "12"},
    )).content.decode()  # fmt: skip
    assert "Mean age: 12 is outside the allowed range 18 to 120 years." in page
    assert Value.objects.get(extraction=mine, field=fields["age"]).value == "40"


def test_the_consensus_page_puts_instances_side_by_side(client, review, reviewer, second_reviewer,
                                                        study, rversion):  # fmt: skip
    save(review, study, rversion, reviewer, submit=True, **FULL)
    save(review, study, rversion, second_reviewer, submit=True, **(FULL | {"n": ["120", "118"]}))
    n = _by_code(rversion)["n"]
    client.force_login(reviewer)
    url = reverse("appraisal:extraction_consensus", args=[review.slug, study.pk, rversion.pk])
    page = client.get(url).content.decode()
    second = page.split('id="field-n-2"')[1].split("</tr>")[0]
    assert f'data-name="value-{n.pk}-2" data-value="118"' in second and "differs" in second
    first = page.split('id="field-n-1"')[1].split("</tr>")[0]
    assert "differs" not in first and "data-pick" not in first
    response = client.post(url, {f"instances-{_by_code(rversion)['arm'].pk}": "2",
                                 f"value-{n.pk}-2": "118", f"method-{n.pk}": "discussion"})  # fmt: skip
    assert response.status_code == 302
    assert Value.objects.get(extraction__is_consensus=True, field=n).value == ["120", "118"]


def test_the_preview_renders_the_builder_rows_read_only_and_saves_nothing(client, review, lead,
                                                                          reviewer):  # fmt: skip
    url = reverse("appraisal:extraction_form_preview", args=[review.slug])
    rows = {"builder": "1", "name": "Draft form",
            "f-section": ["Participants", "Arms"], "f-code": ["age", "arm"],
            "f-label": ["Mean age", "Arm"], "f-kind": ["number", "short_text"],
            "f-options": ["", ""], "f-hint": ["", ""], "f-unit": ["years", ""],
            "f-min": ["18", ""], "f-max": ["", ""], "f-required": ["required", ""],
            "f-repeat": ["", "arm"]}  # fmt: skip
    client.force_login(lead)
    page = client.post(url, rows).content.decode()
    assert "Preview: Draft form" in page and "Nothing is saved" in page
    assert "years · at least 18" in page and "<legend>Arm 1</legend>" in page
    assert 'name="value-1" value="" inputmode="decimal"' in page and " disabled" in page
    assert "Add an arm" not in page and 'name="action"' not in page
    assert not ExtractionForm.objects.exists() and not Field.objects.exists()
    bad = client.post(url, rows | {"f-min": ["200", ""], "f-max": ["100", ""]}).content.decode()
    assert "the range 200..100 ends below its start" in bad
    client.force_login(reviewer)
    assert client.post(url, rows).status_code == 403


def test_the_builder_round_trips_the_new_columns(client, review, lead, rform):
    client.force_login(lead)
    page = client.get(reverse("appraisal:extraction_form", args=[review.slug, rform.pk]))
    html = page.content.decode()
    assert 'name="f-unit" value="years"' in html and 'name="f-min" value="18"' in html
    assert '<option value="required" selected>' in html and '<option value="arm" selected>' in html
    assert reverse("appraisal:extraction_form_preview", args=[review.slug]) in html


# --- exports ------------------------------------------------------------------------------


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_exports_name_units_and_flatten_or_list_instances(client, review, lead, reviewer,
                                                          second_reviewer, study, rform,
                                                          rversion):  # fmt: skip
    for user in (reviewer, second_reviewer):
        save(review, study, rversion, user, submit=True, **FULL)
    client.force_login(lead)
    wide = pd.read_csv(io.BytesIO(_body(client.get(reverse(
        "appraisal:characteristics", args=[review.slug, rform.pk, "csv"])))))  # fmt: skip
    columns = list(wide.columns)
    assert columns[4:13] == ["age (years)", "n_total (participants)", "arm_1", "arm_2",
                             "n_1 (participants)", "n_2 (participants)", "outcome_1",
                             "timepoint_1", "mean_1 (mmHg)"]  # fmt: skip
    row = wide.iloc[0]
    assert row["age (years)"] == 41.5 and row["n_2 (participants)"] == 120
    assert row["arm_2"] == "Usual care" and row["mean_1 (mmHg)"] == -4.2
    book = load_workbook(io.BytesIO(_body(client.get(reverse(
        "appraisal:characteristics", args=[review.slug, rform.pk, "xlsx"])))))  # fmt: skip
    arms = [list(r) for r in book["Arms"].iter_rows(values_only=True)]
    assert arms[0][2:] == ["arm_1", "arm_2", "n_1 (participants)", "n_2 (participants)"]
    assert arms[1][4:] == [120, 120]  # numbers as numbers
    long = pd.read_csv(io.BytesIO(_body(client.get(reverse(
        "appraisal:extraction_long_csv", args=[review.slug])))), keep_default_na=False)  # fmt: skip
    mine = long[long["reviewer_id"] == reviewer.username]
    n_rows = mine[mine["field_id"] == "n"]
    assert list(n_rows["arm"]) == ["Exercise", "Usual care"]
    # (a mixed column reads as text: the numbers are written bare, never '120)
    assert list(n_rows["instance"]) == ["1", "2"] and set(n_rows["unit"]) == {"participants"}
    assert list(n_rows["value"]) == ["120", "120"]
    mean = mine[mine["field_id"] == "mean"].iloc[0]
    assert (mean["outcome"], mean["timepoint"], mean["value"], mean["unit"]) == (
        "SBP", "12 weeks", "-4.2", "mmHg")  # fmt: skip
    assert mine[mine["field_id"] == "age"].iloc[0]["instance"] == ""


def test_a_post_without_its_instance_count_keeps_every_instance_and_51_arms_are_refused(
    client, review, reviewer, study, rversion
):
    fields = _by_code(rversion)
    client.force_login(reviewer)
    data = _posted(rversion, [("Exercise", "120"), ("Usual care", "118")], action="save")
    del data[f"instances-{fields['arm'].pk}"]  # an older page, a script: the inputs count
    client.post(_url(review, study, rversion), data)
    assert Value.objects.get(field=fields["arm"]).value == ["Exercise", "Usual care"]
    many = _posted(rversion, [(f"Arm {n}", "1") for n in range(1, 52)], action="save")
    many[f"instances-{fields['arm'].pk}"] = "1000000"
    page = client.post(_url(review, study, rversion), many).content.decode()
    assert "At most 50 arms in one section." in page
    assert Value.objects.get(field=fields["arm"]).value == ["Exercise", "Usual care"]


def test_arms_in_another_order_or_an_extra_blank_arm_are_a_difference(
    review, reviewer, second_reviewer, study, rversion
):
    """Instance by instance: ["120", "118"] is not ["118", "120"] (texts in a list would
    compare as a set, as multiple choices do), nor is one arm more, even blank."""
    from appraisal import selectors

    save(review, study, rversion, reviewer, submit=True, **(FULL | {"n": ["120", "118"]}))
    save(review, study, rversion, second_reviewer, submit=True,
         **(FULL | {"n": ["118", "120"], "outcome": ["SBP", ""], "timepoint": ["12 weeks", ""],
                    "mean": ["-4.2", ""]}))  # fmt: skip
    work = selectors.extraction_work(study, rversion, selectors.appraisal_settings(review))
    fields = _by_code(rversion)
    assert set(selectors.differences(work)) == {fields[c].pk for c in
                                                ("n", "outcome", "timepoint", "mean")}  # fmt: skip
    assert work.state == "differences"


def test_the_form_page_lists_units_ranges_repeats_and_required(client, review, reviewer, rform):
    client.force_login(reviewer)
    page = client.get(reverse("appraisal:extraction_form", args=[review.slug, rform.pk]))
    html = page.content.decode()
    assert '<td class="small">years · 18 to 120</td><td>Yes</td>' in html
    assert 'Arms <span class="tag">per arm</span>' in html
    assert 'Outcomes <span class="tag">per outcome and time point</span>' in html
