"""Writing the ledger. Called by situations.services inside the transaction of the step that
discloses or ends a disclosure, with the situation already claimed and locked: these
functions check no permission of their own and must not be called from a view."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from .models import Basis, ConsentRecord, ConsentStatus, Disclosure, TellingRecord


def consent_in_force(situation) -> ConsentRecord | None:
    """The latest consent record (by the date of the conversation, then when recorded)."""
    return (
        ConsentRecord.objects.filter(situation=situation)
        .order_by("-on_date", "-recorded_at", "-pk")
        .first()
    )


def basis_for(situation, recipient_id: int) -> tuple[str, ConsentRecord | None]:
    """The legal basis of a disclosure made now: the originating agency holds its own
    record; anyone else receives it on consent if the latest record says it was given, and
    otherwise on acutely elevated risk, with the record that says why consent was not."""
    consent = consent_in_force(situation)
    if recipient_id == situation.originating_agency_id:
        return Basis.OWN_RECORD, consent
    if consent is not None and consent.status == ConsentStatus.GIVEN:
        return Basis.CONSENT, consent
    return Basis.ACUTE_RISK, consent


def sync(
    situation,
    wanted: set[tuple[int, str]],
    *,
    by,
    closing: str,
    at: datetime | None = None,
) -> None:
    """Make the open rows match `wanted` ((agency id, info class) pairs): open what is newly
    available, close what no longer is (with `closing` as the reason). A pair already open
    stays as it is, so repeating a grant, or deciding again, writes nothing."""
    now = at or timezone.now()
    open_rows = Disclosure.objects.filter(situation=situation, closed_at__isnull=True)
    have = set(open_rows.values_list("recipient_id", "info_class"))
    for recipient_id, info_class in have - wanted:
        open_rows.filter(recipient_id=recipient_id, info_class=info_class).update(
            closed_at=now, closed_by=by, closed_because=closing
        )
    new = []
    for recipient_id, info_class in sorted(wanted - have):
        basis, consent = basis_for(situation, recipient_id)
        new.append(
            Disclosure(
                situation=situation,
                info_class=info_class,
                recipient_id=recipient_id,
                basis=basis,
                consent=consent,
                opened_at=now,
                opened_by=by,
            )
        )
    Disclosure.objects.bulk_create(new)


def add_consent(
    situation,
    *,
    status: str,
    reason: str,
    note: str,
    on_date: date,
    agency_id: int,
    by,
) -> ConsentRecord:
    record = ConsentRecord(
        situation=situation,
        status=status,
        reason=reason if status == ConsentStatus.NOT_SOUGHT else "",
        note=note.strip(),
        on_date=on_date,
        agency_id=agency_id,
        recorded_by=by,
    )
    record.full_clean(exclude=["situation", "agency", "recorded_by"])
    record.save()
    return record


def add_telling(situation, *, outcome: str, told_on: date | None, agency_id: int, by):
    record = TellingRecord(
        situation=situation, outcome=outcome, told_on=told_on, agency_id=agency_id, recorded_by=by
    )
    record.full_clean(exclude=["situation", "agency", "recorded_by"])
    record.save()
    return record


def forget_notes(situation) -> None:
    """At rejection the situation keeps only minimal data: consent notes go with the rest."""
    for record in ConsentRecord.objects.filter(situation=situation).exclude(note=""):
        record.note = ""
        record.save(update_fields=["note"])  # one by one, so each is audited (masked)


def add_correction(situation, *, fields: list[str], received_on: date, by):
    from .models import CorrectionRecord

    return CorrectionRecord.objects.create(
        situation=situation, fields=sorted(fields), received_on=received_on, recorded_by=by
    )
