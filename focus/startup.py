"""What a production process checks before it serves anything."""

import importlib
import os

from django.core.exceptions import ImproperlyConfigured

# (setting, what it is for): names of settings, not values.
REQUIRED = [
    ("SECRET_KEY", "Django's signing key"),
    ("FIELD_ENCRYPTION_KEYS", "the keys that encrypt identifying details"),
    ("LINKAGE_KEYS", "LINKAGE_KEY, the secret that makes repeat-detection keys"),
    ("EMAIL_HOST", "the SMTP server for invitations and reminders"),
]


def require_production_settings(conf=None) -> None:
    """Refuse to start a web server, worker or beat without the secrets production needs.

    Reads the settings module itself, so it runs before Django does anything with them.
    """
    conf = conf or importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    if getattr(conf, "DEBUG", False):
        return
    missing = [f"{name} ({why})" for name, why in REQUIRED if not getattr(conf, name, "")]
    if missing:
        raise ImproperlyConfigured("Set these before starting: " + "; ".join(missing))
