"""Encryption at rest for identifying details.

Keys come from FIELD_ENCRYPTION_KEYS (Fernet keys, newest first), never from SECRET_KEY, so a
leaked signing key does not open the identity table and either can be rotated alone. Rotation:
put a new key first, run `manage.py rotate_encryption_keys`, then drop the old key.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token. Not searchable: never filter on it."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return decrypt(value)
        except InvalidToken as exc:
            raise InvalidToken(
                "Identifying details cannot be decrypted: is FIELD_ENCRYPTION_KEYS complete?"
            ) from exc


__all__ = ["EncryptedTextField", "encrypt", "decrypt", "rotate", "fernet", "InvalidToken"]
