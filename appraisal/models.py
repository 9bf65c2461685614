"""Critical appraisal and data extraction. Facts only: one answer per reviewer x study x
question (and one consensus answer per study x question); "done", "awaiting the second
reviewer" and "differences" are derived by selectors.

Checklists and extraction forms are versioned: a version that anyone has started to use is
frozen, and editing it makes the next version. Answers point at their question with RESTRICT,
so nothing answered can be deleted (only the whole review, with its answers, can go).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lib.appraisal.algorithms import MANUAL_DOMAINS
from lib.appraisal.answers import CODE_LENGTH
from reviews.models import Review
from screening.models import Study


class Mode(models.TextChoices):
    DUAL = "dual", "Two independent reviewers, then consensus"
    SINGLE_PLUS_CHECK = "single_plus_check", "One reviewer, checked by a second"


class Design(models.TextChoices):
    QUALITATIVE = "qualitative", "Qualitative"
    QUANTITATIVE = "quantitative", "Quantitative"
    MIXED = "mixed", "Mixed methods"
    OTHER = "other", "Other"


class ConsensusMethod(models.TextChoices):
    AGREED = "agreed", "Both reviewers agreed"
    DISCUSSION = "discussion", "Joint re-examination"
    THIRD_REVIEWER = "third_reviewer", "Third reviewer"
    CHECKED = "checked", "Checked by a second reviewer"


# Answer codes (Answer.answer, Judgement.judgement) are the vocabulary of
# lib.appraisal.answers.OPTIONS: Yes / No / Can't tell, RoB 2's Y / PY / PN / N / NI, stars,
# judgements... Which ones a question (domain) offers is its scale, checked by the services;
# no model choices, so a new word in the vocabulary needs no migration.


class QuestionKind(models.TextChoices):
    CHOICE = "choice", "Answer options"
    TEXT = "text", "Free text"


class FieldKind(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    NUMBER = "number", "Number"
    INTEGER = "integer", "Whole number"
    DATE = "date", "Date"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    YES_NO = "yes_no", "Yes/no"
    TABLE = "table", "Table rows (outcomes by arm)"


class Repeat(models.TextChoices):
    """A repeating section (`lib.appraisal.definitions.REPEATS`)."""

    ONCE = "", "Once"
    ARM = "arm", "Per arm"
    OUTCOME = "outcome", "Per outcome and time point"


class AppraisalSettings(models.Model):
    """How a review appraises and extracts. Created with defaults when first needed."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, related_name="appraisal_settings"
    )
    appraisal_mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.DUAL)
    extraction_mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.DUAL)
    qualitative_checklist = models.ForeignKey(
        "Checklist", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="By default for qualitative (and mixed-methods) studies",
    )  # fmt: skip
    quantitative_checklist = models.ForeignKey(
        "Checklist", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="By default for quantitative (and mixed-methods) studies",
    )  # fmt: skip
    # What the studies' weights (StudyWeight) are, named in the weighted summary plots.
    weight_basis = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        verbose_name_plural = "appraisal settings"

    def __str__(self) -> str:
        return f"Appraisal settings of {self.review}"


class StudyDesign(models.Model):
    """A lead's statement of a study's design; it picks the default checklists."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="appraisal_design")
    design = models.CharField(max_length=20, choices=Design.choices)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.study_id}: {self.design}"


class StudyWeight(models.Model):
    """A lead's weight for a study in the summary plots (robvis's weighted summary): its
    meta-analysis weight, its sample size... (what they are: the settings' `weight_basis`).
    No row: no weight; the plots are weighted only when every study in them has one."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="appraisal_weight")
    weight = models.FloatField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="study_weight_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.study_id}: {self.weight}"


class StudyChecklist(models.Model):
    """A lead's choice of checklist for one study, overriding the default rule."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="chosen_checklists")
    checklist = models.ForeignKey("Checklist", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "checklist"], name="study_checklist_once")
        ]

    def __str__(self) -> str:
        return f"{self.study_id}: {self.checklist_id}"


# --- checklists ------------------------------------------------------------------------------


class Checklist(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="checklists")
    name = models.CharField(max_length=200)
    source_note = models.TextField(blank=True, help_text="Source, citation and licence")
    builtin = models.CharField(max_length=40, blank=True, help_text="The template it copies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "name"], name="checklist_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistVersion(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    overall_rule = models.TextField(
        blank=True, help_text="Pre-specified, e.g. 'Exclude if Q1 = No or Q2 = No'"
    )
    tool = models.CharField(
        max_length=40, blank=True,
        help_text="The library tool whose published algorithms suggest judgements",
    )  # fmt: skip
    judgements = models.JSONField(
        default=list, blank=True, help_text="The overall judgement's scale (answer codes)"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checklist_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "number"], name="checklist_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.checklist} v{self.number}"

    @property
    def manual_domains(self) -> tuple[str, str] | None:
        """(what to say, the guidance's URL) when the tool publishes no domain algorithm."""
        return MANUAL_DOMAINS.get(self.tool)


class Domain(models.Model):
    """A group of questions judged together (RoB 2's "Bias arising from the randomization
    process"), with its judgement scale and, for library tools, the published algorithm
    that suggests a judgement from the answers (`lib.appraisal.algorithms`)."""

    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="domains")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=300)
    judgements = models.JSONField(default=list, help_text="The judgement's scale (answer codes)")
    algorithm = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="domain_code_once")]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class Question(models.Model):
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="questions"
    )
    domain = models.ForeignKey(
        Domain, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    section = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=20)
    text = models.TextField()
    hint = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices, default="choice")
    options = models.JSONField(default=list, blank=True, help_text="Answer codes offered")

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="question_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.text}"


class StudyWork(models.Model):
    """What Appraisal and Extraction share: one reviewer's work on one study with one
    version of an instrument (their answers or values, a study-level comment, done when
    submitted), or, with is_consensus, the agreed one recorded by the pair, the lead or
    the checker. Subclasses add `version`."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="%(class)ss")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="%(class)ss")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="%(class)ss"
    )
    is_consensus = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["study", "version", "reviewer"], condition=Q(is_consensus=False),
                name="%(class)s_once_per_reviewer",
            ),
            models.UniqueConstraint(
                fields=["study", "version"], condition=Q(is_consensus=True),
                name="%(class)s_one_consensus",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        who = "consensus" if self.is_consensus else self.reviewer_id
        return f"{type(self).__name__} of {self.study_id} ({who})"


class Appraisal(StudyWork):
    """One reviewer's appraisal of one study with one checklist version, or the consensus."""

    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.RESTRICT, related_name="appraisals"
    )


class Answer(models.Model):
    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.RESTRICT, related_name="answers")
    answer = models.CharField(max_length=CODE_LENGTH, blank=True, help_text="An answer code")
    text = models.TextField(blank=True, help_text="The answer to a free-text question")
    support_text = models.TextField(blank=True)
    page_ref = models.CharField(max_length=100, blank=True)
    method = models.CharField(
        max_length=20, choices=ConsensusMethod.choices, blank=True,
        help_text="Consensus answers: how it was reached",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "question"], name="answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.answer or self.text[:20]}"


class Judgement(models.Model):
    """A reviewer's (or the consensus's) judgement of one domain, or with no domain the
    overall judgement. Blank means "as the tool's algorithm suggests" in a draft; a
    submitted appraisal stores the judgement itself. A judgement that departs from the
    suggestion carries the reason."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="judgements")
    domain = models.ForeignKey(
        Domain, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    judgement = models.CharField(max_length=CODE_LENGTH, blank=True, help_text="An answer code")
    reason = models.TextField(blank=True, help_text="Why the judgement departs from the suggested")
    method = models.CharField(max_length=20, choices=ConsensusMethod.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "domain"], condition=Q(domain__isnull=False),
                name="judgement_once_per_domain",
            ),
            models.UniqueConstraint(
                fields=["appraisal"], condition=Q(domain__isnull=True),
                name="judgement_one_overall",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.appraisal_id} {self.domain_id or 'overall'}: {self.judgement}"


# --- extraction ------------------------------------------------------------------------------


class ExtractionForm(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_forms")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "name"], name="extraction_form_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class FormVersion(models.Model):
    form = models.ForeignKey(ExtractionForm, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["form_id", "number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="form_version_once")]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"


class Field(models.Model):
    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField()
    section = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=20)
    label = models.CharField(max_length=300)
    hint = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=FieldKind.choices)
    options = models.JSONField(default=list, blank=True, help_text="Choices, or table columns")
    unit = models.CharField(max_length=40, blank=True, help_text="Number fields: e.g. years")
    min_value = models.FloatField(null=True, blank=True, help_text="The allowed range's start")
    max_value = models.FloatField(null=True, blank=True, help_text="The allowed range's end")
    required = models.BooleanField(default=False, help_text="Needed to submit (not in a draft)")
    repeat = models.CharField(
        max_length=10, choices=Repeat.choices, blank=True,
        help_text="Its section repeats; the value is then a list, one per instance",
    )  # fmt: skip

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="field_code_once")]

    def __str__(self) -> str:
        return self.label

    @property
    def allowed_range(self) -> str:
        """'18 to 120', 'at least 0' (the unit is shown beside), '' when open."""
        from lib.appraisal.definitions import range_words

        if self.min_value is None and self.max_value is None:
            return ""
        return range_words(self.min_value, self.max_value)

    @property
    def header(self) -> str:
        """The field's export column: its code, with the unit: 'age (years)'."""
        return f"{self.code} ({self.unit})" if self.unit else self.code


class Extraction(StudyWork):
    """One reviewer's extraction of one study with one form version, or the consensus."""

    version = models.ForeignKey(FormVersion, on_delete=models.RESTRICT, related_name="extractions")


class Value(models.Model):
    extraction = models.ForeignKey(Extraction, on_delete=models.CASCADE, related_name="values")
    field = models.ForeignKey(Field, on_delete=models.RESTRICT, related_name="values")
    value = models.JSONField(
        default=str, blank=True,
        help_text="Text; a list for multiple choice; rows for tables; for a field of a "
        "repeating section a list with one such value per instance (Arm 1, Arm 2...)",
    )  # fmt: skip
    source_location = models.CharField(max_length=100, blank=True, help_text="Page or table")
    method = models.CharField(max_length=20, choices=ConsensusMethod.choices, blank=True)
    note = models.TextField(blank=True, help_text="Consensus: how a difference was resolved")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["extraction", "field"], name="value_once")]

    def __str__(self) -> str:
        return f"{self.field_id}: {self.value}"
