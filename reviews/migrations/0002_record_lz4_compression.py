"""PostgreSQL: compress long record texts with lz4 rather than pglz.

Abstracts and raw texts are TOASTed; pglz costs the server most of an import's time on a
small machine (benchmarks/import_bench.py: 15.4 s -> 12.4 s for 100,000 records). Needs
PostgreSQL 14+ built with lz4; elsewhere (SQLite, older servers) this does nothing.
"""

from django.db import migrations

COLUMNS = ("abstract", "raw_text")


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        (has_lz4,) = cursor.fetchone()
        if not has_lz4:
            return
        alters = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION lz4" for c in COLUMNS)
        cursor.execute(f"ALTER TABLE reviews_record {alters}")


def use_default(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    alters = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION default" for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE reviews_record {alters}")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]
    operations = [migrations.RunPython(use_lz4, use_default)]
