from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database: a pg_dump archive (custom format) and a manifest "
        "(schema version, rows and a digest per table, the archive's SHA-256), from one "
        "snapshot. Never the keys: keep them apart (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="The folder to write (default: VAR_DIR/backups/<UTC time>).",
        )

    def handle(self, *args, output: Path | None = None, **options):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = output or Path(settings.VAR_DIR) / "backups" / stamp
        try:
            manifest = backup.backup(folder)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables ({rows} rows) to {folder} "
            f"({manifest['dump']['bytes']} bytes, sha256 {manifest['dump']['sha256'][:16]}…)."
        )
        self.stdout.write(str(folder))
