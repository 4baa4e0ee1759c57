"""The audit trail records each link a chair decides (two situation ids and the decision).
LinkageKey is deliberately not registered: a key in a diff would outlive the key itself."""

from auditlog.registry import auditlog
from django.utils.translation import gettext_noop

from .models import RepeatLink

auditlog.register(RepeatLink, exclude_fields=["decided_at"])

# The names Django derived for the audited model and its fields (core/templatetags/records.py).
AUDIT_NAMES = [
    gettext_noop("repeat link"),
    gettext_noop("earlier"),
    gettext_noop("decision"),
    gettext_noop("decided by"),
    gettext_noop("decided at"),
]
