"""Which models travel in an archive, and the limits an import is held to."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

# The ZIP checks of the full-text bulk upload, reused: unsafe names, lying sizes, magic.
from reviews.models import Review

# The archive format: what a reader must know to read an archive. Rows are keyed by field
# name, so a new model, or a new field that may be empty or has a default, changes nothing:
# an archive made before it lacks it, and the import fills in what the migration adding it
# gave the rows that existed then (`validate.absent_value`; a missing model has no rows).
# A change that older archives' rows cannot simply lack (a renamed field, a new meaning)
# bumps FORMAT, with what an import does to rows of older formats (RENAMED).
#   1: the first.
#   2: DedupEvent's `record` and `other` (foreign keys) are plain numbers `record_id` and
#      `other_id` (reviews migration 0010), mapped like LOOSE_REFS.
#   3: Resolution's `record` (the record it was made on; screening migration 0008): rows of
#      older archives take their `paper`, as the migration gave the rows of the time.
FORMAT = 3
# format -> {model label: {old field name: new field name}} for archives older than format.
RENAMED: dict[int, dict[str, dict[str, str]]] = {
    2: {"reviews.DedupEvent": {"record": "record_id", "other": "other_id"}},
}
# format -> {model label: {new field: the field whose value it takes}} for archives older
# than format that lack the new field.
COPIED: dict[int, dict[str, dict[str, str]]] = {
    3: {"screening.Resolution": {"record": "paper"}},
}
MANIFEST = "manifest.json"
MAX_ENTRIES = 500_000
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_MANIFEST_BYTES = 64 * 1024**2
MAX_LINE_BYTES = 64 * 1024**2
# Sift's rows nest a few levels (JSON fields of answers and details); far below Python's
# recursion limit, so a hostile nesting is refused before it can raise RecursionError.
MAX_JSON_DEPTH = 64
# JSON of records compresses about 5-10 to 1; far better than that, on a big entry, is a bomb.
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024
CHUNK = 1000

SKIPPED: dict[str, str] = {
    "screening.ReviewerCursor": "a reviewer's place in their own order; without it they "
    "resume at the first record of their order they have not decided",
    "screening.RankingModel": "the relevance ranking is derived from the decisions; it is "
    "retrained after the import when a stage orders by relevance",
    "screening.RankingScore": "derived from the decisions with the ranking model (see "
    "RankingModel)",
    "screening.BulkUpload": "a passing job matching many PDFs to reports; attached PDFs "
    "travel with their reports, unconfirmed matches are dropped",
    "screening.BulkItem": "one PDF of a BulkUpload (see BulkUpload)",
    "accounts.Invitation": "an invitation to this site's team; its link works only here (a "
    "lead invites again from the new site)",
    "accounts.OutboundEmail": "mail this site sent (notifications, invitations): history of "
    "the site's outbox, not of the review",
}

# Whole numbers that name rows of another archived model without a foreign key, as
# "field" or "json_field.key" (a key at the top level of the JSON object): history keeps
# naming a record after undoing its import deleted it. An import maps each to the row's new
# id, or empties it when the row is not in the archive (a record of an undone import: its old
# number would name another record here). A history writer that puts an id anywhere else
# must add it here (tests/reporting/test_archive.py checks the events of a whole review).
LOOSE_REFS: dict[str, dict[str, str]] = {
    "reviews.AuditEvent": {
        "record_id": "reviews.Record",
        "detail.batch_id": "reviews.ImportBatch",
        # appraisal.services.audit
        "detail.study_id": "screening.Study",
        "detail.checklist_id": "appraisal.Checklist",
        "detail.checklist_version_id": "appraisal.ChecklistVersion",
        "detail.appraisal_id": "appraisal.Appraisal",
        "detail.form_id": "appraisal.ExtractionForm",
        "detail.form_version_id": "appraisal.FormVersion",
        "detail.extraction_id": "appraisal.Extraction",
    },
    "reviews.DedupEvent": {
        "record_id": "reviews.Record",
        "other_id": "reviews.Record",
    },
}

# Job rows whose running state means nothing on another server: imported at rest.
_AT_REST = {
    "reviews.DedupRun": {
        "status": "idle",
        "token": 0,
        "heartbeat_at": None,
        "queued_at": None,
        "queue_failed_at": None,
    },
    "reviews.ImportBatch": {"queue_failed_at": None},
}


# --- which models travel ------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A foreign key of an archived model: to a user, to itself or to another archived model."""

    field: models.ForeignKey
    kind: str  # "user", "self", "model"
    target: str  # label of the target model ("" for users)


@dataclass(frozen=True)
class Spec:
    label: str
    model: type[models.Model]
    lookup: str  # from a row to its review: "pk", "review", "source__review" ...
    fields: tuple[models.Field, ...]  # concrete, the primary key first
    refs: dict[str, Ref]
    loose: dict[str, str] = field(default_factory=dict)  # LOOSE_REFS: path -> target label

    @property
    def entry(self) -> str:
        return f"models/{self.label}.jsonl"


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _forward_fks(model: type[models.Model]) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model]


def review_lookup(model: type[models.Model]) -> str | None:
    """The shortest chain of foreign keys from `model` to Review ("pk" for Review itself),
    or None when its rows do not belong to a review."""
    if model is Review:
        return "pk"
    user_model = get_user_model()
    queue: deque[tuple[type[models.Model], str]] = deque([(model, "")])
    seen = {model}
    while queue:
        current, prefix = queue.popleft()
        for fk in _forward_fks(current):
            target = fk.related_model
            if target is Review:
                return prefix + fk.name
            if target in seen or target is user_model:
                continue
            seen.add(target)
            queue.append((target, f"{prefix}{fk.name}__"))
    return None


def review_models() -> dict[str, type[models.Model]]:
    """Every installed model whose rows belong to a review, by label."""
    return {_label(m): m for m in apps.get_models() if review_lookup(m) is not None}


def archived_models() -> list[Spec]:
    """The models an archive holds, parents before children (topological order)."""
    user_model = get_user_model()
    found = {label: m for label, m in review_models().items() if label not in SKIPPED}
    by_model = {m: label for label, m in found.items()}
    specs: dict[str, Spec] = {}
    for label, model in found.items():
        if model._meta.many_to_many:
            raise ImproperlyArchived(f"{label} has a many-to-many field: teach the archive it.")
        refs = {}
        for fk in _forward_fks(model):
            target = fk.related_model
            if target is user_model:
                refs[fk.name] = Ref(fk, "user", "")
            elif target is model:
                refs[fk.name] = Ref(fk, "self", label)
            elif target in by_model:
                refs[fk.name] = Ref(fk, "model", by_model[target])
            else:
                raise ImproperlyArchived(
                    f"{label}.{fk.name} points at {_label(target)}, which is not archived."
                )
        fields = tuple(sorted(model._meta.concrete_fields, key=lambda f: not f.primary_key))
        loose = LOOSE_REFS.get(label, {})
        for path, target in loose.items():
            if target not in found or path.partition(".")[0] not in {f.name for f in fields}:
                raise ImproperlyArchived(f"LOOSE_REFS: {label}.{path} or {target} is unknown.")
        specs[label] = Spec(label, model, review_lookup(model) or "", fields, refs, loose)
    order: list[Spec] = []
    done: set[str] = set()
    pending = list(specs)
    while pending:
        ready = [label for label in pending if set(_parents(specs[label])) <= done]
        if not ready:
            raise ImproperlyArchived(f"Foreign keys form a cycle among {', '.join(pending)}.")
        for label in ready:
            order.append(specs[label])
            done.add(label)
            pending.remove(label)
    return order


def _parents(spec: Spec) -> list[str]:
    """The models whose new ids this one's rows need: foreign keys and loose references."""
    return [r.target for r in spec.refs.values() if r.kind == "model"] + list(spec.loose.values())


class ImproperlyArchived(Exception):
    """A model the archive does not know how to carry (a programming error, not bad input)."""
