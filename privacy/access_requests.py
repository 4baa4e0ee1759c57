"""Answering a person's access or correction request (FIPPA, MFIPPA, PHIPA).

The privacy officer types the person's identifying details once. They are compared, in
memory, with the decrypted identity of every situation still within retention (the only
ones that hold identity: the purge and rejection delete it), and never stored, logged, put
in a URL or an audit diff. Identity is encrypted and not searchable (situations/crypto.py),
so the comparison decrypts each name: bounded by what retention keeps, a few thousand rows
at a large deployment.

This is the one place a privacy officer reads case content, and only the content of the
situations that match the person who asked (docs/design.md §9, docs/threat-model.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.audit import acting
from ledger import services as ledger
from ledger.models import ConsentRecord, CorrectionRecord, Disclosure, TellingRecord
from linkage.services import persons_like
from situations.audit import log_access
from situations.models import (
    IDENTITY_FIELDS,
    AffectedPerson,
    IdentifyingDetails,
    InterventionPlan,
    Situation,
)


def normalise(text: str) -> str:
    """A name as compared: accents, case, punctuation and spacing do not count
    ("  JOSÉ  o'Brien" and "Jose O Brien" are the same)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain.casefold()).split())


def _born(value: str) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Search:
    """What the privacy officer typed. Lives for one request."""

    full_name: str
    date_of_birth: date | None = None

    def matches(self, full_name: str, date_of_birth: str) -> bool:
        if not normalise(self.full_name) or normalise(full_name) != normalise(self.full_name):
            return False
        # A birth date on both sides must agree; one recorded on neither side or only one
        # side leaves the name to decide, and the officer reviews before sending anything.
        recorded = _born(date_of_birth)
        return self.date_of_birth is None or recorded is None or recorded == self.date_of_birth


def matching_persons(search: Search) -> list[int]:
    """The affected persons (ids) whose identity matches, within retention: through the
    encrypted identity (the name as typed, accents, case and spacing aside), and through
    repeat detection's linkage keys (a nickname, a swapped day and month, another spelling
    that sounds the same), so that the report, the correction and the audit entry all follow
    from one list. Keys outlive the identity for the repeat window; only persons whose
    identity is still held count, since the report is of what the table holds."""
    rows = IdentifyingDetails.objects.filter(
        person__situation__identity_purged_at__isnull=True
    ).values_list("person_id", "full_name", "date_of_birth")
    found = {
        person_id
        for person_id, full_name, born in rows.iterator(chunk_size=500)
        if search.matches(full_name, born)
    }
    similar = persons_like(search.full_name, search.date_of_birth) - found
    if similar:
        found |= set(
            IdentifyingDetails.objects.filter(
                person_id__in=similar, person__situation__identity_purged_at__isnull=True
            ).values_list("person_id", flat=True)
        )
    return sorted(found)


@dataclass
class SituationReport:
    situation: Situation
    persons: list = field(default_factory=list)  # the matching affected persons
    disclosures: list = field(default_factory=list)
    consent: list = field(default_factory=list)
    telling: list = field(default_factory=list)
    corrections: list = field(default_factory=list)
    views: list = field(default_factory=list)  # access entries of the audit trail
    plan: object = None
    contacts: list = field(default_factory=list)
    risk_factors: list = field(default_factory=list)


def _views(situation: Situation) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Situation),
            object_pk=str(situation.pk),
            action=LogEntry.Action.ACCESS,
        )
        .select_related("actor__agency")
        .order_by("timestamp")
    )


def build_report(person_ids: list[int]) -> list[SituationReport]:
    persons = (
        AffectedPerson.objects.filter(pk__in=person_ids)
        .select_related("identity", "situation__site")
        .order_by("situation__reference", "label")
    )
    reports: dict[int, SituationReport] = {}
    for person in persons:
        situation = person.situation
        reports.setdefault(situation.pk, SituationReport(situation)).persons.append(person)
    for report in reports.values():
        situation = (
            Situation.objects.select_related(
                "site", "originating_agency", "lead_agency", "conclusion_reason"
            )
            .prefetch_related("assisting_agencies")
            .get(pk=report.situation.pk)
        )
        report.situation = situation
        report.disclosures = list(
            Disclosure.objects.filter(situation=situation).select_related(
                "recipient", "opened_by__agency", "consent", "closed_by"
            )
        )
        report.consent = list(
            ConsentRecord.objects.filter(situation=situation).select_related("agency")
        )
        report.telling = list(
            TellingRecord.objects.filter(situation=situation).select_related("agency")
        )
        report.corrections = list(CorrectionRecord.objects.filter(situation=situation))
        report.views = _views(situation)
        report.plan = InterventionPlan.objects.filter(situation=situation).first()
        report.contacts = list(situation.contact_attempts.select_related("agency"))
        report.risk_factors = list(
            situation.risk_factors.select_related("factor__category").order_by(
                "factor__category__name", "factor__name"
            )
        )
    return list(reports.values())


def answer(user, search: Search, purpose: str) -> list[SituationReport]:
    """Search, and record it: one audit entry for the search (how many situations matched,
    never what was typed), and an access entry on each situation shown, so the situation's
    own history says that its content went into an access request."""
    person_ids = matching_persons(search)
    reports = build_report(person_ids)
    LogEntry.objects.log_create(
        user,
        action=LogEntry.Action.ACCESS,
        actor=user,
        force_log=True,
        changes={"access request": [None, purpose]},
        additional_data={
            "access_request": purpose,
            "matched": [r.situation.reference for r in reports],
        },
    )
    for report in reports:
        log_access(report.situation, user, f"access request ({purpose})")
    return reports


@transaction.atomic
def correct(
    user, search: Search, person_id: int, changes: dict[str, str], received_on: date
) -> CorrectionRecord:
    """Correct a matching person's identifying details on their request. Only a person the
    search matches can be corrected; the record says which fields, by whom and when, and the
    audit trail masks the values as it does for every identity change."""
    if person_id not in matching_persons(search):
        raise ValidationError(_("This person does not match the request: search again."))
    details = IdentifyingDetails.objects.select_for_update().get(person_id=person_id)
    changed = []
    for name, value in changes.items():
        if name not in IDENTITY_FIELDS:
            raise ValidationError(_("Only identifying details can be corrected here."))
        value = value.strip()
        if value and value != getattr(details, name):
            setattr(details, name, value)
            changed.append(name)
    if not changed:
        raise ValidationError(_("Nothing to correct: give at least one new value."))
    with acting(user):
        details.full_clean(exclude=["person"])
        details.save()
        return ledger.add_correction(
            details.person.situation, fields=changed, received_on=received_on, by=user
        )
