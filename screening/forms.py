"""Input shapes for screening. A form never saves."""

from __future__ import annotations

from django import forms

from reviews.models import Criterion, CriterionKind, Member, Review
from screening.models import StageSettings, Verdict


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=Verdict.choices)
    reason = forms.ModelChoiceField(queryset=Criterion.objects.none(), required=False)
    reason_other = forms.CharField(required=False, max_length=300)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    stream = forms.BooleanField(required=False)

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = review.criteria.filter(kind=CriterionKind.EXCLUDE)


class ResolutionForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[(Verdict.INCLUDE, "Include"), (Verdict.EXCLUDE, "Exclude")]
    )
    reason = forms.ModelChoiceField(queryset=Criterion.objects.none(), required=False)
    reason_other = forms.CharField(required=False, max_length=300)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
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

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        users = Member.objects.filter(review=review).values("user")
        field = self.fields["resolver"]
        field.queryset = field.queryset.filter(pk__in=users).order_by("username")
        field.required = False
        field.empty_label = "Leads only"
