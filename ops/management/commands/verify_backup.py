from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = (
        "Check a backup folder without restoring it: the archive matches its manifest "
        "(size, SHA-256) and holds the rows of every table the manifest lists."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            manifest = backup.verify_archive(folder)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{folder}: archive intact; all {len(manifest['tables'])} tables present "
            f"(made {manifest['created_at']})."
        )
