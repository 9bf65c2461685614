"""Import batches: upload, background preview, confirm (or remap, or cancel), import, undo.

Nothing is stored as records until the lead confirms the preview (the web flow); scripted
imports (the management command, the demo) skip the preview.

All or nothing: records are written in chunks (no transaction spans file I/O); until the
batch is done its records are invisible (`Record.objects.visible()`), a failed run deletes
whatever it wrote, and a run taking over from a dead one deletes its rows and starts again.

By concern: `batches` (the web's actions on a batch), `runs` (the background preview and
import, through the job protocol in config.jobs), `rows` (records as rows, written by a
second thread), `files` (the stored file), `numbers` (record numbers local to the review), `common` (what
they share).
"""

from reviews.services.imports.batches import (
    DuplicateFileWarning,
    duplicate_message,
    import_batch_cancel,
    import_batch_confirm,
    import_batch_mark_sent,
    import_batch_remap,
    import_batch_start,
    import_batch_undo,
    import_batches_requeue,
    register_undo_guard,
)
from reviews.services.imports.common import (
    CHUNK,
    MAX_ATTEMPTS,
    PROBLEM_LABELS,
    BatchBusy,
    RunSuperseded,
)
from reviews.services.imports.files import import_files_sweep
from reviews.services.imports.numbers import record_numbers_assign, record_numbers_fill
from reviews.services.imports.runs import (
    INTERNAL_ERROR,
    import_batch_fail,
    import_batch_preview_run,
    import_batch_run,
)

__all__ = [
    "CHUNK",
    "INTERNAL_ERROR",
    "MAX_ATTEMPTS",
    "PROBLEM_LABELS",
    "BatchBusy",
    "DuplicateFileWarning",
    "RunSuperseded",
    "duplicate_message",
    "import_batch_cancel",
    "import_batch_confirm",
    "import_batch_fail",
    "import_batch_mark_sent",
    "import_batch_preview_run",
    "import_batch_remap",
    "import_batch_run",
    "import_batch_start",
    "import_batch_undo",
    "import_batches_requeue",
    "import_files_sweep",
    "record_numbers_assign",
    "record_numbers_fill",
    "register_undo_guard",
]
