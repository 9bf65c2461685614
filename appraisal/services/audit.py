"""What appraisal and extraction write to the review's audit trail (`reviews.AuditEvent`):
one event per change of a checklist, form, setting, study design, appraisal or extraction,
inside the service's transaction, with a diff (old and new values) in `detail` so the history
says exactly what changed, even for a version edited in place (its old questions are gone).

Diff shapes, shared by every event here so one reader renders them all:
- `attributes`: {name: {"old": ..., "new": ...}} for the instrument's own fields;
- `added` / `removed`: questions or fields, each {"code", "section", "text" or "label",
  "hint", "kind", "options"};
- `changed`, `answers`, `values`: [{"code": ..., attribute: {"old": ..., "new": ...}}];
- `order`: {"old": [codes], "new": [codes]} when kept items were moved.

Events about a reviewer's answers carry `"blinded": True`: a second reviewer must not see
them (leads only).

Ids: only at the top level of `detail`, each named for one model (`checklist_id`, `form_id`,
`study_id`, `checklist_version_id`, `form_version_id`, `appraisal_id`, `extraction_id`), and
each listed in `reporting.archive.spec.LOOSE_REFS`, so an archive import maps it to the new
row. Inside the diffs a question or field is named by its code (unique in its version, which
the event names) and a checklist by its name (unique in the review), never by an id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from appraisal.models import Checklist, ChecklistVersion, ExtractionForm, FormVersion
from reviews.models import AuditKind, Review
from reviews.services.audit import audit_log
from screening.models import Study

QUESTION_ATTRS = ("section", "text", "hint", "kind", "options")
FIELD_ATTRS = ("section", "label", "hint", "kind", "options", "unit", "min_value", "max_value",
               "required", "repeat")  # fmt: skip
NEW_VERSION, IN_PLACE, UNVERSIONED = "new_version", "in_place", ""
ATTRIBUTE_LABELS = {
    "name": "name", "source_note": "source note", "overall_rule": "overall rule",
    "domains": "domains", "judgements": "overall judgement scale",
}  # fmt: skip
# Every `detail["action"]` written here (the settings kind is shared with other apps).
ACTIONS = frozenset({
    "create", "add_builtin", "edit", "appraisal_settings", "study_design", "study_weights",
    "appraisal",
    "appraisal_consensus", "extraction", "extraction_consensus",
})  # fmt: skip


# --- diffs (plain data in, plain data out) ----------------------------------------------------


def _blank(value: object) -> bool:
    return value in (None, "", [])


def changes(old: Mapping, new: Mapping) -> dict[str, dict]:
    """{key: {"old", "new"}} for each key whose value differs (empty values are all alike:
    a row written empty is no change from no row)."""
    return {
        key: {"old": old.get(key), "new": new.get(key)}
        for key in dict.fromkeys([*old, *new])
        if old.get(key) != new.get(key) and not (_blank(old.get(key)) and _blank(new.get(key)))
    }


def item_row(item, attrs: tuple[str, ...]) -> dict:
    """A question or field (model row or parsed definition) as plain data."""
    row = {"code": item.code}
    for attr in attrs:
        value = getattr(item, attr)
        row[attr] = list(value) if attr == "options" else value
    return row


def items_diff(old: list[dict], new: list[dict]) -> dict:
    """Questions (fields) added, removed and changed, matched by code; and the order if
    the kept ones moved. Empty when nothing differs."""
    before, after = {i["code"]: i for i in old}, {i["code"]: i for i in new}
    diff: dict = {
        "added": [i for i in new if i["code"] not in before],
        "removed": [i for i in old if i["code"] not in after],
        "changed": [
            {"code": code, **changes(before[code], row)}
            for code, row in after.items()
            if code in before and changes(before[code], row)
        ],
    }
    if [c for c in before if c in after] != [c for c in after if c in before]:
        diff["order"] = {"old": list(before), "new": list(after)}
    return {key: value for key, value in diff.items() if value}


def entry_changes(items: Mapping[int, object], before: Mapping[int, dict],
                  after: Mapping[int, dict]) -> list[dict]:  # fmt: skip
    """One reviewer's answers (values) that differ, old -> new, by question (field) code."""
    result = []
    for pk, state in after.items():
        diff = changes(before.get(pk, {}), state)
        if diff:
            result.append({"code": items[pk].code, **diff})  # type: ignore[attr-defined]
    return result


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def diff_phrase(diff: dict, noun: str) -> str:
    """'1 question added, 2 changed, overall rule changed' for a summary line."""
    counts = [(len(diff[key]), key) for key in ("added", "changed", "removed") if diff.get(key)]
    parts = [f"{_count(n, noun) if i == 0 else n} {key}" for i, (n, key) in enumerate(counts)]
    if "order" in diff:
        parts.append(f"{noun}s reordered")
    parts += [f"{ATTRIBUTE_LABELS[key]} changed" for key in diff.get("attributes", {})]
    return ", ".join(parts)


# --- checklists and forms ----------------------------------------------------------------------


def _instrument(
    version: ChecklistVersion | FormVersion,
) -> tuple[str, str, str, Checklist | ExtractionForm]:
    """(kind, noun, item noun, instrument) of a checklist or form version."""
    if isinstance(version, ChecklistVersion):
        return AuditKind.CHECKLIST, "checklist", "question", version.checklist
    return AuditKind.FORM, "form", "field", version.form


def log_created(*, review: Review, user, version, items: list[dict], builtin: str = "",
                default_for: str = "", overall_rule: str = "",
                structure: dict | None = None) -> None:  # fmt: skip
    """A new checklist or form (its version 1 and every question or field)."""
    kind, noun, item_noun, instrument = _instrument(version)
    what = f"Built-in checklist {instrument.name!r} added" if builtin else (
        f"{noun.capitalize()} {instrument.name!r} created")  # fmt: skip
    summary = f"{what}: version 1, {_count(len(items), item_noun)}"
    if default_for:
        summary += f"; the default for {default_for} studies"
    detail: dict[str, object] = {
        "action": "add_builtin" if builtin else "create", f"{noun}_id": instrument.pk,
        noun: instrument.name, "version": 1, "added": items,
    }  # fmt: skip
    if builtin:
        detail.update(builtin=builtin, default_for=default_for)
    attributes = changes({}, {"overall_rule": overall_rule, **(structure or {})})
    if attributes:
        detail["attributes"] = attributes
    audit_log(review=review, kind=kind, actor=user, summary=summary, detail=detail)


def log_edited(*, review: Review, user, version, previous: int, mode: str, diff: dict) -> None:
    """An edit: `mode` says whether it made a new version (the old one has answers or
    values), edited an unused version in place, or left the versions alone (only the name
    or source note changed)."""
    kind, noun, item_noun, instrument = _instrument(version)
    phrase = diff_phrase(diff, item_noun)
    head = f"{noun.capitalize()} {instrument.name!r}"
    if mode == NEW_VERSION:
        used = "has answers" if noun == "checklist" else "is in use"
        summary = f"{head}: version {version.number} made from version {previous}, which {used}"
    elif mode == IN_PLACE:
        summary = f"{head}: version {version.number} edited in place (not used yet)"
    else:
        summary = f"{head}: version {version.number} kept"
    detail = {
        "action": "edit", f"{noun}_id": instrument.pk, noun: instrument.name, "mode": mode,
        "version": version.number, "previous_version": previous, **diff,
    }  # fmt: skip
    audit_log(review=review, kind=kind, actor=user, summary=f"{summary}: {phrase}", detail=detail)


# --- settings and study designs ----------------------------------------------------------------


def _show(value: object) -> str:
    if _blank(value):
        return "none"
    if isinstance(value, dict):
        return repr(value["name"])
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _changes_phrase(diff: dict) -> str:
    return "; ".join(
        f"{key.replace('_', ' ')} {_show(c['old'])} -> {_show(c['new'])}" for key, c in diff.items()
    )


def log_settings(*, review: Review, user, diff: dict) -> None:
    """Old -> new appraisal settings (checklists as {"name"}: see `checklist_ref`)."""
    audit_log(
        review=review, kind=AuditKind.SETTINGS, actor=user,
        summary=f"Appraisal settings: {_changes_phrase(diff)}",
        detail={"action": "appraisal_settings", "attributes": diff},
    )  # fmt: skip


def log_study_design(*, review: Review, user, study: Study, diff: dict) -> None:
    audit_log(
        review=review, kind=AuditKind.SETTINGS, actor=user, record_id=main_record_id(study),
        summary=f"Study {study.label}: {_changes_phrase(diff)}",
        detail={"action": "study_design", "study_id": study.pk, "study": study.label,
                "attributes": diff},
    )  # fmt: skip


def log_study_weights(*, review: Review, user, attributes: dict, weights: list[dict]) -> None:
    """The weights of the summary plots: what they are (old -> new) and each study's weight
    that changed ({"code": study label, "weight": {"old", "new"}}; None = no weight)."""
    parts = [_changes_phrase(attributes)] if attributes else []
    parts += [f"{w['code']} {_show(w['weight']['old'])} -> {_show(w['weight']['new'])}"
              for w in weights]  # fmt: skip
    audit_log(
        review=review, kind=AuditKind.SETTINGS, actor=user,
        summary=f"Study weights: {'; '.join(parts)}",
        detail={"action": "study_weights", "attributes": attributes, "weights": weights},
    )  # fmt: skip


def checklist_ref(checklist: Checklist | None) -> dict | None:
    """A checklist as history names it: by its name at the time (unique in the review; a
    later rename is in the checklist's own history), as a dict so that readers tell it from
    a plain setting value."""
    return {"name": checklist.name} if checklist is not None else None


def checklist_refs(checklists: Iterable[Checklist]) -> list[dict | None]:
    return [checklist_ref(c) for c in checklists]


# --- reviewers' work ---------------------------------------------------------------------------


def main_record_id(study: Study) -> int | None:
    """The record of the study's report when it has exactly one (else no obvious one)."""
    ids = list(study.reports.order_by("pk").values_list("record_id", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None


def log_work(*, review: Review, user, study: Study, entry, started: bool,
             items: Mapping[int, object], before: Mapping[int, dict], after: Mapping[int, dict],
             comment_before: str, judgements: list[dict] | None = None) -> None:  # fmt: skip
    """A reviewer's appraisal or extraction (or the consensus) saved, with its answers
    (values) before and after as {question or field id: stored columns}. Logged only when
    it started, was submitted, or an answer (value) or the comment changed. Blinded: the
    answers are a reviewer's own (leads only)."""
    kind, noun, _, instrument = _instrument(entry.version)
    work, item_key = ("appraisal", "question") if noun == "checklist" else ("extraction", "field")
    answers = entry_changes(items, before, after)
    comment = changes({"comment": comment_before}, {"comment": entry.comment})
    submitted = bool(entry.submitted_at) and not entry.is_consensus
    parts = ["recorded" if entry.is_consensus else "started"] if started else []
    parts += ["submitted"] if submitted else []
    if answers:
        parts.append(f"{_count(len(answers), 'answer' if item_key == 'question' else 'value')} "
                     "changed")  # fmt: skip
    if judgements:
        parts.append(f"{_count(len(judgements), 'judgement')} changed")
    if comment:
        parts.append("comment changed")
    if not parts:
        return
    detail = {
        "action": f"{work}_consensus" if entry.is_consensus else work, "blinded": True,
        "study_id": study.pk, "study": study.label, f"{noun}_id": instrument.pk,
        noun: instrument.name, f"{noun}_version_id": entry.version.pk,
        "version": entry.version.number, f"{work}_id": entry.pk, "started": started,
        "submitted": submitted,
        "answers" if work == "appraisal" else "values": answers, "attributes": comment,
    }  # fmt: skip
    if judgements:
        detail["judgements"] = judgements  # [{"code": domain code or "Overall", ...}]
    what = f"Consensus {work}" if entry.is_consensus else work.capitalize()
    audit_log(
        review=review, kind=kind, actor=user, record_id=main_record_id(study),
        summary=f"{what} of {study.label} ({instrument.name} v{entry.version.number}): "
        f"{', '.join(parts)}",
        detail=detail,
    )  # fmt: skip
