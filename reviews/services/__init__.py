"""Every state change of the reviews app. Keyword-only, validate then act, one transaction."""

from reviews.services.imports import (
    BatchBusy,
    DuplicateFileWarning,
    import_batch_cancel,
    import_batch_confirm,
    import_batch_fail,
    import_batch_preview_run,
    import_batch_remap,
    import_batch_run,
    import_batch_start,
    import_batch_undo,
    import_batches_requeue,
    register_undo_guard,
)
from reviews.services.reviews import (
    criteria_replace,
    member_add,
    member_remove,
    member_set_role,
    review_create,
    review_update,
)
from reviews.services.sources import search_create, search_update, source_create, source_update

__all__ = [
    "BatchBusy",
    "DuplicateFileWarning",
    "criteria_replace",
    "import_batch_cancel",
    "import_batch_confirm",
    "import_batch_fail",
    "import_batch_preview_run",
    "import_batch_remap",
    "import_batch_run",
    "import_batch_start",
    "import_batch_undo",
    "import_batches_requeue",
    "member_add",
    "member_remove",
    "member_set_role",
    "register_undo_guard",
    "review_create",
    "review_update",
    "search_create",
    "search_update",
    "source_create",
    "source_update",
]
