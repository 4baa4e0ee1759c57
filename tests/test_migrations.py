"""Upgrades (docs/operations.md, "Upgrades"): `migrate` runs while the old version serves.

Every migration of this project's apps is reversible, or docs/operations.md lists it as not,
with the reason. Every operation the old version cannot live with (a column it reads is
removed or renamed, a NOT NULL column it does not fill arrives without a database default)
is listed there too, with what it means for an upgrade. And reversible means it: on a
scratch database every app is migrated down to zero and up again.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, models
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader

from tests.test_backup_restore import _admin, _url

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ROOT / "docs" / "operations.md"


def _ours():
    """(app, name, migration) of every migration in this repository's apps."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        path = Path(sys.modules[migration.__module__].__file__).resolve()
        # The virtualenv may live inside the checkout (make creates .venv there): installed
        # packages are not ours.
        if path.is_relative_to(ROOT) and "site-packages" not in path.parts:
            yield app, name, migration


def _listed(heading: str) -> set[str]:
    """The `app.migration` names in one section of docs/operations.md."""
    text = OPERATIONS.read_text()
    start = text.index(heading)
    end = text.find("\n#", start + len(heading))
    section = text[start : end if end != -1 else None]
    return set(re.findall(r"`([a-z_]+\.\d{4}_\w+)`", section))


def unsafe_while_old_serves(operation, name: str) -> str | None:
    """Why the old version breaks while this operation is applied, or None."""
    if isinstance(operation, operations.RemoveField | operations.DeleteModel):
        return "removes what the old version reads"
    if isinstance(operation, operations.RenameField | operations.RenameModel):
        return "renames what the old version reads"
    if isinstance(operation, operations.AddField) and name != "0001_initial":
        field = operation.field
        if not (field.null or field.many_to_many) and field.db_default is models.NOT_PROVIDED:
            return "a NOT NULL column the old version's inserts leave out, no database default"
    return None


def test_every_migration_is_reversible_or_listed_with_its_reason():
    irreversible = {
        f"{app}.{name}"
        for app, name, migration in _ours()
        if not all(operation.reversible for operation in migration.operations)
    }
    assert irreversible == _listed("### Irreversible migrations")


def test_every_migration_unsafe_while_the_old_version_serves_is_listed():
    unsafe = {
        f"{app}.{name}"
        for app, name, migration in _ours()
        for operation in migration.operations
        if unsafe_while_old_serves(operation, name)
    }
    assert "agencies.0003_roles_as_flags" in unsafe  # User.role removed in one step
    assert unsafe == _listed("### Migrations the old version cannot run beside")


def test_the_checks_see_what_they_look_for():
    from django.db.models import BooleanField, CharField

    assert unsafe_while_old_serves(operations.RemoveField("user", "role"), "0009_x")
    assert unsafe_while_old_serves(operations.AddField("user", "x", BooleanField()), "0009_x")
    assert not unsafe_while_old_serves(
        operations.AddField("user", "x", BooleanField(db_default=False)), "0009_x"
    )
    assert not unsafe_while_old_serves(
        operations.AddField("user", "x", CharField(max_length=3, null=True)), "0009_x"
    )
    assert not operations.RunPython(lambda apps, editor: None).reversible
    assert not operations.RunSQL("UPDATE x SET y = 1").reversible


ROUND_TRIP = """
import django
django.setup()
from django.core.management import call_command
from django.db import connection
apps = {apps!r}
call_command("migrate", verbosity=0)
for app in apps:
    call_command("migrate", app, "zero", verbosity=0)
with connection.cursor() as cursor:
    left = [t for t in connection.introspection.table_names(cursor) if t.split("_")[0] in apps]
assert not left, left
call_command("migrate", verbosity=0)
print("round trip done")
"""


@pytest.mark.django_db
def test_every_app_migrates_down_to_zero_and_up_again():
    apps = sorted({app for app, _, _ in _ours()}, key=lambda a: a != "agencies")
    name = f"{connection.settings_dict['NAME']}_migrations"
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    try:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", ROUND_TRIP.format(apps=apps)],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": _url(name),
                "DEBUG": "1",
                "DJANGO_SETTINGS_MODULE": "focus.settings",
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert result.returncode == 0, result.stderr[-3000:]
    assert "round trip done" in result.stdout
