# Issue #21: a record's number local to its review, existing records numbered per review by
# primary key (their import order).

from django.db import migrations, models


def number_records(apps, schema_editor):
    Record = apps.get_model("reviews", "Record")
    review_ids = Record.objects.values_list("review_id", flat=True).distinct().order_by()
    for review_id in sorted(set(review_ids)):
        ids = Record.objects.filter(review_id=review_id).order_by("pk").values_list("pk", flat=True)
        batch = []
        for n, pk in enumerate(ids.iterator(chunk_size=2000), start=1):
            batch.append(Record(pk=pk, number=n))
            if len(batch) >= 2000:
                Record.objects.bulk_update(batch, ["number"])
                batch = []
        Record.objects.bulk_update(batch, ["number"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0013_reopen"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="number",
            field=models.PositiveIntegerField(
                blank=True, help_text="Number in the review", null=True
            ),
        ),
        migrations.RunPython(number_records, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="record",
            constraint=models.UniqueConstraint(
                fields=("review", "number"), name="record_number_in_review"
            ),
        ),
    ]
