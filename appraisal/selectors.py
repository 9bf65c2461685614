"""Reads for appraisal and extraction: the state of each study's work (derived from the
answer rows, never stored), the final answers (consensus, or the reviewers' shared answers),
tables and summaries."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db.models import QuerySet, prefetch_related_objects

from appraisal.models import (
    Answer,
    Appraisal,
    AppraisalSettings,
    Checklist,
    ChecklistVersion,
    Design,
    Domain,
    Extraction,
    ExtractionForm,
    FormVersion,
    Judgement,
    Mode,
    StudyChecklist,
    StudyDesign,
    StudyWeight,
    Value,
)
from lib.appraisal import algorithms
from lib.appraisal import answers as vocab
from reviews.models import AuditEvent, AuditKind, Review, Role
from screening.access import Viewer
from screening.models import Study
from screening.selectors import cite

TO_DO, IN_PROGRESS, AWAITING, DIFFERENCES, DONE = (
    "to_do", "in_progress", "awaiting", "differences", "done",
)  # fmt: skip
STATE_LABELS = {
    TO_DO: "To do", IN_PROGRESS: "In progress", AWAITING: "Awaiting the other reviewer",
    DIFFERENCES: "Differences to reconcile", DONE: "Done",
}  # fmt: skip


def appraisal_settings(review: Review) -> AppraisalSettings:
    found, _ = AppraisalSettings.objects.get_or_create(review=review)
    return found


def included_studies(review: Review) -> QuerySet[Study]:
    # chosen_checklists: the overview's design form shows each study's own choice.
    return (
        review.studies.select_related("appraisal_design")
        .prefetch_related("chosen_checklists")
        .order_by("label", "pk")
    )


def study_of(review: Review, study_id: int) -> Study:
    return Study.objects.get(review=review, pk=study_id)


def current_version(instrument: Checklist | ExtractionForm):
    return instrument.versions.order_by("-number").first()


def checklist_version_of(review: Review, version_id: int) -> ChecklistVersion:
    return ChecklistVersion.objects.select_related("checklist").get(
        checklist__review=review, pk=version_id
    )


def form_version_of(review: Review, version_id: int) -> FormVersion:
    return FormVersion.objects.select_related("form").get(form__review=review, pk=version_id)


def is_frozen(version: ChecklistVersion | FormVersion) -> bool:
    """A version someone has started to use is frozen: editing makes the next one."""
    if isinstance(version, ChecklistVersion):
        return version.appraisals.exists()
    return version.extractions.exists()


def checklists_for(
    study: Study, settings: AppraisalSettings, chosen: dict[int, list[Checklist]]
) -> list[Checklist]:
    """The lead's choice for the study if any, otherwise the default by design (mixed
    methods: both)."""
    if chosen.get(study.pk):
        return chosen[study.pk]
    design = getattr(study, "appraisal_design", None)
    kind = design.design if isinstance(design, StudyDesign) else ""
    result = []
    if kind in (Design.QUALITATIVE, Design.MIXED) and settings.qualitative_checklist:
        result.append(settings.qualitative_checklist)
    if kind in (Design.QUANTITATIVE, Design.MIXED) and settings.quantitative_checklist:
        result.append(settings.quantitative_checklist)
    return result


def chosen_checklists(review: Review) -> dict[int, list[Checklist]]:
    chosen: dict[int, list[Checklist]] = {}
    for row in StudyChecklist.objects.filter(review=review).select_related("checklist"):
        chosen.setdefault(row.study_id, []).append(row.checklist)
    return chosen


# --- the state of one study's work ------------------------------------------------------------


@dataclass
class Work:
    """One study x one checklist (or form) version: the reviewers' rows and the consensus."""

    study: Study
    version: ChecklistVersion | FormVersion | None  # None: no checklist (form) chosen yet
    required: int
    entries: list = field(default_factory=list)  # reviewers' Appraisal/Extraction rows
    consensus: Appraisal | Extraction | None = None

    def mine(self, user) -> Appraisal | Extraction | None:
        return next((e for e in self.entries if e.reviewer_id == user.pk), None)

    @property
    def submitted(self) -> list:
        return [e for e in self.entries if e.submitted_at]

    @property
    def complete(self) -> bool:
        return len(self.submitted) >= self.required

    @property
    def state(self) -> str:
        if self.consensus is not None:
            return DONE
        if self.complete:
            if self.required == 1:
                return AWAITING  # the check
            return DIFFERENCES if self.difference_count else DONE
        return IN_PROGRESS if self.entries else TO_DO

    def state_for(self, user) -> str:
        """As `user` may know it: a reviewer learns nothing of the other's answers before
        both are done (blinding)."""
        mine = self.mine(user)
        if self.consensus is not None:
            return DONE
        if mine is not None and not mine.submitted_at:
            return IN_PROGRESS
        if mine is not None and not self.complete:
            return AWAITING
        if mine is None and not self.complete:
            return TO_DO  # not even whether someone else has started
        return self.state

    @property
    def difference_count(self) -> int:
        return len(differences(self)) + len(judgement_differences(self))

    def may_see_all(self, user, lead: bool) -> bool:
        """Leads always; the pair once both are done; in single-plus-check mode anyone but
        the appraiser once the appraisal is done (they are the check)."""
        if lead:
            return True
        if not self.complete:
            return False
        if self.required == 1:
            return True
        return any(e.reviewer_id == user.pk for e in self.entries)

    def may_reconcile(self, user, lead: bool) -> bool:
        if not self.complete:
            return False
        if lead:
            return True
        if self.required == 1:
            return all(e.reviewer_id != user.pk for e in self.entries)
        return any(e.reviewer_id == user.pk for e in self.entries)


def _items(version) -> list:
    if isinstance(version, ChecklistVersion):
        return list(version.questions.all())
    return list(version.fields.all())


def entry_values(entry) -> dict[int, object]:
    """{question or field id: the answer (code or text) or value} of one row."""
    if isinstance(entry, Appraisal):
        return {a.question_id: (a.answer or a.text) for a in entry.answers.all()}
    return {v.field_id: v.value for v in entry.values.all()}


def differences(work: Work) -> list[int]:
    """Ids of the questions (fields) the submitted reviewers answered differently."""
    rows = work.submitted
    if len(rows) < 2:
        return []
    first, second = entry_values(rows[0]), entry_values(rows[1])
    from lib.appraisal.definitions import same_value

    return [
        item.pk
        for item in _items(work.version)
        if not same_value(item, first.get(item.pk, ""), second.get(item.pk, ""))
    ]


# --- domain and overall judgements ------------------------------------------------------------

OVERALL = "Overall"


@dataclass
class DomainJudgement:
    """One domain's judgement (or, with no domain, the overall one) in one appraisal: what
    the tool's algorithm suggests from the answers, and what the reviewer gave."""

    domain: Domain | None
    code: str  # the domain's code, or "Overall"
    name: str
    options: list[str]  # its judgement scale
    suggested: str = ""
    given: str = ""  # stored; blank in a draft = as suggested
    reason: str = ""
    method: str = ""

    @property
    def key(self) -> int | None:
        return self.domain.pk if self.domain is not None else None

    @property
    def judgement(self) -> str:
        return self.given or self.suggested

    @property
    def departs(self) -> bool:
        return bool(self.given and self.suggested and self.given != self.suggested)

    @property
    def option(self) -> vocab.Option | None:
        return vocab.option(self.judgement) if self.judgement else None


def version_domains(version: ChecklistVersion) -> list[Domain]:
    return list(version.domains.all())


def judgements_for(
    version: ChecklistVersion, questions: list, domains: list[Domain],
    answers: dict[int, str], given: dict[int | None, dict],
) -> list[DomainJudgement]:  # fmt: skip
    """Each domain's judgement then the overall one (when the version has an overall scale),
    from the answer codes {question id: code} and the given judgements {domain id or None:
    {"judgement", "reason", "method"}}. The overall suggestion reads the domains' judgements
    (given, else suggested)."""
    result = []
    for domain in domains:
        codes = {q.code: answers.get(q.pk, "") for q in questions if q.domain_id == domain.pk}
        stored = given.get(domain.pk, {})
        result.append(DomainJudgement(
            domain, domain.code, domain.name, list(domain.judgements),
            algorithms.suggest(domain.algorithm, codes) if domain.algorithm else "",
            stored.get("judgement", ""), stored.get("reason", ""), stored.get("method", ""),
        ))  # fmt: skip
    if version.judgements:
        suggested = ""
        if version.tool:
            codes = {q.code: answers.get(q.pk, "") for q in questions if q.kind == "choice"}
            suggested = algorithms.suggest(f"{version.tool}.overall", codes,
                                           [d.judgement for d in result])  # fmt: skip
        stored = given.get(None, {})
        result.append(DomainJudgement(
            None, OVERALL, "Overall", list(version.judgements), suggested,
            stored.get("judgement", ""), stored.get("reason", ""), stored.get("method", ""),
        ))  # fmt: skip
    return result


def stored_judgements(entry) -> dict[int | None, dict]:
    """{domain id or None (overall): {"judgement", "reason", "method"}} of one appraisal."""
    if entry is None:
        return {}
    return {
        j.domain_id: {"judgement": j.judgement, "reason": j.reason, "method": j.method}
        for j in entry.judgements.all()
    }


def entry_judgements(entry) -> list[DomainJudgement]:
    """An appraisal's judgements, each with its suggestion from the appraisal's answers."""
    version = entry.version
    questions = list(version.questions.all())
    answers = {a.question_id: a.answer for a in entry.answers.all()}
    return judgements_for(version, questions, version_domains(version), answers,
                          stored_judgements(entry))  # fmt: skip


def judgement_differences(work: Work) -> list[str]:
    """Codes of the domains (and "Overall") the submitted reviewers judged differently."""
    rows = work.submitted
    if len(rows) < 2 or not isinstance(work.version, ChecklistVersion):
        return []
    domains = version_domains(work.version)
    if not work.version.judgements and not domains:
        return []
    # A submitted appraisal stores every judgement (the suggested ones too): compare those,
    # without recomputing suggestions (the overview reads many studies).
    first, second = stored_judgements(rows[0]), stored_judgements(rows[1])
    codes: dict[int | None, str] = {d.pk: d.code for d in domains}
    if work.version.judgements:
        codes[None] = OVERALL
    return [
        code
        for key, code in codes.items()
        if first.get(key, {}).get("judgement", "") != second.get(key, {}).get("judgement", "")
    ]


def appraisal_work(study: Study, version: ChecklistVersion, settings: AppraisalSettings) -> Work:
    rows = list(
        Appraisal.objects.filter(study=study, version=version)
        .select_related("reviewer")
        .prefetch_related("answers", "judgements")
        .order_by("created_at", "pk")
    )
    required = 1 if settings.appraisal_mode == Mode.SINGLE_PLUS_CHECK else 2
    return Work(
        study, version, required,
        [r for r in rows if not r.is_consensus],
        next((r for r in rows if r.is_consensus), None),
    )  # fmt: skip


def appraisal_works(
    studies: list[Study], version: ChecklistVersion, settings: AppraisalSettings
) -> dict[int, Work]:
    """`appraisal_work` of each study, read in one go (the version's questions and domains
    too): {study id: Work}."""
    prefetch_related_objects([version], "questions", "domains")
    rows = list(
        Appraisal.objects.filter(study__in=[s.pk for s in studies], version=version)
        .select_related("reviewer")
        .prefetch_related("answers", "judgements")
        .order_by("created_at", "pk")
    )
    for row in rows:
        row.version = version
    required = 1 if settings.appraisal_mode == Mode.SINGLE_PLUS_CHECK else 2
    return {
        study.pk: Work(
            study, version, required,
            [r for r in rows if r.study_id == study.pk and not r.is_consensus],
            next((r for r in rows if r.study_id == study.pk and r.is_consensus), None),
        )
        for study in studies
    }  # fmt: skip


def extraction_work(study: Study, version: FormVersion, settings: AppraisalSettings) -> Work:
    rows = list(
        Extraction.objects.filter(study=study, version=version)
        .select_related("reviewer")
        .prefetch_related("values")
        .order_by("created_at", "pk")
    )
    required = 1 if settings.extraction_mode == Mode.SINGLE_PLUS_CHECK else 2
    return Work(
        study, version, required,
        [r for r in rows if not r.is_consensus],
        next((r for r in rows if r.is_consensus), None),
    )  # fmt: skip


def version_in_use(study: Study, instrument, user=None):
    """The version this study is worked on with: the one `user` already started, else the
    one anybody started, else the current one."""
    model = Appraisal if isinstance(instrument, Checklist) else Extraction
    lookup = "version__checklist" if isinstance(instrument, Checklist) else "version__form"
    rows = model.objects.filter(study=study, **{lookup: instrument}).order_by("-version__number")
    if user is not None:
        mine = rows.filter(reviewer=user, is_consensus=False).first()
        if mine is not None:
            return mine.version
    started = rows.first()
    return started.version if started else current_version(instrument)


@dataclass
class OverviewCell:
    instrument: Checklist | ExtractionForm
    version: ChecklistVersion | FormVersion | None
    state: str
    may_see_all: bool = False  # both reviewers' work side by side (a link only if so)

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class OverviewRow:
    study: Study
    design: str
    cells: list[OverviewCell]
    weight: str = ""  # the lead's weight for the summary plots, as the leads' form shows it


def _studies_for(review: Review, user, lead: bool) -> QuerySet[Study]:
    """The study rows a member may see (screening.access: studies final for everyone)."""
    viewer = Viewer(review, user.pk, Role.LEAD if lead else Role.REVIEWER)
    return viewer.studies(included_studies(review))


def appraisal_overview(review: Review, user, lead: bool) -> list[OverviewRow]:
    settings = appraisal_settings(review)
    chosen = chosen_checklists(review)
    all_rows = _work_rows(Appraisal, review)
    versions = {v.checklist_id: v for v in _current_versions(ChecklistVersion, review, "checklist")}
    rows = []
    for study in cite(review, _studies_for(review, user, lead)):
        cells = []
        for checklist in checklists_for(study, settings, chosen):
            version = _pick_version(all_rows, study, checklist.pk, user, versions, "checklist")
            work = _work_from(all_rows, study, version, 1 if settings.appraisal_mode ==
                              Mode.SINGLE_PLUS_CHECK else 2)  # fmt: skip
            cells.append(OverviewCell(checklist, version, work.state if lead else
                                      work.state_for(user), work.may_see_all(user, lead)))  # fmt: skip
        design = getattr(study, "appraisal_design", None)
        rows.append(OverviewRow(study, design.get_design_display() if design else "", cells))
    return rows


def extraction_overview(review: Review, user, lead: bool) -> list[OverviewRow]:
    settings = appraisal_settings(review)
    forms = list(review.extraction_forms.all())
    all_rows = _work_rows(Extraction, review)
    versions = {v.form_id: v for v in _current_versions(FormVersion, review, "form")}
    required = 1 if settings.extraction_mode == Mode.SINGLE_PLUS_CHECK else 2
    rows = []
    for study in cite(review, _studies_for(review, user, lead)):
        cells = []
        for form in forms:
            version = _pick_version(all_rows, study, form.pk, user, versions, "form")
            work = _work_from(all_rows, study, version, required)
            state = work.state if lead else work.state_for(user)
            cells.append(OverviewCell(form, version, state, work.may_see_all(user, lead)))
        design = getattr(study, "appraisal_design", None)
        rows.append(OverviewRow(study, design.get_design_display() if design else "", cells))
    return rows


def _current_versions(model, review, parent: str):
    latest = {}
    for version in model.objects.filter(**{f"{parent}__review": review}).order_by("number"):
        latest[getattr(version, f"{parent}_id")] = version
    return latest.values()


def _work_rows(model, review) -> list:
    # The versions' questions and domains: differences and judgements of each study's work.
    prefetch = (
        ["answers", "judgements", "version__domains", "version__questions"]
        if model is Appraisal
        else ["values", "version__fields"]
    )
    parent = "checklist" if model is Appraisal else "form"
    return list(
        model.objects.filter(review=review)
        .select_related("version")
        .prefetch_related(*prefetch)
        .order_by("created_at", "pk")
        .only(
            "pk",
            "study_id",
            "version_id",
            "reviewer_id",
            "is_consensus",
            "submitted_at",
            "version__number",
            f"version__{parent}_id",
            *(["version__judgements", "version__tool"] if model is Appraisal else []),
            "created_at",
        )  # fmt: skip
    )


def _pick_version(rows, study, instrument_id, user, current, parent):
    mine = [r for r in rows if r.study_id == study.pk
            and getattr(r.version, f"{parent}_id") == instrument_id]  # fmt: skip
    own = [r for r in mine if r.reviewer_id == user.pk and not r.is_consensus]
    if own:
        return own[-1].version
    if mine:
        return max((r.version for r in mine), key=lambda v: v.number)
    return current.get(instrument_id)


def _work_from(rows, study, version, required) -> Work:
    if version is None:
        return Work(study, version, required)
    mine = [r for r in rows if r.study_id == study.pk and r.version_id == version.pk]
    return Work(
        study, version, required, [r for r in mine if not r.is_consensus],
        next((r for r in mine if r.is_consensus), None),
    )  # fmt: skip


# --- final answers, tables, summaries ---------------------------------------------------------


def final_values(work: Work) -> dict[int, object] | None:
    """The answers a study ends with: the consensus row's, or when the reviewers agree on
    everything (dual mode), their shared answers. None while not final."""
    if work.consensus is not None:
        return entry_values(work.consensus)
    if work.state == DONE and work.submitted:
        return entry_values(work.submitted[0])
    return None


@dataclass
class AppraisalTable:
    version: ChecklistVersion
    questions: list
    studies: list[Study]
    rows: list[list[str]]  # answer codes (or text for free-text questions), question order
    comments: list[str]
    overall: list[str] | None
    pending: int  # studies appraised with this version but not final yet
    domains: list = field(default_factory=list)
    judgements: list[list[str]] = field(default_factory=list)  # per study, domain order
    overall_judgements: list[str] | None = None  # per study, when the tool has one

    @property
    def has_judgements(self) -> bool:
        return bool(self.domains) or self.overall_judgements is not None

    @property
    def judgement_scale(self) -> list[str]:
        """Every judgement the tool uses, in its order (the legend's)."""
        codes = [c for d in self.domains for c in d.judgements]
        return list(dict.fromkeys([*codes, *self.version.judgements]))

    def judgement_cells(self):
        """(study, [Option or None per domain], overall Option or None) for templates."""
        for i, study in enumerate(self.studies):
            row = [vocab.option(c) if c else None for c in self.judgements[i]]
            overall = self.overall_judgements[i] if self.overall_judgements else ""
            yield study, row, (vocab.option(overall) if overall else None)

    @property
    def choice_questions(self) -> list:
        return [q for q in self.questions if q.kind == "choice"]

    def choice_rows(self) -> list[list[str]]:
        index = [i for i, q in enumerate(self.questions) if q.kind == "choice"]
        return [[row[i] for i in index] for row in self.rows]

    def summary(self) -> list[vocab.QuestionSummary]:
        return vocab.summarise(
            [(q.code, q.text, q.options) for q in self.choice_questions], self.choice_rows()
        )

    def cells(self):
        """(study, [(question, Option or None, text)], comment, overall) for templates."""
        for i, study in enumerate(self.studies):
            cells = []
            for question, value in zip(self.questions, self.rows[i], strict=True):
                if question.kind == "choice":
                    cells.append((question, vocab.option(value) if value else None, ""))
                else:
                    cells.append((question, None, value))
            yield study, cells, self.comments[i], (self.overall[i] if self.overall else "")


def appraisal_table(review: Review, version: ChecklistVersion) -> AppraisalTable:
    settings = appraisal_settings(review)
    studies = cite(
        review,
        Study.objects.filter(appraisals__version=version).distinct().order_by("label", "pk"),
    )
    works = appraisal_works(studies, version, settings)
    questions = list(version.questions.all())
    domains = version_domains(version)
    judged: list[list[str]] = []
    overall_judged: list[str] = []
    kept, rows, comments, overall, pending = [], [], [], [], 0
    for study in studies:
        work = works[study.pk]
        values = final_values(work)
        if values is None:
            pending += 1
            continue
        kept.append(study)
        row = [str(values.get(q.pk, "") or "") for q in questions]
        rows.append(row)
        source = work.consensus or work.submitted[0]
        comments.append(source.comment)
        if domains or version.judgements:
            computed = entry_judgements(source)
            judged.append([j.judgement for j in computed if j.domain is not None])
            overall_judged += [j.judgement for j in computed if j.domain is None]
        if version.overall_rule:
            overall.append(vocab.overall(version.overall_rule,
                                         {q.code: v for q, v in zip(questions, row, strict=True)}))  # fmt: skip
    return AppraisalTable(
        version, questions, kept, rows, comments,
        overall if version.overall_rule else None, pending, domains, judged,
        overall_judged if version.judgements else None,
    )  # fmt: skip


@dataclass(frozen=True)
class Weighting:
    """How a summary plot counts its studies: `weights` (one per study, in order) or None
    for equal counts, and `label`, the sentence the figure and the page print."""

    weights: list[float] | None
    label: str


def summary_weighting(review: Review, studies: list[Study]) -> Weighting:
    """robvis's weighted summary when every study in the plot has a weight (a lead's
    StudyWeight) and they add up to more than 0; else the unweighted summary, saying why.
    Mixing given weights with made-up ones (1? the mean?) would misstate the information."""
    weights = dict(
        StudyWeight.objects.filter(review=review, study__in=studies).values_list(
            "study_id", "weight"
        )
    )
    basis = appraisal_settings(review).weight_basis or "the study weights a lead entered"
    missing = sum(1 for s in studies if s.pk not in weights)
    if studies and not missing and sum(weights.values()) > 0:
        return Weighting([weights[s.pk] for s in studies], f"Weighted by {basis}")
    label = "Unweighted: each study counts equally"
    if weights and missing:
        label += f" ({missing} of {len(studies)} studies have no weight)"
    elif weights:
        label += " (the weights add up to 0)"
    return Weighting(None, label)


def study_weights(review: Review) -> dict[int, float]:
    """{study id: weight} of the review's studies that have one (the overview's form)."""
    return dict(StudyWeight.objects.filter(review=review).values_list("study_id", "weight"))


def appraised_versions(review: Review, viewer: Viewer | None = None) -> list[ChecklistVersion]:
    """Versions somebody appraised with. For a viewer who may not see drafts (blinding:
    screening.access), only those with a study whose answers are final: a colleague's
    draft must not show as a link to the results table."""
    versions = list(
        ChecklistVersion.objects.filter(checklist__review=review, appraisals__isnull=False)
        .select_related("checklist")
        .distinct()
        .order_by("checklist__name", "number")
    )
    if viewer is None or viewer.sees_drafts:
        return versions
    return [v for v in versions if appraisal_table(review, v).studies]


def appraisal_long(review: Review) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(appraisal__review=review)
        .select_related("appraisal__study", "appraisal__reviewer", "question__version__checklist")
        .order_by(
            "appraisal__study__label",
            "appraisal__study_id",
            "question__version_id",
            "question__position",
            "appraisal__is_consensus",
            "appraisal__created_at",
        )  # fmt: skip
    )


def judgement_long(review: Review) -> QuerySet[Judgement]:
    """Every domain and overall judgement of the review (reviewers' and consensus)."""
    return (
        Judgement.objects.filter(appraisal__review=review)
        .select_related(
            "appraisal__study", "appraisal__reviewer", "appraisal__version__checklist", "domain"
        )  # fmt: skip
        .order_by(
            "appraisal__study__label",
            "appraisal__study_id",
            "appraisal__version_id",
            "domain__position",
            "appraisal__is_consensus",
            "appraisal__created_at",
        )  # fmt: skip
    )


def extraction_long(review: Review) -> QuerySet[Value]:
    return (
        Value.objects.filter(extraction__review=review)
        .select_related("extraction__study", "extraction__reviewer", "field__version__form")
        .order_by(
            "extraction__study__label",
            "extraction__study_id",
            "field__version_id",
            "field__position",
            "extraction__is_consensus",
            "extraction__created_at",
        )  # fmt: skip
    )


@dataclass
class StudyExtraction:
    study: Study
    version: FormVersion | None
    values: dict[int, object] | None  # final values by field id
    work: Work | None


def extraction_finals(review: Review, form: ExtractionForm) -> list[StudyExtraction]:
    settings = appraisal_settings(review)
    studies = cite(review, included_studies(review).prefetch_related("reports__record"))
    # `version_in_use` and `extraction_work` of each study, read in one go.
    rows = list(
        Extraction.objects.filter(study__in=[s.pk for s in studies], version__form=form)
        .select_related("reviewer", "version")
        .prefetch_related("values")
        .order_by("created_at", "pk")
    )
    versions = {r.version_id: r.version for r in rows}
    current = current_version(form)
    if current is not None:
        current = versions.setdefault(current.pk, current)
    prefetch_related_objects(list(versions.values()), "fields")
    for row in rows:
        row.version = versions[row.version_id]
    required = 1 if settings.extraction_mode == Mode.SINGLE_PLUS_CHECK else 2
    result = []
    for study in studies:
        started = [r for r in rows if r.study_id == study.pk]
        version = max((r.version for r in started), key=lambda v: v.number) if started else current
        work = None
        if version:
            mine = [r for r in started if r.version_id == version.pk]
            work = Work(
                study, version, required, [r for r in mine if not r.is_consensus],
                next((r for r in mine if r.is_consensus), None),
            )  # fmt: skip
        result.append(StudyExtraction(study, version, final_values(work) if work else None, work))
    return result


# --- history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryItem:
    at: dt.datetime
    actor: str  # username; empty when nobody is recorded
    summary: str
    lines: list[str]  # what changed, one plain-text line each (rendered escaped)


def instrument_history(instrument: Checklist | ExtractionForm) -> list[HistoryItem]:
    """Every audit event of a checklist or form, newest first: its creation and edits, and
    the appraisals (extractions) and consensus recorded with it. Leads only: it shows each
    reviewer's own answers (blinding)."""
    noun, kind = (
        ("checklist", AuditKind.CHECKLIST) if isinstance(instrument, Checklist)
        else ("form", AuditKind.FORM)
    )  # fmt: skip
    events = AuditEvent.objects.filter(
        review_id=instrument.review_id, kind=kind, **{f"detail__{noun}_id": instrument.pk}
    ).select_related("actor")
    return [
        HistoryItem(e.at, e.actor.get_username() if e.actor else "", e.summary,
                    history_lines(e.detail))
        for e in events.order_by("-at", "-pk")
    ]  # fmt: skip


def _named(value: object) -> bool:
    """Text, or a checklist as history names it (`services.audit.checklist_ref`)."""
    return isinstance(value, str) or (isinstance(value, dict) and set(value) == {"name"})


def _shown(value: object) -> str:
    if value in (None, "", []):
        return "(empty)"
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and _named(value):
        return value["name"]
    if isinstance(value, list) and all(_named(v) for v in value):
        return ", ".join(_shown(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def _item_text(item: dict) -> str:
    text = item.get("text") or item.get("label") or ""
    section = f"[{item['section']}] " if item.get("section") else ""
    kind = item["kind"] + (f": {_shown(item['options'])}" if item.get("options") else "")
    hint = f"; hint: {item['hint']}" if item.get("hint") else ""
    return f"{section}{text} ({kind}{hint})"


def _change_line(label: str, change: dict) -> str:
    return f"{label}: {_shown(change['old'])} -> {_shown(change['new'])}"


# The order of a diff's attributes in the lines: PostgreSQL's jsonb keeps no key order, so
# the lines must not follow the stored one (the same event reads the same on every database).
_ATTRIBUTE_ORDER = {name: i for i, name in enumerate((
    "name", "source_note", "overall_rule", "design", "comment",
    "answer", "value", "text", "label", "support_text", "page_ref", "source_location",
    "method", "note", "section", "hint", "kind", "options", "domain", "domains", "judgements",
    "judgement", "reason",
))}  # fmt: skip


def _in_order(changes: dict[str, dict]) -> list[tuple[str, dict]]:
    return sorted(changes.items(), key=lambda kv: (_ATTRIBUTE_ORDER.get(kv[0], 99), kv[0]))


def history_lines(detail: dict) -> list[str]:
    """An appraisal or extraction event's diff (see `appraisal.services.audit`) as lines."""
    lines = [_change_line(key.replace("_", " ").capitalize(), change)
             for key, change in _in_order(detail.get("attributes", {}))]  # fmt: skip
    lines += [f"Added {i['code']}: {_item_text(i)}" for i in detail.get("added", [])]
    lines += [f"Removed {i['code']}: {_item_text(i)}" for i in detail.get("removed", [])]
    for key in ("changed", "answers", "values", "judgements", "weights"):
        for entry in detail.get(key, []):
            lines += [_change_line(f"{entry['code']} {name.replace('_', ' ')}", change)
                      for name, change in _in_order(entry) if isinstance(change, dict)]  # fmt: skip
    if "order" in detail:
        lines.append(_change_line("Order", detail["order"]))
    return lines
