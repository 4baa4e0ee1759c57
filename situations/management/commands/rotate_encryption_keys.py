from django.core.management.base import BaseCommand
from django.db import connection, transaction

from situations.crypto import rotate
from situations.models import IDENTITY_FIELDS, IdentifyingDetails


class Command(BaseCommand):
    help = (
        "Re-encrypt every identifying detail with the first key of FIELD_ENCRYPTION_KEYS. "
        "Run after putting a new key first; then remove the old key."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        # Raw tokens in, raw tokens out: plaintext never passes through Python objects here,
        # and no audit diff is written for what is the same value under a new key.
        table = IdentifyingDetails._meta.db_table
        columns = ", ".join(IDENTITY_FIELDS)
        assignments = ", ".join(f"{name} = %s" for name in IDENTITY_FIELDS)
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        count = 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {columns} FROM {table}{lock}")  # noqa: S608  # nosec B608
            for pk, *tokens in cursor.fetchall():
                rotated = [rotate(token) if token else token for token in tokens]
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608  # nosec B608
                    [*rotated, pk],
                )
                count += 1
        self.stdout.write(f"Re-encrypted {count} identity record(s) with the newest key.")
