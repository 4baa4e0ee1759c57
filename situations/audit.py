"""What the audit trail records. Identifying and narrative fields are masked in every diff."""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.utils.translation import gettext_noop

from .models import (
    IDENTITY_FIELDS,
    AffectedPerson,
    ContactAttempt,
    IdentifyingDetails,
    InterventionPlan,
    Situation,
    SituationRiskFactor,
    SituationUpdate,
)

auditlog.register(
    Situation,
    mask_fields=["narrative", "consent_reason"],
    exclude_fields=["version", "updated_at"],
    m2m_fields={"assisting_agencies", "protective_factors", "study_flags", "services_mobilized"},
)
# A label is meant to be neutral ("Person A"), but it is typed by hand and may carry a name.
auditlog.register(AffectedPerson, mask_fields=["label"], exclude_fields=["key"])
auditlog.register(SituationRiskFactor)
auditlog.register(IdentifyingDetails, mask_fields=IDENTITY_FIELDS, exclude_fields=["updated_at"])
# Plans, notes and updates are free text that may name someone despite the reminders: masked.
auditlog.register(
    InterventionPlan, mask_fields=["who", "how"], exclude_fields=["updated_at", "version"]
)
auditlog.register(ContactAttempt, mask_fields=["notes"])
auditlog.register(SituationUpdate, mask_fields=["text"])


def log_access(situation: Situation, actor, what: str) -> None:
    """An access entry: who saw or exported which situation's identifying details, and when."""
    LogEntry.objects.log_create(
        situation,
        action=LogEntry.Action.ACCESS,
        actor=actor,
        force_log=True,
        changes={"accessed": [None, what]},
        additional_data={"situation": situation.pk, "accessed": what},
    )


# The names Django derived for audited models and fields that have no verbose name of their
# own: catalogue entries, so the audit pages read them in French (core/templatetags/records.py).
AUDIT_NAMES = [
    gettext_noop("situation group object permissions"),
    gettext_noop("situation user object permissions"),
    gettext_noop("situation risk factors"),
    gettext_noop("ID"),
    gettext_noop("version"),
    gettext_noop("site"),
    gettext_noop("submitted at"),
    gettext_noop("decided at"),
    gettext_noop("decided by"),
    gettext_noop("accepted at"),
    gettext_noop("response due at"),
    gettext_noop("first contact at"),
    gettext_noop("concluded at"),
    gettext_noop("identity purged at"),
    gettext_noop("created by"),
    gettext_noop("created at"),
    gettext_noop("updated at"),
    gettext_noop("situation"),
    gettext_noop("key"),
    gettext_noop("situation risk factor"),
    gettext_noop("factor"),
    gettext_noop("person"),
    gettext_noop("updated by"),
    gettext_noop("agency"),
    gettext_noop("logged by"),
    gettext_noop("logged at"),
]
