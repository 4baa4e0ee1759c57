from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ops import backup
from ops.keys import undecryptable
from situations.tasks import purge_expired_identities


class Command(BaseCommand):
    help = (
        "Restore a backup into the empty database of DATABASE_URL: check the archive, "
        "restore it in one transaction, prove every table came back as the manifest says, "
        "apply newer migrations, then re-run the retention purge before anything serves it."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            backup.require_postgresql()
            manifest = backup.verify_archive(folder)
            newer = backup.unknown_migrations(manifest)
            if newer:
                raise backup.BackupError(
                    "this backup was made by a newer version of the application (it has "
                    f"migrations this code does not know: {', '.join(newer)}); restore it "
                    "with that version"
                )
            self.stdout.write(f"Archive intact: {len(manifest['tables'])} tables.")
            backup.restore_archive(folder, manifest)
            problems = backup.verify_restored(manifest)
            if problems:
                raise backup.BackupError(
                    "the restored database differs from the manifest:\n  " + "\n  ".join(problems)
                )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(f"Restored and verified: {rows} rows, every table as the manifest.")

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Applying this version's newer migrations:")
            call_command("migrate", interactive=False, verbosity=1, stdout=self.stdout)

        # An old backup holds identity that has since passed its retention period (and was
        # purged in the live database): purge it again before the database serves anyone.
        purged = purge_expired_identities()
        self.stdout.write(f"Retention purge re-run: {purged} situation(s) purged.")

        failing, total = undecryptable()
        if failing:
            raise CommandError(
                f"Restored, but {failing} of {total} encrypted values cannot be decrypted "
                "with FIELD_ENCRYPTION_KEYS: start the application with the keys in use when "
                "the backup was made (docs/operations.md, 'Key custody')."
            )
        self.stdout.write(f"Identity: all {total} encrypted values decrypt with the keys.")
