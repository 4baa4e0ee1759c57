"""Every change to a situation goes through one of these functions.

Each is atomic; claims the situation through the policy's gate (which locks the row and
answers NotFound when the person may not act, WrongState when the state no longer allows it,
so two chairs cannot both decide); lets auditlog record the change; brings the guardian
grants in step with the new state (docs/design.md §2) through `sync_grants`; and announces
what changed (`situation_changed`) for the apps that follow situations, such as the agenda.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.policy import State, Who, grants_for
from agencies.models import Agency, Site, User
from core.audit import acting
from core.errors import NotFound, WrongState
from ledger import services as ledger
from ledger.models import Closed, ConsentStatus, InfoClass, NotSoughtReason, Told

from .models import (
    AffectedPerson,
    ConclusionReason,
    ContactAttempt,
    ContactOutcome,
    IdentifyingDetails,
    InterventionPlan,
    ReferenceSequence,
    RiskFactor,
    Situation,
    SituationGroupObjectPermission,
    SituationRiskFactor,
    SituationUpdate,
    SituationUserObjectPermission,
    Status,
)
from .signals import (
    clock_reopened,
    first_contact_made,
    identity_saved,
    retention_swept,
    situation_changed,
)

PERMS = ("view_identity", "log_response")


def agencies_at_site(site: Site):
    """Agencies that sit at the site: those with at least one active person holding a seat."""
    return Agency.objects.filter(
        active=True, people__memberships__site=site, people__is_active=True
    ).distinct()


def _claim(user: User, situation: Situation, action: str) -> Situation:
    """The situation, locked, if the policy lets this person do this now (access/gates.py)."""
    return Situation.objects.select_related("site").claim(user, situation.pk, action)


# ---- Grants -----------------------------------------------------------------------------------


def expected_grants(situation: Situation) -> set[tuple[int, str]]:
    """(agency id, codename) pairs the policy's GRANTS call for in the situation's state."""
    return grants_for(situation.state, situation.agencies())


def actual_grants(situation: Situation) -> set[tuple[int, str]]:
    rows = SituationGroupObjectPermission.objects.filter(content_object=situation).values_list(
        "group__agency__id", "permission__codename"
    )
    return set(rows)


def personal_grants(situation: Situation) -> set[tuple[int, str]]:
    """Grants to single people: the policy has none, so each one is drift."""
    rows = SituationUserObjectPermission.objects.filter(content_object=situation).values_list(
        "user_id", "permission__codename"
    )
    return set(rows)


def grant_drift(situations=None):
    """Where the grant rows differ from what the policy calls for: (reference, "extra",
    "missing" or "personal", permission, agency id or, for "personal", person id)."""
    situations = situations if situations is not None else Situation.objects.all()
    situations = situations.select_related("site").prefetch_related("assisting_agencies")
    for situation in situations.order_by("reference").iterator(chunk_size=500):
        wanted, have = expected_grants(situation), actual_grants(situation)
        for agency_id, permission in sorted(have - wanted):
            yield situation.reference, "extra", permission, agency_id
        for agency_id, permission in sorted(wanted - have):
            yield situation.reference, "missing", permission, agency_id
        for person_id, permission in sorted(personal_grants(situation)):
            yield situation.reference, "personal", permission, person_id


def _permissions() -> dict[str, Permission]:
    ct = ContentType.objects.get_for_model(Situation)
    return {p.codename: p for p in Permission.objects.filter(content_type=ct, codename__in=PERMS)}


def sync_grants(situation: Situation, by: User | None = None, at: datetime | None = None) -> None:
    """Make the guardian rows match the state. Grants go to agency groups, never to people.
    The disclosure ledger follows in the same transaction: `by` is whose decision it was
    (None: the system, as for the retention purge), `at` when (now, unless a step is dated)."""
    wanted, have = expected_grants(situation), actual_grants(situation)
    perms = _permissions()
    for agency_id, codename in have - wanted:
        SituationGroupObjectPermission.objects.filter(
            content_object=situation, group__agency__id=agency_id, permission=perms[codename]
        ).delete()
    SituationUserObjectPermission.objects.filter(content_object=situation).delete()
    to_add = wanted - have
    if to_add:
        groups = dict(
            Agency.objects.filter(pk__in={a for a, _ in to_add}).values_list("pk", "group_id")
        )
        SituationGroupObjectPermission.objects.bulk_create(
            [
                SituationGroupObjectPermission(
                    content_object=situation, group_id=groups[agency_id], permission=perms[codename]
                )
                for agency_id, codename in to_add
            ]
        )
    ledger.sync(
        situation,
        disclosed(situation, wanted),
        by=by,
        closing=CLOSED_BY_STATE.get(situation.state, Closed.REMOVED),
        at=at,
    )


# Why a disclosure ends, by the state the situation reached. In any other state (open) an
# ended disclosure means the agency was taken off the situation.
CLOSED_BY_STATE = {
    State.WITHDRAWN: Closed.WITHDRAWN,
    State.REJECTED: Closed.REJECTED,
    State.CONCLUDED: Closed.CONCLUDED,
    State.PURGED: Closed.PURGED,
}


def disclosed(situation: Situation, grants: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """What each agency can reach, as classes of information (the ledger's terms): who holds
    identity holds the narrative tied to it; the plan and contact log are written and read by
    the agencies that intervene while the situation is open."""
    wanted = set()
    for agency_id, codename in grants:
        if codename == "view_identity":
            wanted |= {(agency_id, InfoClass.IDENTITY), (agency_id, InfoClass.NARRATIVE)}
        elif codename == "log_response" and situation.state == State.OPEN:
            wanted.add((agency_id, InfoClass.PLAN))
    return {(agency_id, str(info_class)) for agency_id, info_class in wanted}


# ---- Drafting ---------------------------------------------------------------------------------


@dataclass
class Record:
    """The de-identified fields an agency fills in."""

    subject_type: str
    age_group: str
    gender: str
    narrative: str
    referral_source: Agency | None = None
    risk_factors: Iterable[RiskFactor] = ()
    protective_factors: Iterable = ()
    study_flags: Iterable = ()
    services_mobilized: Iterable = ()


def _next_reference(site: Site) -> str:
    year = timezone.localdate().year
    ReferenceSequence.objects.get_or_create(site=site, year=year)
    seq = ReferenceSequence.objects.select_for_update().get(site=site, year=year)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return f"{site.code}-{year}-{seq.last_number:03d}"


def _apply_record(situation: Situation, record: Record) -> None:
    situation.subject_type = record.subject_type
    situation.age_group = record.age_group
    situation.gender = record.gender
    situation.narrative = record.narrative
    situation.referral_source = record.referral_source
    situation.full_clean(exclude=["reference", "originating_agency", "site"])
    situation.save()
    situation.protective_factors.set(record.protective_factors)
    situation.study_flags.set(record.study_flags)
    situation.services_mobilized.set(record.services_mobilized)
    wanted = {f.pk for f in record.risk_factors}
    current = set(
        situation.risk_factors.filter(person__isnull=True).values_list("factor_id", flat=True)
    )
    for row in situation.risk_factors.filter(factor_id__in=current - wanted):
        row.delete()  # one by one, so each removal is audited
    for factor_id in wanted - current:
        SituationRiskFactor.objects.create(situation=situation, factor_id=factor_id)


def _changed(situation: Situation, event: str) -> None:
    situation_changed.send(sender=Situation, situation=situation, event=event)


@transaction.atomic
def create_draft(user: User, site: Site, record: Record) -> Situation:
    """Filter 1: the originating agency drafts; nobody else sees it yet."""
    if not Site.objects.restrict(user, "start_situation").filter(pk=site.pk).exists():
        raise NotFound
    with acting(user):
        situation = Situation(
            site=site,
            reference=_next_reference(site),
            originating_agency=user.agency,
            created_by=user,
            status=Status.DRAFT,
        )
        _apply_record(situation, record)
        sync_grants(situation, by=user)
    return situation


@transaction.atomic
def update_record(user: User, situation: Situation, record: Record, version: int) -> Situation:
    situation = _claim(user, situation, "edit_record")
    situation.claim_version(version)
    with acting(user):
        _apply_record(situation, record)
    _changed(situation, "record")
    return situation


@transaction.atomic
def submit(user: User, situation: Situation) -> Situation:
    """Filter 2: the de-identified record goes to the site's next meeting."""
    situation = _claim(user, situation, "submit")
    if not situation.risk_factors.exists():
        raise WrongState(_("Add at least one risk factor before submitting to the table."))
    situation.status = Status.SUBMITTED
    situation.submitted_at = timezone.now()
    with acting(user):
        situation.save()
    _changed(situation, "submitted")
    return situation


@transaction.atomic
def withdraw(user: User, situation: Situation) -> Situation:
    """The originating agency takes back a situation the table has not decided; identity goes."""
    situation = _claim(user, situation, "withdraw")
    with acting(user):
        _delete_identities(situation)
        situation.status = Status.WITHDRAWN
        situation.save()
        sync_grants(situation, by=user)
    _changed(situation, "withdrawn")
    return situation


# ---- Decisions --------------------------------------------------------------------------------


@dataclass
class Assignment:
    lead: Agency
    assisting: Iterable[Agency] = ()


def _check_assignment(site: Site, assignment: Assignment) -> None:
    at_site = set(agencies_at_site(site).values_list("pk", flat=True))
    assisting = {a.pk for a in assignment.assisting}
    if assignment.lead.pk not in at_site or not assisting <= at_site:
        raise ValidationError(_("Only agencies that sit at this table can be assigned."))
    if assignment.lead.pk in assisting:
        raise ValidationError(_("The lead agency cannot also be an assisting agency."))


# What the chair's consent field at acceptance says, in the terms of the consent history.
CONSENT_AT_DECISION = {
    "obtained": (ConsentStatus.GIVEN, ""),
    "not_obtained": (ConsentStatus.NOT_SOUGHT, NotSoughtReason.OTHER),
    "not_applicable": (ConsentStatus.NOT_SOUGHT, NotSoughtReason.NOT_APPLICABLE),
}
# Consent statuses that already say "not obtained": the decision adds nothing to them.
NOT_OBTAINED = {ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN, ConsentStatus.NOT_SOUGHT}


def _consent_at_decision(user, situation, consent: str, reason: str, now: datetime) -> None:
    """The table's record of consent becomes a step of the history, recorded for the
    originating agency (which spoke with the person and presented), unless the history
    already says as much: the disclosures that follow take their basis from it."""
    status, why = CONSENT_AT_DECISION[consent]
    latest = ledger.consent_in_force(situation)
    if latest is not None and (
        latest.status == status
        or (status == ConsentStatus.NOT_SOUGHT and latest.status in NOT_OBTAINED)
    ):
        return
    ledger.add_consent(
        situation,
        status=status,
        reason=why,
        note=reason,
        on_date=timezone.localdate(now),
        agency_id=situation.originating_agency_id,
        by=user,
    )


@transaction.atomic
def accept(
    user: User,
    situation: Situation,
    assignment: Assignment,
    consent: str,
    consent_reason: str = "",
    *,
    at: datetime | None = None,
) -> Situation:
    """AER met: name the agencies, release identity to them (filter 3), start the clock."""
    situation = _claim(user, situation, "accept")
    _check_assignment(situation.site, assignment)
    if not consent:
        raise ValidationError(_("Record consent before accepting."))
    if consent == "not_obtained" and not consent_reason.strip():
        raise ValidationError(_("Say why consent was not obtained."))
    now = at or timezone.now()
    situation.status = Status.OPEN
    situation.decided_at = situation.accepted_at = now
    situation.decided_by = user
    situation.first_presented_on = situation.first_presented_on or timezone.localdate(now)
    situation.response_due_at = now + timedelta(hours=situation.site.response_window_hours)
    situation.consent = consent
    situation.consent_reason = consent_reason.strip() if consent == "not_obtained" else ""
    situation.lead_agency = assignment.lead
    with acting(user):
        situation.save()
        situation.assisting_agencies.set(assignment.assisting)
        _consent_at_decision(user, situation, consent, situation.consent_reason, now)
        sync_grants(situation, by=user, at=now)
    _changed(situation, "accepted")
    return situation


@transaction.atomic
def reassign(user: User, situation: Situation, assignment: Assignment) -> Situation:
    """Change lead or assisting agencies of an open situation; grants follow at once."""
    situation = _claim(user, situation, "reassign")
    _check_assignment(situation.site, assignment)
    situation.lead_agency = assignment.lead
    with acting(user):
        situation.save()
        situation.assisting_agencies.set(assignment.assisting)
        sync_grants(situation, by=user)
    _changed(situation, "reassigned")
    return situation


def _delete_identities(situation: Situation) -> int:
    count = 0
    for identity in IdentifyingDetails.objects.filter(person__situation=situation):
        identity.delete()  # one by one, so each deletion is audited (values masked)
        count += 1
    return count


@transaction.atomic
def reject(user: User, situation: Situation, reason: str) -> Situation:
    """AER not met: keep only minimal data. Redacted fields are deleted, not hidden."""
    situation = _claim(user, situation, "reject")
    now = timezone.now()
    with acting(user):
        _delete_identities(situation)
        for person in situation.affected_persons.all():
            person.delete()
        for row in situation.risk_factors.all():
            row.delete()
        situation.assisting_agencies.clear()
        situation.protective_factors.clear()
        situation.study_flags.clear()
        situation.services_mobilized.clear()
        situation.status = Status.REJECTED
        situation.rejection_reason = reason
        situation.decided_at = now
        situation.decided_by = user
        situation.first_presented_on = situation.first_presented_on or timezone.localdate(now)
        situation.narrative = ""
        situation.consent_reason = ""
        situation.save()
        ledger.forget_notes(situation)
        sync_grants(situation, by=user, at=now)
    _changed(situation, "rejected")
    return situation


@transaction.atomic
def conclude(
    user: User, situation: Situation, reason: ConclusionReason, concluded_on: date | None = None
) -> Situation:
    """Close the situation. Identity stays readable until the site's retention period ends."""
    situation = _claim(user, situation, "conclude")
    concluded_on = concluded_on or timezone.localdate()
    if reason.outcome == ConclusionReason.Outcome.REJECTED or not reason.active:
        raise ValidationError(_("Choose a conclusion reason for an accepted situation."))
    if concluded_on > timezone.localdate():
        raise ValidationError(_("The conclusion date cannot be in the future."))
    if situation.accepted_at and concluded_on < timezone.localdate(situation.accepted_at):
        raise ValidationError(_("The conclusion date cannot be before the acceptance."))
    situation.status = Status.CONCLUDED
    situation.conclusion_reason = reason
    situation.concluded_on = concluded_on
    situation.concluded_at = timezone.now()
    with acting(user):
        situation.save()
        sync_grants(situation, by=user, at=situation.concluded_at)
    _changed(situation, "concluded")
    return situation


# ---- Affected persons and identity -------------------------------------------------------------


@dataclass
class Identity:
    full_name: str
    date_of_birth: str = ""
    approximate_age: str = ""
    location: str = ""
    contact_notes: str = ""


@transaction.atomic
def save_person(
    user: User,
    situation: Situation,
    *,
    person: AffectedPerson | None,
    label: str,
    age_group: str,
    gender: str,
    identity: Identity | None,
    risk_factor_ids: Iterable[int] = (),
) -> AffectedPerson:
    situation = _claim(user, situation, "edit_persons")
    if person is not None and person.situation_id != situation.pk:
        raise NotFound
    with acting(user):
        person = person or AffectedPerson(situation=situation)
        person.label, person.age_group, person.gender = label.strip(), age_group, gender
        person.full_clean(exclude=["situation"])
        person.save()
        if identity is not None and identity.full_name.strip():
            details = IdentifyingDetails.objects.filter(person=person).first()
            details = details or IdentifyingDetails(person=person)
            for name, value in vars(identity).items():
                setattr(details, name, value.strip())
            details.full_clean(exclude=["person"])
            details.save()
        if identity is not None:
            # The one write path of identity: repeat detection makes its keys from it here, in
            # memory (linkage/); a name left empty leaves the person without keys.
            typed = identity if identity.full_name.strip() else None
            identity_saved.send(
                sender=Situation, situation=situation, person=person, identity=typed
            )
        situation_factors = set(
            situation.risk_factors.filter(person__isnull=True).values_list("factor_id", flat=True)
        )
        wanted = set(risk_factor_ids)
        if not wanted <= situation_factors:
            raise ValidationError(_("Tie a person only to risk factors of this situation."))
        current = set(person.risk_factors.values_list("factor_id", flat=True))
        for row in person.risk_factors.filter(factor_id__in=current - wanted):
            row.delete()
        for factor_id in wanted - current:
            SituationRiskFactor.objects.create(
                situation=situation, person=person, factor_id=factor_id
            )
    return person


@transaction.atomic
def remove_person(user: User, situation: Situation, person: AffectedPerson) -> None:
    situation = _claim(user, situation, "edit_persons")
    if person.situation_id != situation.pk:
        raise NotFound
    with acting(user):
        person.delete()  # cascades to identity and tied risk factors, each audited


# ---- Retention --------------------------------------------------------------------------------


def purge_identity(situation_id: int, *, now: datetime | None = None) -> bool:
    """Delete one concluded situation's identifying details once its retention period is over."""
    now = now or timezone.now()
    with transaction.atomic():
        situation = (
            Situation.objects.select_for_update(skip_locked=True)
            .select_related("site")
            .filter(pk=situation_id, status=Status.CONCLUDED, identity_purged_at__isnull=True)
            .first()
        )
        if situation is None or situation.purge_due_at > now:
            return False
        _delete_identities(situation)
        situation.identity_purged_at = now
        situation.save()  # the audit entry of the purge
        sync_grants(situation, at=now)
    return True


def purge_expired_identities(now: datetime | None = None) -> int:
    """Catch up on every situation past its site's retention period; safe to run twice."""
    now = now or timezone.now()
    purged = 0
    for site in Site.objects.all():
        cutoff = now - timedelta(days=site.retention_days)
        due = Situation.objects.filter(
            site=site,
            status=Status.CONCLUDED,
            identity_purged_at__isnull=True,
            concluded_at__lte=cutoff,
        ).values_list("pk", flat=True)
        purged += sum(purge_identity(pk, now=now) for pk in list(due))
    retention_swept.send(sender=Situation, now=now)
    return purged


# ---- Filter 4: responses ----------------------------------------------------------------------


@dataclass
class Plan:
    who: str
    planned_for: datetime
    how: str


@transaction.atomic
def save_plan(user: User, situation: Situation, plan: Plan, version: int | None) -> None:
    situation = _claim(user, situation, "respond")
    existing = InterventionPlan.objects.filter(situation=situation).first()
    with acting(user):
        if existing is None:
            existing = InterventionPlan(situation=situation)
        else:
            existing.claim_version(version or 0)
        existing.who, existing.planned_for, existing.how = plan.who, plan.planned_for, plan.how
        existing.updated_by = user
        existing.full_clean(exclude=["situation"])
        existing.save()


def _check_attempted_at(situation: Situation, attempted_at: datetime) -> None:
    if attempted_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError(_("A contact attempt cannot be in the future."))
    if attempted_at < situation.accepted_at - timedelta(days=1):
        raise ValidationError(_("This is long before the table accepted the situation."))


def _recompute_first_contact(situation: Situation) -> None:
    """First contact is the earliest successful contact in the log, whatever order the
    attempts were logged, edited or deleted in. Only the lead and assisting agencies can write
    the log (the policy's "respond"), so every entry is theirs. An attempt logged shortly
    before the table decided counts from the moment the clock started.

    Called inside the transaction of the service that changed the log, with the situation
    locked, so two agencies logging at once cannot leave a stale value behind."""
    earliest = situation.contact_attempts.filter(outcome=ContactOutcome.CONTACTED).aggregate(
        at=Min("attempted_at")
    )["at"]
    first = max(earliest, situation.accepted_at) if earliest is not None else None
    before = situation.first_contact_at
    if first == before:
        return
    situation.first_contact_at = first
    situation.save()
    if before is None:
        first_contact_made.send(sender=Situation, situation=situation)
    elif first is None:
        clock_reopened.send(sender=Situation, situation=situation)


@transaction.atomic
def log_contact(
    user: User,
    situation: Situation,
    *,
    attempted_at: datetime,
    method: str,
    outcome: str,
    notes: str = "",
) -> ContactAttempt:
    """Record an attempt. The earliest successful contact stops the clock and the reminders."""
    situation = _claim(user, situation, "respond")
    _check_attempted_at(situation, attempted_at)
    with acting(user):
        attempt = ContactAttempt(
            situation=situation,
            agency=user.agency,
            attempted_at=attempted_at,
            method=method,
            outcome=outcome,
            notes=notes.strip(),
            logged_by=user,
        )
        attempt.full_clean(exclude=["situation", "agency"])
        attempt.save()
        _recompute_first_contact(situation)
    return attempt


def _claim_attempt(user: User, attempt: ContactAttempt) -> tuple[Situation, ContactAttempt]:
    """The attempt and its situation, both locked, if the policy lets this person correct it
    now. The situation is locked first, as log_contact does, so the two cannot deadlock."""
    reachable = ContactAttempt.objects.restrict(user, "correct", any_state=True)
    situation_id = reachable.filter(pk=attempt.pk).values_list("situation_id", flat=True).first()
    if situation_id is None:
        raise NotFound
    situation = Situation.objects.select_related("site").claim(user, situation_id, "respond")
    return situation, ContactAttempt.objects.claim(user, attempt.pk, "correct")


@transaction.atomic
def edit_contact(
    user: User,
    attempt: ContactAttempt,
    *,
    attempted_at: datetime,
    method: str,
    outcome: str,
    notes: str = "",
) -> ContactAttempt:
    """Correct an attempt the person's agency logged (a wrong time, a wrong outcome). First
    contact follows: it may move earlier or later, start or stop the clock."""
    situation, attempt = _claim_attempt(user, attempt)
    _check_attempted_at(situation, attempted_at)
    with acting(user):
        attempt.attempted_at, attempt.method, attempt.outcome = attempted_at, method, outcome
        attempt.notes = notes.strip()
        attempt.full_clean(exclude=["situation", "agency"])
        attempt.save()
        _recompute_first_contact(situation)
    return attempt


@transaction.atomic
def delete_contact(user: User, attempt: ContactAttempt) -> Situation:
    """Remove an attempt logged by mistake. Deleting the last successful contact reopens the
    clock: the situation is again waiting for its first contact."""
    situation, attempt = _claim_attempt(user, attempt)
    with acting(user):
        attempt.delete()  # audited, its notes masked
        _recompute_first_contact(situation)
    return situation


@transaction.atomic
def add_update(
    user: User,
    situation: Situation,
    text: str,
    proposes_conclusion: bool = False,
    proposed_reason: ConclusionReason | None = None,
) -> SituationUpdate:
    # The lead reports at the table and the chair may record it there.
    situation = _claim(user, situation, "add_update")
    if proposes_conclusion and proposed_reason is None:
        raise ValidationError(_("Choose the conclusion reason you propose."))
    with acting(user):
        # A chair recording the lead's report at the table files it under the lead agency.
        agencies = situation.agencies()
        intervening = agencies[Who.LEAD] | agencies[Who.ASSISTING]
        reporting = user.agency_id if user.agency_id in intervening else situation.lead_agency_id
        update = SituationUpdate(
            situation=situation,
            agency_id=reporting,
            text=text.strip(),
            proposes_conclusion=proposes_conclusion,
            proposed_reason=proposed_reason if proposes_conclusion else None,
            created_by=user,
        )
        update.full_clean(exclude=["situation", "agency"])
        update.save()
    _changed(situation, "update")
    return update


@transaction.atomic
def set_services(user: User, situation: Situation, services_mobilized: Iterable) -> None:
    situation = _claim(user, situation, "respond")
    with acting(user):
        situation.services_mobilized.set(services_mobilized)


# ---- Consent over time, and telling the person -------------------------------------------------


@transaction.atomic
def record_consent(
    user: User,
    situation: Situation,
    *,
    status: str,
    on_date: date,
    reason: str = "",
    note: str = "",
):
    """A step of consent (sought, given, refused, withdrawn, not sought and why), recorded by
    the person's agency, which spoke with the person. Disclosures made from now on take their
    legal basis from the latest step; the situation's consent field is kept as its summary."""
    situation = _claim(user, situation, "record_consent")
    if on_date > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))
    if status == ConsentStatus.NOT_SOUGHT and not reason:
        raise ValidationError(_("Say why consent was not sought."))
    if status == ConsentStatus.NOT_SOUGHT and reason == NotSoughtReason.OTHER and not note.strip():
        raise ValidationError(_("Say in the note why consent was not sought."))
    with acting(user):
        record = ledger.add_consent(
            situation,
            status=status,
            reason=reason,
            note=note,
            on_date=on_date,
            agency_id=user.agency_id,
            by=user,
        )
        latest = ledger.consent_in_force(situation)
        if latest.status == ConsentStatus.GIVEN:
            situation.consent, situation.consent_reason = "obtained", ""
            situation.save()
        elif latest.status != ConsentStatus.SOUGHT:
            situation.consent = "not_obtained"
            situation.consent_reason = latest.note or str(
                latest.get_reason_display() or latest.get_status_display()
            )
            situation.save()
    return record


@transaction.atomic
def record_told(user: User, situation: Situation, *, outcome: str, told_on: date | None = None):
    """The lead agency says whether and when the person was told their information was
    shared, or why not. A later record replaces the answer; the earlier stays as history."""
    situation = _claim(user, situation, "record_told")
    if outcome == Told.TOLD:
        if told_on is None:
            raise ValidationError(_("Give the date the person was told."))
        if told_on > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        if situation.accepted_at and told_on < timezone.localdate(situation.accepted_at):
            raise ValidationError(_("The date cannot be before the table accepted the situation."))
    else:
        told_on = None
    with acting(user):
        return ledger.add_telling(
            situation, outcome=outcome, told_on=told_on, agency_id=user.agency_id, by=user
        )
