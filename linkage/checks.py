"""`manage.py check --deploy` demands LINKAGE_KEY in production, as startup does for the other
secrets, and refuses it if it repeats one of them (each secret has one purpose)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def linkage_key_set(app_configs, **kwargs):
    if not settings.LINKAGE_KEYS:
        return [
            checks.Error(
                "LINKAGE_KEY (or LINKAGE_KEYS) is not set: repeat detection needs its own secret.",
                id="linkage.E001",
            )
        ]
    others = {settings.SECRET_KEY, *settings.FIELD_ENCRYPTION_KEYS}
    if others & set(settings.LINKAGE_KEYS):
        return [
            checks.Error(
                "LINKAGE_KEY must be its own secret, not SECRET_KEY or an encryption key.",
                id="linkage.E002",
            )
        ]
    return []
