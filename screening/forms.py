"""Input shapes for screening. A form never saves."""

from __future__ import annotations

from django import forms

from lib.screening.highlight import MAX_TERM_CHARS, MAX_TERMS, parse_terms
from reviews.access import team
from reviews.forms import MultiLineField, SingleLineField
from reviews.models import Criterion, CriterionKind, Review
from screening import selectors
from screening.models import NotRetrievedReason, Retrieval, StageSettings, Study, Verdict


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=Verdict.choices)
    reason = forms.ModelChoiceField(queryset=Criterion.objects.none(), required=False)
    reason_other = SingleLineField(required=False, max_length=300)
    note = MultiLineField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    stream = forms.BooleanField(required=False)

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = review.criteria.filter(kind=CriterionKind.EXCLUDE)


class ResolutionForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[(Verdict.INCLUDE, "Include"), (Verdict.EXCLUDE, "Exclude")]
    )
    reason = forms.ModelChoiceField(queryset=Criterion.objects.none(), required=False)
    reason_other = SingleLineField(required=False, max_length=300)
    note = MultiLineField(required=False, widget=forms.Textarea(attrs={"rows": 2, "data-key": "n"}))
    seen = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = review.criteria.filter(kind=CriterionKind.EXCLUDE)


class StageSettingsForm(forms.ModelForm):
    class Meta:
        model = StageSettings
        fields = [
            "reviewers_required",
            "maybe_counts_as_include",
            "order",
            "resolver",
            "resolver_may_have_screened",
            "reasons_must_agree",
            "include_terms",
            "exclude_terms",
        ]
        widgets = {
            "include_terms": forms.Textarea(attrs={"rows": 4}),
            "exclude_terms": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"include_terms": MultiLineField, "exclude_terms": MultiLineField}

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        users = team(review)
        field = self.fields["resolver"]
        field.queryset = field.queryset.filter(pk__in=users).order_by("username")
        field.required = False
        field.empty_label = "Leads only"

    def _clean_terms(self, name: str) -> str:
        """The highlighter cuts longer terms and ignores terms past its bound (its matching
        stays linear whatever it is given); the lead is told here instead."""
        text = self.cleaned_data.get(name, "")
        terms = parse_terms(text)
        if len(terms) > MAX_TERMS:
            raise forms.ValidationError(f"At most {MAX_TERMS} terms ({len(terms)} given).")
        long = [t for t in terms if len(t) > MAX_TERM_CHARS]
        if long:
            raise forms.ValidationError(
                f"A term is at most {MAX_TERM_CHARS} characters: “{long[0][:40]}…” is longer."
            )
        return text

    def clean_include_terms(self) -> str:
        return self._clean_terms("include_terms")

    def clean_exclude_terms(self) -> str:
        return self._clean_terms("exclude_terms")


class StoppingTestForm(forms.Form):
    """The parameters of the stopping aids shown on the ranking panel (GET)."""

    recall_target = forms.FloatField(
        min_value=0.5, max_value=0.99, initial=0.95,
        help_text="The share of relevant records you want to have found (0.95 = 95%)",
    )  # fmt: skip
    confidence = forms.FloatField(
        min_value=0.5, max_value=0.99, initial=0.95,
        help_text="How sure the test must be that the target is reached (0.95 = 95%)",
    )  # fmt: skip
    run = forms.IntegerField(
        min_value=1, max_value=100000, initial=100, label="Consecutive excludes",
        help_text="The simple heuristic: stop after this many excludes in a row",
    )  # fmt: skip


class StopForm(StoppingTestForm):
    """Stopping early: the rule relied on, its parameters, and an explicit confirmation."""

    rule = forms.ChoiceField(choices=[])
    note = MultiLineField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(
        label="I understand: every record without an include vote or a final verdict is "
        "excluded by the automation tool and no longer screened"
    )

    field_order = ["rule", "recall_target", "confidence", "run", "note", "confirm"]

    def __init__(self, *args, rules: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = list(rules.items())
        self.fields["rule"].label = "The rule you rely on"


class RetrievalForm(forms.Form):
    retrieval = forms.ChoiceField(choices=Retrieval.choices)
    reason = forms.ChoiceField(choices=[("", "–"), *NotRetrievedReason.choices], required=False)
    note = SingleLineField(max_length=300, required=False)
    link = forms.URLField(max_length=500, required=False, assume_scheme="https")


class StudyForm(forms.Form):
    study = forms.ModelChoiceField(queryset=Study.objects.none())

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study"].queryset = review.studies.all()
        labels = selectors.study_labels(review)  # "Lambert 2003a" / "Lambert 2003b"
        self.fields["study"].label_from_instance = lambda s: labels.get(s.pk, s.label)


class NoteForm(forms.Form):
    text = MultiLineField(
        label="Add a note",
        max_length=5000,
        error_messages={"required": "Write the note first: it is empty."},
    )
