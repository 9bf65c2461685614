"""Input shapes. A form validates; it never saves (views call services)."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings

from lib.imports import TARGET_FIELDS
from lib.singleline import fold
from reviews.models import Arm, Role, Search, Source, SourceType
from reviews.services.reviews import CriterionItem

CRITERION_LINE = re.compile(r"^\s*([A-Za-z]{1,4}\d{1,3}[a-z]?)\s*[-:.)]?\s+(\S.*)$")
SHORT_LABEL = re.compile(r"^\[([^\]]{1,80})\]\s*(\S.*)$")


def parse_criteria(text: str, *, field: str) -> list[CriterionItem]:
    """One criterion per line, code first: `E3 Clinical outcomes only`; an optional short
    name for the PRISMA diagram in brackets: `E3 [Clinical focus] Clinical outcomes only`."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = CRITERION_LINE.match(line)
        if not match:
            raise forms.ValidationError(
                f"{field}, line {number}: start with a code such as I1 or E3, then the text "
                f"(got {line.strip()[:60]!r})."
            )
        text, label = match[2].strip(), ""
        if short := SHORT_LABEL.match(text):
            label, text = short[1].strip(), short[2].strip()
        items.append(CriterionItem(code=match[1].upper(), text=text, label=label))
    return items


def criteria_text(criteria) -> str:
    return "\n".join(f"{c.code} {f'[{c.label}] ' if c.label else ''}{c.text}" for c in criteria)


class SingleLineField(forms.CharField):
    """A name, a label, a reason: one line. A browser's text box cannot hold a line break;
    one sent anyway (a crafted request) is folded into a space, so it can never start a line
    of its own in a tagged export (RIS)."""

    def to_python(self, value):
        value = super().to_python(value)
        return fold(value).strip() if value else value


class MultiLineField(forms.CharField):
    """Text over several lines (a note, a strategy): kept with LF line ends. Browsers send a
    textarea's lines with CRLF, so without this every save of an untouched form changed it."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class DateInput(forms.DateInput):
    """<input type=date>: its value must be ISO (2000-01-31) whatever the language, or the
    browser shows an empty field and saving the form erases the date."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


class ReviewForm(forms.Form):
    title = SingleLineField(max_length=300)
    question = MultiLineField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    date_from = forms.DateField(required=False, widget=DateInput, label="Searched from")
    date_to = forms.DateField(required=False, widget=DateInput, label="Searched to")
    inclusion = MultiLineField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Inclusion criteria",
        help_text="One per line, code first: I1 Public health partnership",
    )
    exclusion = MultiLineField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label="Exclusion criteria",
        help_text="One per line, code first: E3 Clinical outcomes only. These become "
        "the exclusion reasons offered while screening. A short name for the PRISMA diagram "
        "may follow the code in brackets: E3 [Clinical focus] Clinical outcomes only.",
    )

    def clean_inclusion(self):
        return parse_criteria(self.cleaned_data["inclusion"], field="Inclusion criteria")

    def clean_exclusion(self):
        return parse_criteria(self.cleaned_data["exclusion"], field="Exclusion criteria")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class MemberAddForm(forms.Form):
    username = SingleLineField(max_length=150, label="Username or e-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SourceForm(forms.ModelForm):
    arm = forms.ChoiceField(
        choices=[("", "Default for the type"), *Arm.choices],
        required=False,
        label="PRISMA column",
    )

    class Meta:
        model = Source
        fields = ["name", "platform", "source_type", "arm", "pooled_into_screening", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"name": SingleLineField, "platform": SingleLineField,
                         "notes": MultiLineField}  # fmt: skip

    def __init__(self, *args, review=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_type"].choices = SourceType.choices


class SearchForm(forms.ModelForm):
    class Meta:
        model = Search
        fields = Search.EDITABLE
        widgets = {
            "date_run": DateInput,
            "date_limits_from": DateInput,
            "date_limits_to": DateInput,
            "strategy": forms.Textarea(attrs={"rows": 8, "class": "mono"}),
            "limits": forms.Textarea(attrs={"rows": 2}),
            "filters": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"records_reported": "Records reported by the source"}
        field_classes = {"label": SingleLineField, "strategy": MultiLineField,
                         "limits": MultiLineField, "filters": MultiLineField}  # fmt: skip

    def clean(self):
        data = super().clean()
        start, end = data.get("date_limits_from"), data.get("date_limits_to")
        if start and end and start > end:
            self.add_error("date_limits_to", "The date limits end before they start.")
        return data


class UploadForm(forms.Form):
    # allow_empty_file: our own message below names the file, Django's does not.
    file = forms.FileField(label="Search results file", allow_empty_file=True)
    search = forms.ModelChoiceField(
        queryset=Search.objects.none(), required=False, empty_label="(not tied to one search)"
    )

    def __init__(self, *args, source: Source, **kwargs):
        super().__init__(*args, **kwargs)
        searches = source.searches.all()
        self.fields["search"].queryset = searches
        if len(searches) == 1:  # the usual case: tie the file to the one search it came from
            self.fields["search"].initial = searches[0].pk
        self.fields["file"].help_text = (
            "RIS, PubMed (MEDLINE or XML), Web of Science, EndNote (XML or tagged), BibTeX, "
            f"Ovid, CSL-JSON, CSV/TSV or XLSX, up to {settings.SIFT_MAX_UPLOAD_MB} MB. The "
            "format is read from the content, whatever the file is called."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.SIFT_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size / 1e6:.0f} MB; the limit is "
                f"{settings.SIFT_MAX_UPLOAD_MB} MB. Use `manage.py import_records` for "
                "larger files."
            )
        if upload.size == 0:
            raise forms.ValidationError(f"{upload.name} is empty (0 bytes): nothing to import.")
        return upload


class MappingForm(forms.Form):
    """One choice per spreadsheet column: which Sift field it feeds, or automatic."""

    AUTOMATIC = ""

    def __init__(self, *args, columns: list[str], initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        initial = initial or {}
        choices = [
            (self.AUTOMATIC, "recognise automatically"),
            *[(f, f.replace("_", " ")) for f in TARGET_FIELDS],
            ("ignore", "ignore (kept in the record's raw text)"),
        ]
        for index, column in enumerate(columns):
            self.fields[f"col{index}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=column,
                initial=initial.get(column, self.AUTOMATIC),
            )

    def mapping(self) -> dict[str, str]:
        return {
            column: self.cleaned_data[f"col{index}"]
            for index, column in enumerate(self.columns)
            if self.cleaned_data[f"col{index}"] != self.AUTOMATIC
        }


class RecordFilterForm(forms.Form):
    q = SingleLineField(required=False, label="Search")
    source = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    batch = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(
        required=False,
        label="Duplicates",
        choices=[
            ("", "With duplicates"),
            ("primary", "One per paper (as screened)"),
            ("duplicate", "Duplicates only"),
        ],
    )

    status = forms.ChoiceField(required=False, label="Status")

    def __init__(self, *args, sources, batches, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "All sources")] + [(s.pk, s.name) for s in sources]
        self.fields["status"].choices = [("", "Any status")] + [
            (f"{stage.stage}:{key}", f"{stage.label}: {words.lower()}")
            for stage in stages
            for key, words in stage.labels.items()
        ]
        self.fields["batch"].choices = [("", "All imports")] + [
            (b.pk, f"#{b.pk} {b.filename} ({b.source.name})") for b in batches
        ]


class RecordEditForm(forms.Form):
    """A lead's correction of a record's fields (reviews/services/records.py). Authors: one
    per line. Blank a field to clear it."""

    title = MultiLineField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    abstract = MultiLineField(required=False, widget=forms.Textarea(attrs={"rows": 10}))
    authors = MultiLineField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="One per line"
    )
    year = forms.IntegerField(required=False, min_value=1000, max_value=2200)
    journal = SingleLineField(required=False)
    volume = SingleLineField(required=False, max_length=100)
    issue = SingleLineField(required=False, max_length=100)
    pages = SingleLineField(required=False, max_length=100)
    doi = SingleLineField(required=False, max_length=300, label="DOI")
    pmid = SingleLineField(required=False, max_length=20, label="PubMed ID")
    language = SingleLineField(required=False, max_length=100)
    type = SingleLineField(required=False, max_length=100, label="Type")

    @classmethod
    def for_record(cls, record, data=None) -> RecordEditForm:
        initial = {name: getattr(record, name) for name in cls.base_fields}
        initial["authors"] = "\n".join(record.authors)
        return cls(data, initial=initial)

    def values(self) -> dict:
        values = dict(self.cleaned_data)
        values["authors"] = values["authors"].split("\n") if values["authors"] else []
        return values
