"""Every state change of screening: decisions and resolutions (`decisions`), full texts,
their PDFs and studies (`fulltexts`)."""

from screening.services.decisions import (
    SlotTaken,
    conflict_resolve,
    decision_record,
    decision_withdraw_last,
    may_resolve,
    stage_settings_update,
)
from screening.services.fulltexts import (
    BulkBusy,
    bulk_upload_confirm,
    bulk_upload_discard,
    bulk_upload_run,
    bulk_upload_start,
    bulk_uploads_requeue,
    max_pdf_bytes,
    report_add_other_method,
    report_attach_pdf,
    report_set_retrieval,
    study_link,
    study_unlink,
)
from screening.services.ranking import (
    STOP_RULES,
    ranking_request,
    ranking_train,
    screening_stop_early,
    screening_stop_undo,
)

__all__ = [
    "STOP_RULES",
    "SlotTaken",
    "BulkBusy",
    "bulk_upload_confirm",
    "bulk_upload_discard",
    "bulk_upload_run",
    "bulk_upload_start",
    "bulk_uploads_requeue",
    "conflict_resolve",
    "decision_record",
    "decision_withdraw_last",
    "max_pdf_bytes",
    "may_resolve",
    "ranking_request",
    "ranking_train",
    "report_add_other_method",
    "report_attach_pdf",
    "report_set_retrieval",
    "screening_stop_early",
    "screening_stop_undo",
    "stage_settings_update",
    "study_link",
    "study_unlink",
]
