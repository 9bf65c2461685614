"""Input shapes. Answer and value forms are built from a checklist or form version: each
question or field is read by its own id from the version (never an id chosen by the POST)."""

from __future__ import annotations

from django import forms

from appraisal.models import Checklist, ConsensusMethod, Design, Mode
from appraisal.services import AnswerInput, JudgementInput, ValueInput
from lib.appraisal.answers import SCALES
from lib.appraisal.checklists import BUILTIN
from lib.appraisal.definitions import (
    BUILDER_COLUMNS,
    FIELD_KINDS,
    FORM_TEMPLATES,
    MAX_INSTANCES,
    REPEATS,
    DefinitionError,
    builder_rows,
    definition_from_rows,
    render_fields,
    render_questions,
    scale_words,
    structure_from_rows,
)
from reviews.forms import MultiLineField, SingleLineField


class SettingsForm(forms.Form):
    appraisal_mode = forms.ChoiceField(choices=Mode.choices, label="Appraisal")
    extraction_mode = forms.ChoiceField(choices=Mode.choices, label="Data extraction")
    qualitative_checklist = forms.ModelChoiceField(
        queryset=Checklist.objects.none(), required=False,
        label="Checklist for qualitative studies (mixed methods: both)",
    )  # fmt: skip
    quantitative_checklist = forms.ModelChoiceField(
        queryset=Checklist.objects.none(), required=False,
        label="Checklist for quantitative studies",
    )  # fmt: skip

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("qualitative_checklist", "quantitative_checklist"):
            self.fields[name].queryset = review.checklists.all()


class ChecklistForm(forms.Form):
    name = SingleLineField(max_length=200)
    source_note = MultiLineField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                  label="Source and licence")  # fmt: skip
    definition = MultiLineField(
        widget=forms.Textarea(attrs={"rows": 16, "class": "mono"}), label="Questions",
        help_text="One a line: code | question | hint | answers (Yes, No, Can't tell, Unclear, "
        "Not applicable, Probably yes, Probably no, No information, Low, Some concerns, High, "
        "One star..., a scale: signalling, rob2, robins_i, stars; or text). '## Section' "
        "starts a section; '## D1 | domain | Low, Some concerns, High' a domain with its "
        "judgements; '= Overall | rob2' an overall judgement.",
    )  # fmt: skip
    overall_rule = MultiLineField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False,
        label="Pre-specified overall rule (optional)",
        help_text="E.g. 'Exclude if Q1 = No or Q2 = No' then 'Include otherwise'. Without a "
        "rule no overall judgement is shown.",
    )  # fmt: skip

    @classmethod
    def for_version(cls, checklist, version):
        return cls(initial={
            "name": checklist.name, "source_note": checklist.source_note,
            "definition": render_questions(version.questions.select_related("domain"),
                                           version.domains.all(), version.judgements),
            "overall_rule": version.overall_rule,
        })  # fmt: skip


# The builder's suggestions for an answer scale (any list of answer words works too).
SCALE_CHOICES = list(dict.fromkeys(scale_words(scale) for scale in SCALES.values())) + ["text"]
BLANK_ROWS = 3  # empty rows offered without JavaScript (with it, "Add" makes more)


def _posted(data, prefix: str, columns: tuple[str, ...]) -> list[tuple]:
    """The builder's rows in page order: one list per column, aligned by position."""
    lists = [data.getlist(f"{prefix}-{c}") for c in columns]
    count = max((len(x) for x in lists), default=0)
    return [tuple((x[i] if i < len(x) else "") for x in lists) for i in range(count)]


def builder_from_post(data) -> dict:
    return {
        "domains": _posted(data, "d", ("code", "name", "judgements")),
        "questions": _posted(data, "q", ("code", "text", "hint", "group", "answers")),
        "overall": data.get("overall", ""),
    }


def definition_from_builder(rows: dict) -> str:
    """The builder's rows as the checklist's text (the one definition the services take).
    Raises DefinitionError naming the row."""
    structure = structure_from_rows(rows["domains"], rows["questions"], rows["overall"])
    return render_questions(structure.questions, structure.domains, structure.judgements)


def builder_for_version(version) -> dict:
    if version is None:
        return {"domains": [], "questions": [], "overall": ""}
    return builder_rows(version.questions.select_related("domain"), version.domains.all(),
                        version.judgements)  # fmt: skip


def builder_context(rows: dict) -> dict:
    """Rows for the template, with blank ones to fill in."""
    return {
        "domains": [*rows["domains"], *[("", "", "")] * 1],
        "questions": [*rows["questions"], *[("", "", "", "", "")] * BLANK_ROWS],
        "overall": rows["overall"],
        "scales": SCALE_CHOICES,
        "domain_codes": [d[0] for d in rows["domains"] if d[0]],
    }


class BuiltinForm(forms.Form):
    builtin = forms.ChoiceField(
        choices=[(k, f"{c.name} ({c.version})" if c.version else c.name)
                 for k, c in BUILTIN.items()]
    )  # fmt: skip


class ExtractionFormForm(forms.Form):
    name = SingleLineField(max_length=200)
    definition = MultiLineField(
        widget=forms.Textarea(attrs={"rows": 16, "class": "mono"}), label="Fields",
        help_text="One a line: code | label | kind | choices or columns (separated by ';') | "
        "hint | unit | min..max | required. Kinds: short_text, long_text, number, integer, "
        "date, single_choice, multiple_choice, yes_no, table. '## Section' starts a section, "
        "'## Arms | arm' or '## Outcomes | outcome' a repeating one.",
    )  # fmt: skip

    @classmethod
    def for_version(cls, form, version):
        return cls(initial={"name": form.name, "definition": render_fields(version.fields.all())})


class DesignForm(forms.Form):
    design = forms.ChoiceField(choices=Design.choices)
    checklists = forms.ModelMultipleChoiceField(queryset=Checklist.objects.none(), required=False)

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklists"].queryset = review.checklists.all()


CONSENSUS_METHODS = [
    (ConsensusMethod.DISCUSSION, ConsensusMethod.DISCUSSION.label),
    (ConsensusMethod.THIRD_REVIEWER, ConsensusMethod.THIRD_REVIEWER.label),
    (ConsensusMethod.CHECKED, ConsensusMethod.CHECKED.label),
]


def answers_from_post(questions, data) -> dict[int, AnswerInput]:
    return {
        q.pk: AnswerInput(
            answer=data.get(f"answer-{q.pk}", ""), text=data.get(f"text-{q.pk}", ""),
            support_text=data.get(f"support-{q.pk}", ""), page_ref=data.get(f"page-{q.pk}", ""),
            method=data.get(f"method-{q.pk}", ""),
        )
        for q in questions
    }  # fmt: skip


def judgement_field(key: int | None) -> str:
    """The name of a judgement's inputs: by domain id, or "overall"."""
    return "overall" if key is None else str(key)


def judgements_from_post(keys, data) -> dict[int | None, JudgementInput]:
    """The judgements posted for the version's domains (ids) and overall (None)."""
    return {
        key: JudgementInput(
            judgement=data.get(f"judgement-{judgement_field(key)}", ""),
            reason=data.get(f"reason-{judgement_field(key)}", ""),
            method=data.get(f"jmethod-{judgement_field(key)}", ""),
        )
        for key in keys
    }


def typed_answers(questions, data) -> dict[int, dict]:
    """What was typed into the answer form, to show again after a refused save."""
    return {
        q.pk: {
            "answer": data.get(f"answer-{q.pk}", ""), "text": data.get(f"text-{q.pk}", ""),
            "support_text": data.get(f"support-{q.pk}", ""),
            "page_ref": data.get(f"page-{q.pk}", ""), "method": data.get(f"method-{q.pk}", ""),
        }
        for q in questions
    }  # fmt: skip


def typed_consensus_answers(questions, data) -> dict[int, dict]:
    """What was typed into the consensus form, to show again after a refused save."""
    return {
        q.pk: {"answer": data.get(f"answer-{q.pk}", ""), "text": data.get(f"text-{q.pk}", ""),
               "method": data.get(f"method-{q.pk}", "")}
        for q in questions
    }  # fmt: skip


def typed_consensus_judgements(keys, data) -> dict[int | None, dict]:
    """The consensus judgements typed, to show again after a refused save."""
    return {
        key: {"judgement": data.get(f"judgement-{judgement_field(key)}", ""),
              "method": data.get(f"jmethod-{judgement_field(key)}", "")}
        for key in keys
    }  # fmt: skip


def checklist_form_from_post(data) -> tuple[ChecklistForm, dict | None]:
    """The checklist form from a POST; a checklist built in the browser (rows, not text)
    becomes its definition here, and its rows come back to re-show on an error."""
    if "builder" not in data:
        return ChecklistForm(data), None
    rows = builder_from_post(data)
    data = data.copy()
    try:
        data["definition"] = definition_from_builder(rows)
    except DefinitionError as error:
        form = ChecklistForm(data)
        form.is_valid()
        form.add_error(None, str(error))
        return form, rows
    return ChecklistForm(data), rows


FORM_COLUMNS = tuple(f"f-{c}" for c in BUILDER_COLUMNS)


def form_builder_rows(data) -> list[tuple[str, ...]]:
    """The extraction form builder's rows from a POST, in page order."""
    columns = [data.getlist(name) for name in FORM_COLUMNS]
    count = max(len(c) for c in columns)
    return [tuple(c[i] if i < len(c) else "" for c in columns) for i in range(count)]


def form_builder_context(rows) -> dict:
    """The builder's rows (two blank ones added to type into) and the kinds to choose."""
    blank = ("", "", "", "short_text", "", "", "", "", "", "", "")
    rows = [tuple(r) + ("",) * (len(BUILDER_COLUMNS) - len(r)) for r in rows]
    return {"rows": [*rows, *[blank] * 2], "kinds": FIELD_KINDS, "templates": FORM_TEMPLATES,
            "repeats": [("", "Once"), *((k, f"Per {v.lower()}") for k, v in REPEATS.items())]}  # fmt: skip


def form_definition_post(data):
    """The POST with the builder's rows turned into the form's definition; on a refused
    row, (None, rows, message)."""
    rows = form_builder_rows(data)
    copy = data.copy()
    try:
        copy["definition"] = definition_from_rows(rows)
    except DefinitionError as error:
        return None, rows, str(error)
    return copy, rows, ""


def table_from_post(field, data) -> list[dict]:
    """An outcome table typed in its grid: each column posts one cell per row, in page
    order (`cell-<field>-<column number>`), so the rows are the columns zipped."""
    columns = [data.getlist(f"cell-{field.pk}-{i}") for i in range(len(field.options))]
    count = max((len(c) for c in columns), default=0)
    return [
        {name: (column[r] if r < len(column) else "") for name, column in
         zip(field.options, columns, strict=True)}
        for r in range(count)
    ]  # fmt: skip


def instance_count(fields, data) -> dict[str, int]:
    """{section: instances} of a form's repeating sections as posted (`instances-<first
    field id>`; without it, the highest instance any of its inputs names), at least 1."""
    counts: dict[str, int] = {}
    firsts: dict[str, int] = {}
    for f in fields:
        if f.repeat:
            firsts.setdefault(f.section, f.pk)
    prefixes = {f"value-{f.pk}-": f.section for f in fields if f.repeat}
    seen: dict[str, int] = {}
    for key in data:
        for prefix, section in prefixes.items():
            tail = key[len(prefix) :] if key.startswith(prefix) else ""
            if tail.isdigit():
                seen[section] = max(seen.get(section, 0), int(tail))
    for section, first in firsts.items():
        posted = data.get(f"instances-{first}", "")
        count = int(posted) if posted.isdigit() else seen.get(section, 1)
        counts[section] = max(1, min(count, MAX_INSTANCES + 1))  # more is refused by name
    return counts


def _instance_raw(f, data, key: str):
    return data.getlist(key) if f.kind == "multiple_choice" else data.get(key, "")


def values_from_post(fields, data, *, consensus: bool = False, drop: tuple[str, int] | None = None,
                     add: str | None = None) -> dict[int, ValueInput]:  # fmt: skip
    """The values posted for a form version's fields. A field of a repeating section posts
    one input per instance (`value-<field>-<n>`); `drop` (section, n) leaves an instance
    out and `add` (section) appends a blank one (the extractor's Remove and Add)."""
    result = {}
    counts = instance_count(fields, data)
    for f in fields:
        key = f"value-{f.pk}"
        if f.repeat:
            raw = []
            for n in range(1, counts.get(f.section, 1) + 1):
                if drop == (f.section, n):
                    continue
                one = _instance_raw(f, data, f"{key}-{n}")
                if consensus and f.kind == "multiple_choice":
                    typed = data.get(f"{key}-{n}", "").strip()
                    one = [p.strip() for p in typed.split(";")] if typed else ""
                raw.append(one)
            if add == f.section:
                raw.append([] if f.kind == "multiple_choice" else "")
        elif consensus:
            # One box per field; left empty, the reviewers' value stands.
            typed = data.get(key, "").strip()
            if not typed:
                continue
            raw = [p.strip() for p in typed.split(";")] if f.kind == "multiple_choice" else typed
        elif f.kind == "table" and f"cells-{f.pk}" in data:
            raw = table_from_post(f, data)
        else:
            raw = data.getlist(key) if f.kind == "multiple_choice" else data.get(key, "")
        result[f.pk] = ValueInput(
            raw=raw, source_location=data.get(f"location-{f.pk}", ""),
            method=data.get(f"method-{f.pk}", ""), note=data.get(f"note-{f.pk}", ""),
        )  # fmt: skip
    return result
