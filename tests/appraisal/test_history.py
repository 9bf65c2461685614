"""Appraisal's audit trail (issue #10): every change of a checklist, form, setting, study
design, appraisal, extraction or consensus writes one AuditEvent with what changed (old and
new), in the same transaction; nothing when nothing changed or the change is refused. The
lead's checklist and form pages show the instrument's history; a reviewer's do not
(blinding). History rows are never updated or deleted."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal import selectors, services
from appraisal.forms import ChecklistForm, ExtractionFormForm
from appraisal.models import AppraisalSettings, ChecklistVersion, FormVersion, Question
from appraisal.services import AnswerInput, ValueInput
from lib.appraisal.checklists import BUILTIN
from lib.appraisal.definitions import render_fields, render_questions
from reviews.models import AuditEvent, AuditKind, HistoryIsAppendOnly
from screening.models import Report
from tests.appraisal.conftest import appraise, extract

pytestmark = pytest.mark.django_db

QUAL = BUILTIN["seed_qualitative"].name


@contextmanager
def trail(review):
    """Collects the audit events written to the review inside the block."""
    new: list[AuditEvent] = []
    last = AuditEvent.objects.filter(review=review).aggregate(m=Max("pk"))["m"] or 0
    yield new
    new.extend(AuditEvent.objects.filter(review=review, pk__gt=last).order_by("pk"))


def question_row(q) -> dict:
    return {"code": q.code, "section": q.section, "text": q.text, "hint": q.hint,
            "kind": q.kind, "options": list(q.options)}  # fmt: skip


def edit(review, user, checklist, definition, **extra):
    fields = {"name": checklist.name, "source_note": checklist.source_note, **extra}
    return services.checklist_edit(review=review, user=user, checklist=checklist,
                                   definition=definition, **fields)  # fmt: skip


# --- checklists ----------------------------------------------------------------------------------


def test_creating_a_checklist_logs_every_question_and_the_rule(review, lead):
    with trail(review) as new:
        mine = services.checklist_create(
            review=review, user=lead, name="Mine", overall_rule="Exclude if Q1 = No",
            definition="## A\nQ1 | Aims? | | Yes, No\nQ2 | Value? | why | text",
        )  # fmt: skip
    [event] = new
    assert (event.kind, event.actor, event.record_id) == (AuditKind.CHECKLIST, lead, None)
    assert event.summary == "Checklist 'Mine' created: version 1, 2 questions"
    assert event.detail == {
        "action": "create", "checklist_id": mine.pk, "checklist": "Mine", "version": 1,
        "added": [
            {"code": "Q1", "section": "A", "text": "Aims?", "hint": "", "kind": "choice",
             "options": ["yes", "no"]},
            {"code": "Q2", "section": "A", "text": "Value?", "hint": "why", "kind": "text",
             "options": []},
        ],
        "attributes": {"overall_rule": {"old": None, "new": "Exclude if Q1 = No"}},
    }  # fmt: skip


def test_adding_a_builtin_logs_one_event_and_whether_it_became_the_default(review, lead):
    with trail(review) as new:
        seed = services.checklist_add_builtin(review=review, user=lead, key="seed_qualitative")
        jbi = services.checklist_add_builtin(review=review, user=lead, key="jbi_qualitative")
    first, second = new
    assert first.summary == (
        f"Built-in checklist {QUAL!r} added: version 1, 10 questions; the default for "
        "qualitative studies"
    )
    assert (first.detail["action"], first.detail["checklist_id"], first.detail["builtin"],
            first.detail["default_for"]) == ("add_builtin", seed.pk, "seed_qualitative",
                                             "qualitative")  # fmt: skip
    assert first.detail["added"] == [question_row(q) for q in BUILTIN["seed_qualitative"].questions]
    assert second.detail["checklist_id"] == jbi.pk and second.detail["default_for"] == ""
    assert "default" not in second.summary


def test_an_in_place_edit_keeps_the_old_questions_in_the_history(review, lead, qualitative):
    version = qualitative.versions.get()
    questions = list(version.questions.all())
    q1, q10 = questions[0], questions[9]
    definition = render_questions(questions[:9]).replace(q1.text, "Are the aims clear?", 1)
    with trail(review) as new:
        edited = edit(review, lead, qualitative, definition + "\nQ11 | Anything else? | | text")
    [event] = new
    assert edited == version and qualitative.versions.count() == 1
    assert not Question.objects.filter(text=q1.text).exists()  # only the history has it now
    assert event.summary == (
        f"Checklist {QUAL!r}: version 1 edited in place (not used yet): 1 question added, "
        "1 changed, 1 removed"
    )
    assert event.detail == {
        "action": "edit", "checklist_id": qualitative.pk, "checklist": QUAL,
        "mode": "in_place", "version": 1, "previous_version": 1,
        "added": [{"code": "Q11", "section": "", "text": "Anything else?", "hint": "",
                   "kind": "text", "options": []}],
        "removed": [question_row(q10)],
        "changed": [{"code": "Q1", "text": {"old": q1.text, "new": "Are the aims clear?"}}],
    }  # fmt: skip


def test_editing_an_answered_version_logs_the_new_version(
    review, lead, reviewer, study, qualitative, version
):
    appraise(review, study, version, reviewer, submit=False)
    q10 = version.questions.get(code="Q10")
    with trail(review) as new:
        made = edit(review, lead, qualitative, render_questions(version.questions.exclude(pk=q10.pk)),
                    overall_rule="Exclude if Q1 = No")  # fmt: skip
    [event] = new
    assert made.number == 2 and made.overall_rule == "Exclude if Q1 = No"
    assert event.summary == (
        f"Checklist {QUAL!r}: version 2 made from version 1, which has answers: 1 question "
        "removed, overall rule changed"
    )
    assert (event.detail["mode"], event.detail["version"], event.detail["previous_version"]) == (
        "new_version", 2, 1,
    )  # fmt: skip
    assert event.detail["removed"] == [question_row(q10)]
    assert event.detail["attributes"] == {"overall_rule": {"old": "", "new": "Exclude if Q1 = No"}}
    assert "added" not in event.detail and "changed" not in event.detail


def test_a_new_name_alone_makes_no_version(review, lead, reviewer, study, qualitative, version):
    appraise(review, study, version, reviewer, submit=False)  # version 1 is frozen
    with trail(review) as new:
        kept = edit(review, lead, qualitative, render_questions(version.questions.all()),
                    name="Renamed", source_note="Our copy")  # fmt: skip
    [event] = new
    assert kept == version and qualitative.versions.count() == 1
    assert event.summary == "Checklist 'Renamed': version 1 kept: name changed, source note changed"
    assert event.detail["mode"] == "" and event.detail["attributes"] == {
        "name": {"old": QUAL, "new": "Renamed"},
        "source_note": {"old": BUILTIN["seed_qualitative"].source_note, "new": "Our copy"},
    }


def test_reordering_questions_is_a_change(review, lead, qualitative):
    questions = list(qualitative.versions.get().questions.all())
    with trail(review) as new:
        swapped = [questions[1], questions[0], *questions[2:]]
        edit(review, lead, qualitative, render_questions(swapped))
    [event] = new
    codes = [q.code for q in questions]
    assert event.detail["order"] == {"old": codes, "new": [codes[1], codes[0], *codes[2:]]}
    assert event.summary.endswith("questions reordered")


@pytest.mark.parametrize("frozen", [False, True], ids=["unanswered", "answered"])
def test_an_edit_that_changes_nothing_writes_nothing(
    client, review, lead, reviewer, study, qualitative, version, frozen
):
    if frozen:
        appraise(review, study, version, reviewer, submit=False)
    with trail(review) as new:
        same = edit(review, lead, qualitative, render_questions(version.questions.all()))
        client.force_login(lead)  # the page's own form, sent back untouched
        data = ChecklistForm.for_version(qualitative, version).initial
        response = client.post(reverse("appraisal:checklist", args=[review.slug, qualitative.pk]),
                                data)  # fmt: skip
    assert response.status_code == 302 and same == version
    assert new == [] and list(qualitative.versions.values_list("number", flat=True)) == [1]


def test_a_refused_edit_writes_nothing(review, lead, reviewer, qualitative, quantitative, form):
    with trail(review) as new:
        with pytest.raises(ValidationError, match="used twice"):
            edit(review, lead, qualitative, "Q1 | a\nQ1 | b")
        with pytest.raises(ValidationError, match="unknown questions"):
            edit(review, lead, qualitative, "Q1 | a", overall_rule="Exclude if Q9 = No")
        with pytest.raises(ValidationError, match="already has a checklist"):
            edit(review, lead, qualitative, "Q1 | a", name=quantitative.name)
        with pytest.raises(ValidationError, match="Only a lead"):
            edit(review, reviewer, qualitative, "Q1 | a")
        with pytest.raises(ValidationError, match="not a code"):
            services.form_edit(review=review, user=lead, form=form, name="x",
                               definition="9 | Nine | short_text")  # fmt: skip
        with pytest.raises(ValidationError, match="Only a lead"):
            services.checklist_create(review=review, user=reviewer, name="x", definition="Q1 | a")
    assert new == []
    assert qualitative.versions.get().questions.count() == 10


# --- extraction forms ----------------------------------------------------------------------------


def test_form_creation_and_edits_log_the_fields(review, lead, reviewer, study, form):
    created = AuditEvent.objects.get(review=review, kind=AuditKind.FORM)
    assert created.summary == "Form 'Characteristics' created: version 1, 4 fields"
    assert [f["code"] for f in created.detail["added"]] == [
        "partnership", "setting", "health", "results",
    ]  # fmt: skip
    version = form.versions.get()
    fields = list(version.fields.all())
    partnership = fields[0]
    text = render_fields(fields).replace("; other", "").replace("short_text", "long_text")
    with trail(review) as new:
        services.form_edit(review=review, user=lead, form=form, name=form.name, definition=text)
    [in_place] = new
    assert in_place.kind == AuditKind.FORM and in_place.detail["mode"] == "in_place"
    assert in_place.detail["changed"] == [
        {"code": "partnership",
         "options": {"old": partnership.options, "new": partnership.options[:-1]}},
        {"code": "setting", "kind": {"old": "short_text", "new": "long_text"}},
    ]  # fmt: skip
    version = form.versions.get()
    extract(review, study, version, reviewer, submit=False)
    with trail(review) as new:
        v2 = services.form_edit(review=review, user=lead, form=form, name=form.name,
                                definition=render_fields(version.fields.exclude(code="health")))  # fmt: skip
        services.form_edit(review=review, user=lead, form=form, name=form.name,
                           definition=render_fields(v2.fields.all()))  # no change  # fmt: skip
    [made] = new
    assert made.summary == (
        "Form 'Characteristics': version 2 made from version 1, which is in use: 1 field removed"
    )
    assert (made.detail["version"], made.detail["previous_version"]) == (2, 1)
    assert [f["code"] for f in made.detail["removed"]] == ["health"]
    assert FormVersion.objects.filter(form=form).count() == 2


def test_the_form_page_sent_back_untouched_writes_nothing(client, review, lead, form):
    client.force_login(lead)
    data = ExtractionFormForm.for_version(form, form.versions.get()).initial
    with trail(review) as new:
        response = client.post(reverse("appraisal:extraction_form", args=[review.slug, form.pk]),
                               data)  # fmt: skip
    assert response.status_code == 302 and new == [] and form.versions.count() == 1


# --- settings and study designs ------------------------------------------------------------------


def test_settings_log_old_and_new_and_nothing_when_unchanged(
    review, lead, qualitative, quantitative
):
    change = {"review": review, "user": lead, "appraisal_mode": "single_plus_check",
              "extraction_mode": "dual", "qualitative_checklist": quantitative,
              "quantitative_checklist": None}  # fmt: skip
    with trail(review) as new:
        services.appraisal_settings_update(**change)
        services.appraisal_settings_update(**change)
    [event] = new
    assert event.kind == AuditKind.SETTINGS and event.actor == lead
    quant = {"name": quantitative.name}  # by name: no id inside a diff (archives remap none)
    assert event.detail == {"action": "appraisal_settings", "attributes": {
        "appraisal_mode": {"old": "dual", "new": "single_plus_check"},
        "qualitative_checklist": {"old": {"name": qualitative.name}, "new": quant},
        "quantitative_checklist": {"old": quant, "new": None},
    }}  # fmt: skip
    assert event.summary.startswith("Appraisal settings: appraisal mode dual -> single_plus_check")
    settings = AppraisalSettings.objects.get(review=review)
    assert (settings.appraisal_mode, settings.qualitative_checklist) == (
        "single_plus_check", quantitative,
    )  # fmt: skip


def test_study_design_logs_old_and_new_on_the_study_record(
    review, lead, studies, qualitative, quantitative, imported_batch
):
    first, second = imported_batch.records.order_by("ordinal")
    one, two, none = studies
    Report.objects.create(review=review, record=first, study=one)
    Report.objects.create(review=review, record=second, study=two)
    with trail(review) as new:
        services.study_design_set(review=review, user=lead, study=one, design="qualitative")
        services.study_design_set(review=review, user=lead, study=one, design="qualitative",
                                  checklists=[quantitative])  # fmt: skip
        services.study_design_set(review=review, user=lead, study=one, design="qualitative",
                                  checklists=[quantitative])  # no change  # fmt: skip
        services.study_design_set(review=review, user=lead, study=none, design="mixed")
    designed, chosen, elsewhere = new
    assert designed.kind == AuditKind.SETTINGS and designed.record_id == first.pk
    assert designed.detail == {"action": "study_design", "study_id": one.pk, "study": one.label,
                               "attributes": {"design": {"old": None, "new": "qualitative"}}}  # fmt: skip
    assert designed.summary == f"Study {one.label}: design none -> qualitative"
    assert chosen.detail["attributes"] == {
        "checklists": {"old": [], "new": [{"name": quantitative.name}]}
    }
    assert elsewhere.record_id is None  # no report: no record to name


# --- reviewers' work -----------------------------------------------------------------------------


def test_appraisal_saves_log_the_answers_that_changed(review, reviewer, study, version):
    head = f"Appraisal of {study.label} ({QUAL} v1)"
    with trail(review) as new:
        appraise(review, study, version, reviewer, submit=False, Q2="no")
        appraise(review, study, version, reviewer, submit=False, Q2="no")  # the same again
        appraise(review, study, version, reviewer, submit=False, Q2="no", Q3="no")
        appraise(review, study, version, reviewer, submit=True, Q2="no", Q3="no")
    started, changed, submitted = new
    assert [e.summary for e in new] == [f"{head}: started, 10 answers changed, comment changed",
                                        f"{head}: 1 answer changed", f"{head}: submitted"]  # fmt: skip
    assert all(e.kind == AuditKind.CHECKLIST and e.actor == reviewer for e in new)
    assert started.detail["answers"][1] == {
        "code": "Q2", "answer": {"old": None, "new": "no"},
        "support_text": {"old": None, "new": "on Q2"}, "page_ref": {"old": None, "new": "4"},
    }  # fmt: skip
    assert started.detail["attributes"] == {"comment": {"old": "", "new": "by reviewer"}}
    assert changed.detail["answers"] == [{"code": "Q3", "answer": {"old": "yes", "new": "no"}}]
    appraisal = study.appraisals.get()
    assert {k: changed.detail[k] for k in ("action", "blinded", "study_id", "checklist_id",
                                           "checklist_version_id", "version",
                                           "appraisal_id")} == {
        "action": "appraisal", "blinded": True, "study_id": study.pk,
        "checklist_id": version.checklist_id, "checklist_version_id": version.pk, "version": 1,
        "appraisal_id": appraisal.pk,
    }  # fmt: skip
    assert "version_id" not in changed.detail and "form_version_id" not in changed.detail
    assert submitted.detail["submitted"] is True and submitted.detail["answers"] == []
    assert {e.record_id for e in new} == {None}  # the study has no report


def test_a_refused_save_writes_nothing(review, reviewer, study, version):
    with trail(review) as new, pytest.raises(ValidationError, match="not one of its options"):
        appraise(review, study, version, reviewer, Q1="unclear")
    assert new == [] and not study.appraisals.exists()


def test_appraisal_consensus_logs_the_agreed_answers(
    review, lead, reviewer, second_reviewer, study, version
):
    appraise(review, study, version, reviewer, Q1="no")
    appraise(review, study, version, second_reviewer)
    q1 = version.questions.get(code="Q1")

    def agree(answer, method):
        return services.appraisal_consensus(
            review=review, study=study, version=version, user=lead,
            answers={q1.pk: AnswerInput(answer=answer, method=method)}, comment="Agreed",
        )  # fmt: skip

    with trail(review) as new:
        agree("yes", "discussion")
        agree("yes", "discussion")  # the same again
        agree("no", "third_reviewer")
    recorded, changed = new
    head = f"Consensus appraisal of {study.label} ({QUAL} v1)"
    assert recorded.summary == f"{head}: recorded, 10 answers changed, comment changed"
    assert recorded.actor == lead and recorded.detail["action"] == "appraisal_consensus"
    assert recorded.detail["answers"][0] == {
        "code": "Q1", "answer": {"old": None, "new": "yes"},
        "method": {"old": None, "new": "discussion"},
    }  # fmt: skip
    assert changed.summary == f"{head}: 1 answer changed"
    assert changed.detail["answers"] == [{
        "code": "Q1", "answer": {"old": "yes", "new": "no"},
        "method": {"old": "discussion", "new": "third_reviewer"},
    }]  # fmt: skip


def test_extraction_saves_and_consensus_log_the_values(
    review, lead, reviewer, second_reviewer, study, form
):
    version = form.versions.get()
    setting = version.fields.get(code="setting")
    head = f"Extraction of {study.label} (Characteristics v1)"
    with trail(review) as new:
        extract(review, study, version, reviewer, submit=False)
        extract(review, study, version, reviewer, setting="Rural")
        extract(review, study, version, second_reviewer)
        services.extraction_consensus(
            review=review, study=study, version=version, user=lead,
            values={setting.pk: ValueInput(raw="Both", method="discussion", note="Two areas")},
        )  # fmt: skip
    draft, submitted, second, consensus = new
    assert all(e.kind == AuditKind.FORM and e.detail["form_id"] == form.pk
               and e.detail["form_version_id"] == version.pk for e in new)  # fmt: skip
    mine, theirs, agreed = (study.extractions.get(reviewer=reviewer, is_consensus=False),
                            study.extractions.get(reviewer=second_reviewer),
                            study.extractions.get(is_consensus=True))  # fmt: skip
    assert [e.detail["extraction_id"] for e in new] == [mine.pk, mine.pk, theirs.pk, agreed.pk]
    assert draft.summary == f"{head}: started, 4 values changed"
    assert draft.detail["values"][3]["value"] == {"old": None, "new": [
        {"outcome": "smoking", "timepoint": "12m", "arm": "intervention", "n": 100,
         "mean": 3.2, "sd": 1.1},
    ]}  # fmt: skip
    assert submitted.summary == f"{head}: submitted, 1 value changed"
    assert submitted.detail["values"] == [
        {"code": "setting", "value": {"old": "Urban", "new": "Rural"}}
    ]
    assert second.actor == second_reviewer and second.detail["blinded"] is True
    assert consensus.detail["action"] == "extraction_consensus"
    assert consensus.summary == (
        f"Consensus extraction of {study.label} (Characteristics v1): recorded, 4 values changed"
    )
    assert consensus.detail["values"][1] == {
        "code": "setting", "value": {"old": None, "new": "Both"},
        "method": {"old": None, "new": "discussion"}, "note": {"old": None, "new": "Two areas"},
    }  # fmt: skip


def test_work_on_a_study_with_one_report_names_its_record(
    review, reviewer, study, version, imported_batch
):
    record = imported_batch.records.order_by("ordinal").first()
    Report.objects.create(review=review, record=record, study=study)
    with trail(review) as new:
        appraise(review, study, version, reviewer, submit=False)
    assert [e.record_id for e in new] == [record.pk]


# --- the lead's pages ----------------------------------------------------------------------------


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    # A reviewer's page is given no history at all, not merely a template that hides it.
    assert ("history" in response.context) == (user.username == "lead")
    return response.content.decode()


def test_the_lead_sees_the_checklist_history_newest_first_and_escaped(
    client, review, lead, reviewer, study, version, quantitative
):
    mine = services.checklist_create(review=review, user=lead, name="<b>Mine</b>",
                                     definition="Q1 | <script>alert(1)</script> | | Yes, No")  # fmt: skip
    edit(review, lead, mine, "Q1 | Safe now | | Yes, No")
    page = _page(client, lead, reverse("appraisal:checklist", args=[review.slug, mine.pk]))
    assert 'id="history"' in page
    assert page.index("edited in place") < page.index("created: version 1")  # newest first
    assert "Q1 text: &lt;script&gt;alert(1)&lt;/script&gt; -&gt; Safe now" in page
    assert "<script>alert(1)</script>" not in page and "<b>Mine</b>" not in page
    appraise(review, study, version, reviewer, submit=False, Q2="no")
    page = _page(client, lead, reverse("appraisal:checklist", args=[review.slug,
                                                                   version.checklist_id]))  # fmt: skip
    assert f"Appraisal of {study.label}" in page and "Q2 answer: (empty) -&gt; no" in page
    assert quantitative.name not in page  # another checklist's events stay on its own page


def test_the_lead_sees_the_form_history(client, review, lead, reviewer, study, form):
    extract(review, study, form.versions.get(), reviewer, submit=False, setting="Docklands")
    page = _page(client, lead, reverse("appraisal:extraction_form", args=[review.slug, form.pk]))
    assert 'id="history"' in page and "Form &#x27;Characteristics&#x27; created" in page
    assert f"Extraction of {study.label}" in page
    assert "setting value: (empty) -&gt; Docklands" in page


def test_a_reviewer_sees_no_history(
    client, review, lead, reviewer, second_reviewer, study, version, form
):
    appraise(review, study, version, second_reviewer, submit=False, Q2="no")
    extract(review, study, form.versions.get(), second_reviewer, submit=False, setting="Docklands")
    checklist_page = _page(client, reviewer, reverse("appraisal:checklist",
                                                     args=[review.slug, version.checklist_id]))  # fmt: skip
    form_page = _page(client, reviewer, reverse("appraisal:extraction_form",
                                                args=[review.slug, form.pk]))  # fmt: skip
    for page in (checklist_page, form_page):
        assert 'id="history"' not in page and "second_reviewer" not in page
        assert "Appraisal of" not in page and "Extraction of" not in page
    assert "Docklands" not in form_page


def test_the_history_costs_the_same_queries_however_long(client, review, lead, qualitative):
    url = reverse("appraisal:checklist", args=[review.slug, qualitative.pk])
    client.force_login(lead)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        edit(review, lead, qualitative, f"Q1 | Version {n} of the question")
    assert len(selectors.instrument_history(qualitative)) == 6
    assert queries() == before


# --- a record's history and the audit trail -------------------------------------------------------


def test_the_record_page_and_the_trail_show_what_changed_as_lines(
    client, review, lead, reviewer, study, version, imported_batch
):
    record = imported_batch.records.order_by("ordinal").first()
    Report.objects.create(review=review, record=record, study=study)
    services.study_design_set(review=review, user=lead, study=study, design="mixed")
    appraise(review, study, version, reviewer, submit=False, Q2="no")
    lines = ["Design: qualitative -> mixed",
             "Comment: (empty) -> by reviewer", "Q1 answer: (empty) -> yes",
             "Q1 support text: (empty) -> on Q1", "Q1 page ref: (empty) -> 4",
             "Q2 answer: (empty) -> no"]  # fmt: skip
    client.force_login(lead)
    page = client.get(reverse("reviews:record_detail", args=[review.slug, record.pk]))
    html = page.content.decode()
    for line in lines:
        assert line.replace(">", "&gt;") in html, line
    assert "Q1 page ref: (empty) -&gt; 4<br>" in html  # a line each
    assert "answers=[" not in html and "study_id=" not in html  # not the raw detail
    trail = b"".join(client.get(reverse("reporting:audit_csv", args=[review.slug]))
                     .streaming_content).decode()  # fmt: skip
    assert "Q1 support text: (empty) -> on Q1\nQ1 page ref: (empty) -> 4" in trail.replace(
        "\r\n", "\n"
    )
    client.force_login(reviewer)  # leads only: a reviewer's record page has none of it
    html = client.get(reverse("reviews:record_detail", args=[review.slug, record.pk]))
    assert "Q2 answer" not in html.content.decode() and "Design:" not in html.content.decode()


def test_settings_name_checklists_by_name_in_the_lines(review, lead, qualitative, quantitative):
    services.appraisal_settings_update(
        review=review, user=lead, appraisal_mode="dual", extraction_mode="dual",
        qualitative_checklist=quantitative, quantitative_checklist=None,
    )  # fmt: skip
    event = AuditEvent.objects.filter(review=review, kind=AuditKind.SETTINGS).latest("pk")
    assert selectors.history_lines(event.detail) == [
        f"Qualitative checklist: {qualitative.name} -> {quantitative.name}",
        f"Quantitative checklist: {quantitative.name} -> (empty)",
    ]


# --- append-only ---------------------------------------------------------------------------------


def test_an_audit_event_cannot_be_changed_or_deleted(review, lead, qualitative):
    def snapshot() -> list:
        return list(AuditEvent._base_manager.order_by("pk").values())

    before = snapshot()
    event = AuditEvent.objects.get(review=review, kind=AuditKind.CHECKLIST)
    event.summary, event.detail = "forged", {"forged": True}
    with pytest.raises(HistoryIsAppendOnly):
        event.save()
    with pytest.raises(HistoryIsAppendOnly):
        event.delete()
    rows = AuditEvent.objects.filter(review=review)
    with pytest.raises(HistoryIsAppendOnly):
        rows.update(summary="forged")
    with pytest.raises(HistoryIsAppendOnly):
        rows.delete()
    with pytest.raises(HistoryIsAppendOnly):
        AuditEvent.objects.bulk_update([event], ["summary"])
    assert snapshot() == before
    assert ChecklistVersion.objects.filter(checklist=qualitative).count() == 1
