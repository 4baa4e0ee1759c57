"""Backups that a restore can prove complete (docs/operations.md, "Backup" and "Restore").

A backup is a folder with two files:

- `database.dump`: pg_dump's custom format, taken from one exported snapshot;
- `manifest.json`: the schema version (migrations applied, per app), every table with its row
  count and a digest of its rows, read in that same snapshot, and the dump's size and SHA-256.

Because the figures and the dump come from one snapshot, a restored table must match its
figures exactly, whatever was written while the backup ran. Verification is generic: every
table the manifest lists is checked, so a table added by a new app is covered without code.

Neither file holds SECRET_KEY, FIELD_ENCRYPTION_KEYS or LINKAGE_KEY: they are settings, never
rows. Identifying details are in the dump only as Fernet ciphertext; the manifest has names,
counts and digests, never a value.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess  # nosec B404 - pg_dump and pg_restore, with arguments we build
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from django.db import connection as default_connection
from django.db.migrations.loader import MigrationLoader

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"

# Row text depends on these session settings; both ends of a drill pin them, so a row reads
# the same in the database that was backed up and in the one restored from it.
STABLE_TEXT = [
    "SET LOCAL TIME ZONE 'UTC'",
    "SET LOCAL datestyle = 'ISO, YMD'",
    "SET LOCAL intervalstyle = 'postgres'",
    "SET LOCAL extra_float_digits = 1",
    "SET LOCAL bytea_output = 'hex'",
]

ROW_DIGEST = "coalesce(bit_xor(('x' || left(md5(t::text), 16))::bit(64)::bigint), 0)"

USER_TABLES = """
    SELECT n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'
    ORDER BY 1, 2
"""


class BackupError(Exception):
    """What went wrong, said so that an operator knows what to do next."""


@dataclass(frozen=True)
class Figures:
    rows: int
    digest: str

    def as_dict(self) -> dict:
        return {"rows": self.rows, "digest": self.digest}


def require_postgresql(connection=default_connection) -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            "Backup and restore need PostgreSQL (pg_dump, pg_restore); this DATABASE_URL is "
            f"{connection.vendor}. The embedded SQLite database of `make run` is demo data: "
            "stop the server and copy its file instead (docs/operations.md)."
        )


def _quote(schema: str, table: str) -> str:
    return '"{}"."{}"'.format(schema.replace('"', '""'), table.replace('"', '""'))


def table_figures(cursor) -> dict[str, Figures]:
    """Row count and digest of every table, inside the caller's transaction. The digest XORs
    the first 64 bits of each row's MD5: it needs no sort and no memory however large the
    table, and any changed, missing or extra row changes it."""
    for statement in STABLE_TEXT:
        cursor.execute(statement)
    cursor.execute(USER_TABLES)
    figures = {}
    for schema, table in cursor.fetchall():
        # Names from pg_class, quoted: no input reaches this statement.
        query = f"SELECT count(*), {ROW_DIGEST} FROM {_quote(schema, table)} t"  # noqa: S608  # nosec B608
        cursor.execute(query)
        rows, digest = cursor.fetchone()
        figures[f"{schema}.{table}"] = Figures(rows, f"{digest & 0xFFFFFFFFFFFFFFFF:016x}")
    return figures


def applied_migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    schema: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        schema.setdefault(app, []).append(name)
    return schema


def _libpq_environment(connection) -> dict[str, str]:
    """The database as libpq's variables, so no password is ever on a command line (ps)."""
    params = connection.get_connection_params()
    mapping = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",  # nosec B105 - the variable's name, not a password
        "dbname": "PGDATABASE",
        "sslmode": "PGSSLMODE",
    }
    env = dict(os.environ)
    for name, variable in mapping.items():
        if params.get(name):
            env[variable] = str(params[name])
    return env


def _session(connection):
    """A psycopg2 session of its own on the same database, beside Django's connection."""
    return psycopg2.connect(**connection.get_connection_params())


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client tools (Debian: "
            "postgresql-client) of the server's major version or newer."
        )
    return path


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if match is None:
        raise BackupError(f"cannot read a PostgreSQL version from {version_text!r}")
    return int(match.group(1))


def _tool_version(path: str) -> str:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)  # noqa: S603  # nosec B603
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    match = re.search(r"\)\s+(\d+(?:\.\d+)*)", out.stdout)
    return match.group(1) if match else out.stdout.strip()


def _server_version(cursor) -> str:
    cursor.execute("SHOW server_version")
    return cursor.fetchone()[0].split()[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _application_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("focus-tables")
    except PackageNotFoundError:
        return "unknown"


def backup(folder: Path, connection=default_connection) -> dict:
    """Write database.dump and manifest.json into `folder` (created; must not hold a backup)."""
    require_postgresql(connection)
    pg_dump = _tool("pg_dump")
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / MANIFEST).exists() or (folder / DUMP).exists():
        raise BackupError(f"{folder} already holds a backup: choose another folder")
    env = _libpq_environment(connection)
    session = _session(connection)
    try:
        session.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with session.cursor() as cursor:
            server = _server_version(cursor)
            tool = _tool_version(pg_dump)
            if _major(tool) < _major(server):
                raise BackupError(
                    f"pg_dump {tool} is older than the server ({server}): it cannot dump it. "
                    "Install the client tools of the server's major version."
                )
            # The snapshot pg_dump will read: held open by this transaction until it is done.
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            figures = table_figures(cursor)
            schema = applied_migrations(cursor)
            dump = folder / DUMP
            result = subprocess.run(  # noqa: S603  # nosec B603
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    finally:
        session.close()
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "application_version": _application_version(),
        "postgresql": {"server": server, "pg_dump": tool},
        "schema": schema,
        "tables": {name: f.as_dict() for name, f in figures.items()},
        "dump": {"file": DUMP, "bytes": dump.stat().st_size, "sha256": _sha256(dump)},
        "keys": (
            "Not in this backup: SECRET_KEY, FIELD_ENCRYPTION_KEYS, LINKAGE_KEY. Identifying "
            "details need the FIELD_ENCRYPTION_KEYS in use when it was made."
        ),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def load_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"no {MANIFEST} in {folder}: not a backup folder")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown manifest format {manifest.get('format')!r}")
    return manifest


def dumped_tables(dump: Path) -> set[str]:
    """The tables whose rows the archive holds, from its table of contents."""
    result = subprocess.run(  # noqa: S603  # nosec B603
        [_tool("pg_restore"), "--list", str(dump)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore cannot read {dump}: {result.stderr.strip()}")
    # e.g. "3456; 0 16601 TABLE DATA public reminders_reminder postgres"
    entry = re.compile(r"^\d+;\s+\d+\s+\d+\s+TABLE DATA\s+(\S+)\s+(\S+)\s")
    return {
        f"{m.group(1)}.{m.group(2)}"
        for line in result.stdout.splitlines()
        if (m := entry.match(line))
    }


def verify_archive(folder: Path) -> dict:
    """Before anything is restored: the dump is the one the manifest describes, and it holds
    the rows of every table the manifest lists."""
    manifest = load_manifest(folder)
    dump = folder / manifest["dump"]["file"]
    if not dump.is_file():
        raise BackupError(f"{dump} is missing")
    if (
        dump.stat().st_size != manifest["dump"]["bytes"]
        or _sha256(dump) != manifest["dump"]["sha256"]
    ):
        raise BackupError(f"{dump} does not match its manifest (size or SHA-256): corrupt")
    missing = sorted(set(manifest["tables"]) - dumped_tables(dump))
    if missing:
        raise BackupError("tables missing from the dump: " + ", ".join(missing))
    return manifest


def compare(expected: dict[str, dict], found: dict[str, Figures]) -> list[str]:
    """Every difference between the manifest's tables and a database's, one line each."""
    problems = []
    for name, figures in sorted(expected.items()):
        if name not in found:
            problems.append(f"{name}: not restored")
        elif found[name].as_dict() != figures:
            problems.append(
                f"{name}: {found[name].rows} rows (digest {found[name].digest}), "
                f"expected {figures['rows']} (digest {figures['digest']})"
            )
    problems += [f"{name}: not in the backup" for name in sorted(set(found) - set(expected))]
    return problems


def is_empty(connection=default_connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(USER_TABLES)
        return cursor.fetchone() is None


def restore_archive(folder: Path, manifest: dict, connection=default_connection) -> None:
    """pg_restore into the (empty) database, all or nothing."""
    require_postgresql(connection)
    if not is_empty(connection):
        raise BackupError(
            "the target database is not empty: restore into a new database "
            "(createdb, then point DATABASE_URL at it)"
        )
    dump = folder / manifest["dump"]["file"]
    result = subprocess.run(  # noqa: S603  # nosec B603
        [
            _tool("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            # The name only: host, user and password reach it as libpq's variables.
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        env=_libpq_environment(connection),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")


def database_figures(connection=default_connection) -> dict[str, Figures]:
    """Every table's figures, read in one snapshot of a session of its own."""
    session = _session(connection)
    try:
        session.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with session.cursor() as cursor:
            return table_figures(cursor)
    finally:
        session.close()


def verify_restored(manifest: dict, connection=default_connection) -> list[str]:
    return compare(manifest["tables"], database_figures(connection))


def unknown_migrations(manifest: dict) -> list[str]:
    """Migrations the backup's database had that this code does not know: a backup made by a
    newer version, which this one cannot serve."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return sorted(
        f"{app}.{name}"
        for app, names in manifest["schema"].items()
        for name in names
        if (app, name) not in known
    )
