"""Resolution.record: the record a resolution was made on (a fact), so that a split after a
merge gives the resolution back to its own record. Existing rows: the paper they are on
(where they were made, unless a merge had moved them, which left no trace)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def record_is_paper(apps, schema_editor):
    Resolution = apps.get_model("screening", "Resolution")
    Resolution.objects.update(record_id=F("paper_id"))
    if schema_editor.connection.vendor == "postgresql":
        # The foreign key checks now, so that the NOT NULL below finds no pending trigger.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("screening", "0007_reopen"),
    ]

    operations = [
        migrations.AddField(
            model_name="resolution",
            name="record",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="reviews.record",
            ),
        ),
        migrations.RunPython(record_is_paper, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="resolution",
            name="record",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="reviews.record",
            ),
        ),
    ]
