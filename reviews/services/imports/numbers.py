"""Record numbers local to a review (1, 2, 3 ... in import order), given when an import
finishes, in the transaction that shows its records."""

from __future__ import annotations

from django.db import connection
from django.db.models import Max

from reviews.models import Record, Review
from reviews.services.imports.common import CHUNK


def record_numbers_assign(*, review_id: int, batch_id: int) -> None:
    """Give the batch's records the review's next numbers (1, 2, 3 ... in import order: the
    review's highest number, then file order), inside the caller's transaction. The review's
    row lock serialises imports of one review finishing at once; the unique constraint
    (review, number) is the safety net."""
    Review.objects.select_for_update().filter(pk=review_id).exists()
    top = Record.objects.filter(review_id=review_id).aggregate(top=Max("number"))["top"] or 0
    quote = connection.ops.quote_name
    table = quote(Record._meta.db_table)
    # One statement for 100,000 rows; only quoted names are interpolated.
    sql = (
        f"UPDATE {table} SET {quote('number')} = %s + ranked.n FROM ("  # noqa: S608
        f"SELECT {quote('id')} AS rid, ROW_NUMBER() OVER (ORDER BY {quote('ordinal')}) AS n "
        f"FROM {table} WHERE {quote('batch_id')} = %s) AS ranked "
        f"WHERE {table}.{quote('id')} = ranked.rid"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [top, batch_id])


def record_numbers_fill(*, review_id: int) -> int:
    """Number the review's records that have none (an archive made before records had
    numbers), after its highest number, by primary key as the migration did. Returns how
    many were numbered."""
    Review.objects.select_for_update().filter(pk=review_id).exists()
    top = Record.objects.filter(review_id=review_id).aggregate(top=Max("number"))["top"] or 0
    ids = Record.objects.filter(review_id=review_id, number__isnull=True).order_by("pk")
    rows = [
        Record(pk=pk, number=top + n) for n, pk in enumerate(ids.values_list("pk", flat=True), 1)
    ]
    Record.objects.bulk_update(rows, ["number"], batch_size=CHUNK)
    return len(rows)
