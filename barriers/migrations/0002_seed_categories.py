from django.db import migrations

from barriers.lists import seed


class Migration(migrations.Migration):
    dependencies = [("barriers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
