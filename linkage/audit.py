"""The audit trail records each link a chair decides (two situation ids and the decision).
LinkageKey is deliberately not registered: a key in a diff would outlive the key itself."""

from auditlog.registry import auditlog

from .models import RepeatLink

auditlog.register(RepeatLink, exclude_fields=["decided_at"])
