"""What a member may know of appraisal and extraction, asked of the `Viewer`
(screening.access) in one place instead of per page. A colleague's draft is never shown
(rule 3 of screening.access); the work's own rules (who sees both reviewers' answers, who
reconciles) are `selectors.Work.may_see_all` and `may_reconcile`."""

from __future__ import annotations

from appraisal.selectors import AppraisalTable
from screening.access import Viewer


def shown_table(table: AppraisalTable, viewer: Viewer) -> AppraisalTable:
    """The results table as `viewer` may see it: for someone who does not see drafts, a
    colleague's draft is not "1 not final yet"."""
    if not viewer.sees_drafts:
        table.pending = 0
    return table


def sees_instrument_history(viewer: Viewer) -> bool:
    """A checklist's or form's history shows reviewers' answers and values: leads only."""
    return viewer.is_lead
