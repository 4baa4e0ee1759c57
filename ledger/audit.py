"""What the audit trail records of the ledger. A consent record's note is free text that may
name someone: masked. Disclosure rows are not audited: they are themselves the record."""

from auditlog.registry import auditlog

from .models import ConsentRecord, CorrectionRecord, TellingRecord

auditlog.register(ConsentRecord, mask_fields=["note"])
auditlog.register(TellingRecord)
auditlog.register(CorrectionRecord)
