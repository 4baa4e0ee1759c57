"""Seed the editable lists (docs/domain.md §4). Administrators change them afterwards in the admin."""

from django.db import migrations

from situations.lists import seed


class Migration(migrations.Migration):
    dependencies = [("situations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
