"""Input shapes for reporting. A form validates; it never saves."""

from __future__ import annotations

from django import forms

from lib.prisma import FIELDS
from reporting.models import OverrideState
from reviews.forms import MultiLineField


class OverrideForm(forms.Form):
    field = forms.ChoiceField(choices=[(k, f"{v[0]} ({k})") for k, v in FIELDS.items()])
    state = forms.ChoiceField(choices=OverrideState.choices)
    value = forms.IntegerField(min_value=0, required=False)
    note = MultiLineField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("state") == OverrideState.REPORTED and data.get("value") is None:
            self.add_error("value", "Enter the count.")
        return data


class NoteForm(forms.Form):
    check_id = forms.RegexField(regex=r"^C\d\d$")
    note = MultiLineField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)
