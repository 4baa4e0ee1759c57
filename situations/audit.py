"""What the audit trail records. Identifying and narrative fields are masked in every diff."""

from auditlog.models import LogEntry
from auditlog.registry import auditlog

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
