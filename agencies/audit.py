from auditlog.registry import auditlog
from django.utils.translation import gettext_noop

from .models import Agency, Membership, Site, User

auditlog.register(Agency)
auditlog.register(Site)
auditlog.register(Membership)
# Password hashes and login times are not history anyone needs to read.
auditlog.register(User, exclude_fields=["password", "last_login", "version"])


# The names Django derived for audited models and fields that have no verbose name of their
# own: catalogue entries, so the audit pages read them in French (core/templatetags/records.py).
AUDIT_NAMES = [
    gettext_noop("TOTP devices"),
    gettext_noop("static devices"),
    gettext_noop("recovery code sets"),
    gettext_noop("calendar feeds"),
    gettext_noop("reference sequences"),
    gettext_noop("user object permissions"),
    gettext_noop("situation user object permissions"),
    gettext_noop("ID"),
    gettext_noop("group"),
    gettext_noop("user"),
    gettext_noop("site"),
    gettext_noop("created at"),
    gettext_noop("version"),
]
