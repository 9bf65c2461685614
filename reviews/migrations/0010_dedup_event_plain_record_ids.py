"""DedupEvent names its records by plain numbers, like AuditEvent.record_id: undoing an import
no longer has to change history rows (it used to set the deleted records' references to NULL).

The columns keep their names (`record_id`, `other_id`) and their data; only the foreign key
constraints go. The database part is an AlterField of the old fields, so Django's schema
editor drops the constraint the way each backend needs (PostgreSQL: ALTER TABLE ... DROP
CONSTRAINT on the constraint found by introspection; SQLite: the table is rebuilt with its
rows). The column type is unchanged (bigint, as Record's BigAutoField) and `db_index` stays
on, so the existing indexes are kept. The state part renames the fields to what the model
now calls them.

Backwards, the foreign keys come back, which refuses numbers of deleted records: those are
emptied first (what undoing an import did to these rows before this migration).
"""

from django.db import migrations, models


def _plain(column: str) -> models.BigIntegerField:
    return models.BigIntegerField(blank=True, null=True, db_index=True, db_column=column)


def _forget_deleted_records(apps, schema_editor) -> None:
    event = apps.get_model("reviews", "DedupEvent")
    records = apps.get_model("reviews", "Record").objects.values("pk")
    for name in ("record_id", "other_id"):
        dangling = event.objects.exclude(**{f"{name}__isnull": True})
        dangling.exclude(**{f"{name}__in": records}).update(**{name: None})


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0009_queue_failed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField("dedupevent", "record", _plain("record_id")),
                migrations.AlterField("dedupevent", "other", _plain("other_id")),
            ],
            state_operations=[
                migrations.RemoveField("dedupevent", "record"),
                migrations.RemoveField("dedupevent", "other"),
                migrations.AddField(
                    "dedupevent",
                    "record_id",
                    models.BigIntegerField(blank=True, null=True, db_index=True),
                ),
                migrations.AddField(
                    "dedupevent",
                    "other_id",
                    models.BigIntegerField(blank=True, null=True, db_index=True),
                ),
            ],
        ),
        # Backwards only, and so before the foreign keys are added back.
        migrations.RunPython(migrations.RunPython.noop, _forget_deleted_records),
    ]
