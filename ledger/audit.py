"""What the audit trail records of the ledger. A consent record's note is free text that may
name someone: masked. Disclosure rows are not audited: they are themselves the record."""

from auditlog.registry import auditlog
from django.utils.translation import gettext_noop

from .models import ConsentRecord, CorrectionRecord, TellingRecord

auditlog.register(ConsentRecord, mask_fields=["note"])
auditlog.register(TellingRecord)
auditlog.register(CorrectionRecord)

# The names Django derived for audited models and fields that have no verbose name of their
# own: catalogue entries, so the audit pages read them in French (core/templatetags/records.py).
AUDIT_NAMES = [
    gettext_noop("consent record"),
    gettext_noop("consent records"),
    gettext_noop("telling record"),
    gettext_noop("telling records"),
    gettext_noop("correction record"),
    gettext_noop("correction records"),
    gettext_noop("disclosures"),
    gettext_noop("recorded by"),
    gettext_noop("recorded at"),
]
