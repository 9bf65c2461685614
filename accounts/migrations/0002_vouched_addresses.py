"""Accounts made before allauth (by an administrator, the demo): their addresses are
recorded as verified, as for accounts an administrator makes from now on
(accounts.receivers). Two accounts with one address: neither gets it."""

from django.conf import settings
from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower


def vouch(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EmailAddress = apps.get_model("account", "EmailAddress")
    shared = set(
        User.objects.exclude(email="").annotate(lower=Lower("email")).values("lower")
        .annotate(n=Count("id")).filter(n__gt=1).values_list("lower", flat=True)
    )
    taken = {e.lower() for e in EmailAddress.objects.values_list("email", flat=True)}
    rows = [
        EmailAddress(user_id=pk, email=email, verified=True, primary=True)
        for pk, email in User.objects.exclude(email="").values_list("pk", "email")
        if email.lower() not in shared and email.lower() not in taken
    ]
    EmailAddress.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(vouch, migrations.RunPython.noop)]
