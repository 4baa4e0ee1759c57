"""Whether the keys this process holds open the identity a database stores."""

from django.apps import apps
from django.db import connection

from situations.crypto import EncryptedTextField, InvalidToken, fernet


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every encrypted field of every model, found by its type."""
    return [
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def undecryptable() -> tuple[int, int]:
    """(values the keys cannot decrypt, values stored). Raw tokens are read and decrypted
    here, never turned into model objects, and no plaintext is kept."""
    failing = total = 0
    keys = fernet()
    with connection.cursor() as cursor:
        for table, column in encrypted_columns():
            name = connection.ops.quote_name
            cursor.execute(
                f"SELECT {name(column)} FROM {name(table)} "  # noqa: S608  # nosec B608
                f"WHERE {name(column)} <> ''"
            )
            for (token,) in cursor.fetchall():
                total += 1
                try:
                    keys.decrypt(token.encode())
                except InvalidToken:
                    failing += 1
    return failing, total
