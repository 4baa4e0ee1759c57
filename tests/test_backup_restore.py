"""The restore drill, on real PostgreSQL (docs/operations.md, "Backup" and "Restore").

Seed the demo data, a situation whose purge fell due before the backup, reminders and audit
entries; back up; restore into a new database as an operator would (`manage.py restore` in
its own process); prove every table came back, generically from the manifest, that identity
decrypts with the keys and not without them, and that the purge due is applied. Then the
ways a backup can be wrong: a table missing from the dump, a corrupt archive, a changed row,
the wrong keys, and SQLite.

Scratch databases are named after the test database (so two test runs never share one) and
dropped afterwards.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.utils import timezone

from ops import backup
from situations.crypto import decrypt
from situations.models import IdentifyingDetails, Situation, Status
from tests.conftest import MARKER, make_situation

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


def _admin(sql: str) -> None:
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    params.pop("cursor_factory", None)
    session = psycopg2.connect(**params)
    session.autocommit = True
    try:
        with session.cursor() as cursor:
            cursor.execute(sql)
    finally:
        session.close()


@pytest.fixture
def scratch():
    """Makes empty databases named <test database>_<suffix>; drops them at the end."""
    made = []

    def make(suffix: str) -> str:
        name = f"{connection.settings_dict['NAME']}_{suffix}"
        _admin(f'DROP DATABASE IF EXISTS "{name}"')
        _admin(f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    yield make
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _manage(*args, database: str, **env) -> subprocess.CompletedProcess:
    """manage.py in a process of its own, on the named database: what an operator runs."""
    environment = {**os.environ, "DATABASE_URL": _url(database), "DEBUG": "1", **env}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _wrapper(name: str) -> DatabaseWrapper:
    """A Django connection to another database of the same server."""
    return DatabaseWrapper({**connection.settings_dict, "NAME": name}, alias=f"drill_{name}")


def _identity_tokens(name: str) -> dict[int, str]:
    other = _wrapper(name)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT person_id, full_name FROM situations_identifyingdetails")
            return dict(cursor.fetchall())
    finally:
        other.close()


def _counts(name: str | None, tables) -> dict[str, int]:
    other = _wrapper(name) if name else connection
    try:
        with other.cursor() as cursor:
            counts = {}
            for table in tables:
                schema, _, relation = table.partition(".")
                cursor.execute(f'SELECT count(*) FROM "{schema}"."{relation}"')  # noqa: S608
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        if name:
            other.close()


def _archive_text(folder: Path) -> str:
    """The whole archive as the SQL pg_restore would run: what a backup holder can read."""
    return subprocess.run(  # noqa: S603
        ["pg_restore", "--file=-", str(folder / backup.DUMP)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _seed(settings) -> tuple[Situation, Situation]:
    """The demo data, its reminders, and two concluded situations: one whose purge fell due
    before the backup (beat was down), one still inside its retention period."""
    from reminders.services import sweep

    settings.DEBUG = True
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    concluded = list(
        Situation.objects.filter(status=Status.CONCLUDED, affected_persons__identity__isnull=False)
        .distinct()
        .order_by("pk")[:2]
    )
    due, kept = concluded
    days = due.site.retention_days
    Situation.objects.filter(pk=due.pk).update(
        concluded_at=timezone.now() - timedelta(days=days, hours=1)
    )
    Situation.objects.filter(pk=kept.pk).update(concluded_at=timezone.now())
    assert sweep(now=timezone.now() + timedelta(days=3), enqueue=False).created > 0
    return due, kept


def test_the_restore_drill(settings, tmp_path, scratch):
    from auditlog.models import LogEntry

    from reminders.models import Reminder

    due, kept = _seed(settings)
    assert Reminder.objects.exists() and LogEntry.objects.exists()
    names = {
        pk: decrypt(token)
        for pk, token in _identity_tokens(connection.settings_dict["NAME"]).items()
    }
    due_people = set(due.affected_persons.values_list("pk", flat=True))
    assert due_people and due_people <= set(names)

    folder = tmp_path / "backup"
    call_command("backup", output=folder, stdout=open(os.devnull, "w"))  # noqa: SIM115
    manifest = json.loads((folder / backup.MANIFEST).read_text())

    # The manifest lists every table of every installed model, and its figures are the
    # database's own (nothing was written since).
    models = {f"public.{t}" for t in connection.introspection.django_table_names(True)}
    assert models <= set(manifest["tables"])
    assert {k: v.as_dict() for k, v in backup.database_figures().items()} == manifest["tables"]
    assert manifest["tables"]["public.reminders_reminder"]["rows"] == Reminder.objects.count()

    # Neither file holds a key or a name: identity is in the archive only as ciphertext.
    archive = _archive_text(folder)
    for text in (archive, (folder / backup.MANIFEST).read_text()):
        for secret in [settings.SECRET_KEY, *settings.FIELD_ENCRYPTION_KEYS]:
            assert secret not in text
        for name in names.values():
            assert name not in text

    # Meanwhile the live database purges what fell due: the backup still holds it.
    from situations.tasks import purge_expired_identities

    assert purge_expired_identities() == 1
    assert not IdentifyingDetails.objects.filter(person__situation=due).exists()

    # Restored into a new database, as an operator would.
    target = scratch("restored")
    result = _manage("restore", str(folder), database=target)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Retention purge re-run: 1 situation(s) purged." in result.stdout

    # Every table came back: the same rows, table by table, as the live database that
    # applied the same purge (whose audit entry and heartbeat each side wrote once).
    assert _counts(target, manifest["tables"]) == _counts(None, manifest["tables"])

    # The purge that fell due before the backup holds after the restore; the situation
    # inside its retention period keeps its identity, and it decrypts with the keys.
    restored = _identity_tokens(target)
    assert due_people.isdisjoint(restored)
    kept_people = set(kept.affected_persons.values_list("pk", flat=True))
    assert kept_people and kept_people <= set(restored)
    assert {pk: decrypt(token) for pk, token in restored.items()} == {
        pk: name for pk, name in names.items() if pk not in due_people
    }
    # ... and with any other key, not at all.
    stranger = Fernet(Fernet.generate_key())
    for token in restored.values():
        with pytest.raises(InvalidToken):
            stranger.decrypt(token.encode())


@pytest.fixture
def small_backup(cast, tmp_path):
    """A backup of the test cast with one situation whose identity carries the marker."""
    make_situation(cast)
    folder = tmp_path / "backup"
    call_command("backup", output=folder, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return folder


def _rewrite_manifest(folder: Path) -> None:
    """Make the manifest describe the archive as it now is, size and checksum, so that only
    the table check can catch what was left out."""
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    dump = folder / backup.DUMP
    manifest["dump"].update(bytes=dump.stat().st_size, sha256=backup._sha256(dump))
    (folder / backup.MANIFEST).write_text(json.dumps(manifest))


def test_a_dump_that_lacks_a_table_fails_verification_and_restores_nothing(small_backup, scratch):
    # The archive re-made without the reminders' rows (as a hand-rolled pg_dump with an
    # --exclude-table-data would), its checksum brought in line with the manifest.
    dump = small_backup / backup.DUMP
    dump.unlink()
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "pg_dump",
            "--format=custom",
            "--exclude-table-data=reminders_reminder",
            f"--file={dump}",
            _url(connection.settings_dict["NAME"]),
        ],
        check=True,
    )
    _rewrite_manifest(small_backup)
    with pytest.raises(
        CommandError, match="tables missing from the dump: public.reminders_reminder"
    ):
        call_command("verify_backup", str(small_backup))
    target = scratch("lacking")
    result = _manage("restore", str(small_backup), database=target)
    assert result.returncode != 0
    assert "public.reminders_reminder" in result.stderr
    other = _wrapper(target)
    try:
        assert backup.is_empty(other)
    finally:
        other.close()


def test_a_corrupt_archive_is_refused(small_backup):
    dump = small_backup / backup.DUMP
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("verify_backup", str(small_backup))


def test_a_changed_row_is_found_by_its_tables_digest(small_backup, scratch):
    manifest = backup.verify_archive(small_backup)
    target = scratch("changed")
    other = _wrapper(target)
    try:
        backup.restore_archive(small_backup, manifest, other)
        assert backup.verify_restored(manifest, other) == []
        with other.cursor() as cursor:
            cursor.execute("UPDATE agencies_site SET name = name || '.' WHERE code = 'REX'")
        problems = backup.verify_restored(manifest, other)
    finally:
        other.close()
    assert len(problems) == 1
    assert problems[0].startswith("public.agencies_site: 2 rows (digest")


def test_a_restore_with_other_keys_says_identity_cannot_be_read(small_backup, scratch):
    target = scratch("otherkeys")
    other_key = Fernet.generate_key().decode()
    result = _manage("restore", str(small_backup), database=target, FIELD_ENCRYPTION_KEYS=other_key)
    assert result.returncode != 0
    assert "cannot be decrypted with FIELD_ENCRYPTION_KEYS" in result.stderr
    assert MARKER not in result.stdout + result.stderr


def test_backup_on_sqlite_says_it_needs_postgresql(tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DEBUG": "1",
    }
    for command in (["backup"], ["restore", str(tmp_path)]):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        assert "need PostgreSQL" in result.stderr
        assert "Traceback" not in result.stderr
