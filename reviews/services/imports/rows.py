"""Records as rows: built by the parsing thread, written by a second one (ChunkWriter) with
the fastest statement the database offers."""

from __future__ import annotations

import json
import queue
import random
import threading
from functools import cache

from django.db import connection, transaction

from config import jobs
from lib.imports import ParsedRecord
from reviews.models import BatchStatus, ImportBatch, Record
from reviews.services.imports.common import RunSuperseded, _owned

# Record's columns in the order _record_row fills them (tests check this is every column).
RECORD_COLUMNS = (
    "review_id", "batch_id", "ordinal", "source_line", "title", "abstract", "authors",
    "authors_text", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "keywords",
    "url", "language", "type", "raw_text", "warnings", "shuffle_a", "shuffle_b",
)  # fmt: skip
# Left to the database's defaults: deduplication fills them in after the import.
DEFAULTED_COLUMNS = (
    "number",  # record_numbers_assign(), when the import finishes
    "duplicate_of_id", "dedup_rule", "dedup_score", "dedup_checked", "primary_pinned",
)  # fmt: skip
_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(**kw) builds one per call


def _record_row(batch: ImportBatch, parsed: ParsedRecord) -> tuple:
    """One Record row in RECORD_COLUMNS order, JSON already serialised: built by the parsing
    thread, so that the writer thread only executes SQL (in the driver, GIL released)."""
    authors = parsed.authors
    return (
        batch.review_id,
        batch.pk,
        parsed.ordinal,
        parsed.line,
        parsed.title,
        parsed.abstract,
        _to_json(authors) if authors else "[]",
        "; ".join(authors),
        parsed.year,
        parsed.journal,
        parsed.volume[:100],
        parsed.issue[:100],
        parsed.pages[:100],
        parsed.doi[:300],
        parsed.pmid[:20],
        _to_json(parsed.keywords) if parsed.keywords else "[]",
        parsed.url,
        parsed.language[:100],
        parsed.type[:100],
        parsed.raw_text,
        _to_json(parsed.warnings) if parsed.warnings else "[]",
        _random_key(31),
        _random_key(31),
    )


_random_key = random.getrandbits  # screening order keys: uniform, not secret
ROWS_PER_INSERT = 400  # x 23 columns stays under SQLite's parameter limit


@cache
def _insert_statement(rows: int) -> str:
    """A multi-row INSERT of every Record column but the id. The ORM's bulk_create spends
    more time preparing values than the database spends storing them, and one statement
    per row makes the writer thread take the GIL back once per row."""
    names = RECORD_COLUMNS
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(names))})"
    # Only quoted model names and placeholders go into the text: no value is interpolated.
    table, columns = quote(Record._meta.db_table), ", ".join(quote(n) for n in names)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * rows)}"  # noqa: S608


def _insert_records(rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times faster than INSERT for 100,000 rows of abstracts.
            quote = connection.ops.quote_name
            table, columns = quote(Record._meta.db_table), ", ".join(map(quote, RECORD_COLUMNS))
            # psycopg's own errors, converted as Django converts them for execute().
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            cursor.execute(_insert_statement(len(chunk)), [v for row in chunk for v in row])


class ChunkWriter:
    """Writes chunks on a second thread while the caller parses the next ones.

    The database driver releases the GIL while it executes, so parsing and writing overlap
    (the import benchmark's ratio to rispy depends on it). At most two chunks wait in the
    queue, so memory stays bounded. Inside an outer transaction (a test's), a second
    connection could not see the batch row, so chunks are written inline instead.
    """

    def __init__(self, batch_id: int, attempt: int):
        self.batch_id, self.attempt = batch_id, attempt
        self.inline = connection.in_atomic_block
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.thread = None if self.inline else threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ChunkWriter:
        if self.thread:
            self.thread.start()
        return self

    def put(self, rows: list[tuple], bytes_read: int, found: int) -> None:
        if self.inline:
            _write_chunk(self.batch_id, self.attempt, rows, bytes_read, found)
            return
        self._raise_if_failed()
        self.queue.put((rows, bytes_read, found))

    def __exit__(self, *exc_info) -> None:
        if self.thread:
            self.queue.put(None)
            self.thread.join()
            if exc_info[0] is None:
                self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                _write_chunk(self.batch_id, self.attempt, *item)
        except BaseException as error:  # handed to the producer thread, which raises it
            self.error = error
            while self.queue.get() is not None:  # drain, so the producer never blocks
                pass
        finally:
            connection.close()


def _write_chunk(
    batch_id: int, attempt: int, rows: list[tuple], bytes_read: int, found: int
) -> None:
    with transaction.atomic():
        # The heartbeat first: if another run took the batch over, write nothing.
        if not jobs.beat(
            _owned(batch_id, attempt, BatchStatus.RUNNING),
            bytes_done=bytes_read,
            records_found=found,
        ):
            raise RunSuperseded(batch_id)
        if rows:
            _insert_records(rows)
    # With DEBUG on (make run), Django keeps the text of every query: a 400-row INSERT is
    # about a megabyte, so a large import would hold gigabytes of SQL text in the worker.
    connection.queries_log.clear()
