"""Appraisal's part of the history (`reviews.history`): its AuditEvents (see
`services.audit`) read as lines of what changed, old -> new (`selectors.history_lines`, as on
the lead's checklist and form pages), on a record's page and in the audit trail export,
rather than as their raw `detail`.

Registered from `AppraisalConfig.ready()`.
"""

from __future__ import annotations

from appraisal.selectors import history_lines
from appraisal.services.audit import ACTIONS
from reviews.history import register_detail_text
from reviews.models import AuditKind


def detail_text(detail: dict) -> str | None:
    """What changed, a line each; None (the plain `key=value` text) for an event of the
    shared settings kind that another app logged."""
    if detail.get("action") not in ACTIONS:
        return None
    return "\n".join(history_lines(detail))


for _kind in (AuditKind.CHECKLIST, AuditKind.FORM, AuditKind.SETTINGS):
    register_detail_text(_kind, detail_text)
