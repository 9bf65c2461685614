"""Every state change of appraisal and extraction: checklists, forms, settings and study
designs (`instruments`); reviewers' answers and the consensus (`work`). Each change writes
its AuditEvent, with what changed, in the same transaction (`audit`)."""

from appraisal.services.instruments import (
    appraisal_settings_update,
    checklist_add_builtin,
    checklist_create,
    checklist_edit,
    form_create,
    form_edit,
    study_design_set,
    study_weights_set,
)
from appraisal.services.work import (
    AnswerInput,
    JudgementInput,
    ValueInput,
    appraisal_consensus,
    appraisal_save,
    extraction_consensus,
    extraction_save,
)

__all__ = [
    "AnswerInput",
    "JudgementInput",
    "ValueInput",
    "appraisal_consensus",
    "appraisal_save",
    "appraisal_settings_update",
    "checklist_add_builtin",
    "checklist_create",
    "checklist_edit",
    "extraction_consensus",
    "extraction_save",
    "form_create",
    "form_edit",
    "study_design_set",
    "study_weights_set",
]
