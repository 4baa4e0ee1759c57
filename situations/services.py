"""Every change to a situation goes through one of these functions.

Each is atomic, checks who may act, locks the row and checks the source state (so two chairs
cannot both decide), lets auditlog record the change, and brings the guardian grants in step
with the new state (design.md §2) through `sync_grants`, the single place that table lives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from auditlog.context import set_actor
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Membership, Site, User

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
    Status,
)
from .signals import first_contact_made

PERMS = ("view_identity", "log_response")


class TransitionError(Exception):
    """The situation is not in a state that allows this step (someone else may have acted)."""

    def __init__(self, message=None):
        self.message = message or _(
            "This situation has changed since you opened it, so that step is no longer possible. "
            "Reload the page to see where it stands."
        )
        super().__init__(self.message)


# ---- Who may act ------------------------------------------------------------------------------


def chairs_site(user: User, site: Site) -> bool:
    return user.is_authenticated and site.pk in user.chaired_site_ids


def agencies_at_site(site: Site):
    """Agencies that sit at the site: those with at least one active person holding a seat."""
    return Agency.objects.filter(
        active=True, people__memberships__site=site, people__is_active=True
    ).distinct()


def _require(condition: bool) -> None:
    # Not allowed looks exactly like not there.
    if not condition:
        raise Http404


def _require_originator(user: User, situation: Situation) -> None:
    _require(
        Situation.objects.restrict(user).filter(pk=situation.pk).exists()
        and user.agency_id == situation.originating_agency_id
    )


def _require_chair(user: User, situation: Situation) -> None:
    _require(
        Situation.objects.restrict(user).filter(pk=situation.pk).exists()
        and chairs_site(user, situation.site)
    )


def _lock(situation: Situation, *allowed: str) -> Situation:
    locked = Situation.objects.select_for_update().select_related("site").get(pk=situation.pk)
    if locked.status not in allowed:
        raise TransitionError
    return locked


# ---- Grants -----------------------------------------------------------------------------------


def expected_grants(situation: Situation) -> set[tuple[int, str]]:
    """(agency id, codename) pairs the situation's state calls for: design.md §2 in one place."""
    status = situation.status
    if status in (Status.DRAFT, Status.SUBMITTED):
        return {(situation.originating_agency_id, perm) for perm in PERMS}
    if status == Status.OPEN:
        # The originating agency keeps sight of its own client; the plan and the log belong to
        # the agencies that intervene (domain.md §5).
        return {(a, "view_identity") for a in situation.involved_agency_ids()} | {
            (a, "log_response") for a in situation.intervening_agency_ids()
        }
    if status == Status.CONCLUDED and situation.identity_purged_at is None:
        return {(agency, "view_identity") for agency in situation.involved_agency_ids()}
    return set()


def actual_grants(situation: Situation) -> set[tuple[int, str]]:
    rows = SituationGroupObjectPermission.objects.filter(content_object=situation).values_list(
        "group__agency__id", "permission__codename"
    )
    return set(rows)


def _permissions() -> dict[str, Permission]:
    ct = ContentType.objects.get_for_model(Situation)
    return {p.codename: p for p in Permission.objects.filter(content_type=ct, codename__in=PERMS)}


def sync_grants(situation: Situation) -> None:
    """Make the guardian rows match the state. Grants go to agency groups, never to people."""
    wanted, have = expected_grants(situation), actual_grants(situation)
    perms = _permissions()
    for agency_id, codename in have - wanted:
        SituationGroupObjectPermission.objects.filter(
            content_object=situation, group__agency__id=agency_id, permission=perms[codename]
        ).delete()
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


@transaction.atomic
def create_draft(user: User, site: Site, record: Record) -> Situation:
    """Filter 1: the originating agency drafts; nobody else sees it yet."""
    _require(
        user.agency_id is not None
        and Membership.objects.filter(user=user, site=site, site__active=True).exists()
    )
    with set_actor(user):
        situation = Situation(
            site=site,
            reference=_next_reference(site),
            originating_agency=user.agency,
            created_by=user,
            status=Status.DRAFT,
        )
        _apply_record(situation, record)
        sync_grants(situation)
    return situation


def can_edit_record(user: User, situation: Situation, can: dict | None = None) -> bool:
    """The de-identified record: its agency edits before the table decides, chairs after.
    `can` is Situation.objects.abilities() when the caller already has it."""
    if can is None:
        can = {"view": Situation.objects.restrict(user).filter(pk=situation.pk).exists()}
    if not can["view"]:
        return False
    if situation.status in (Status.DRAFT, Status.SUBMITTED):
        return user.agency_id == situation.originating_agency_id
    return situation.status == Status.OPEN and chairs_site(user, situation.site)


@transaction.atomic
def update_record(user: User, situation: Situation, record: Record, version: int) -> Situation:
    _require(can_edit_record(user, situation))
    situation = _lock(situation, Status.DRAFT, Status.SUBMITTED, Status.OPEN)
    situation.claim_version(version)
    with set_actor(user):
        _apply_record(situation, record)
    return situation


@transaction.atomic
def submit(user: User, situation: Situation) -> Situation:
    """Filter 2: the de-identified record goes to the site's next meeting."""
    _require_originator(user, situation)
    situation = _lock(situation, Status.DRAFT)
    if not situation.risk_factors.exists():
        raise TransitionError(_("Add at least one risk factor before submitting to the table."))
    situation.status = Status.SUBMITTED
    situation.submitted_at = timezone.now()
    with set_actor(user):
        situation.save()
    return situation


@transaction.atomic
def withdraw(user: User, situation: Situation) -> Situation:
    """The originating agency takes back a situation the table has not decided; identity goes."""
    _require_originator(user, situation)
    situation = _lock(situation, Status.DRAFT, Status.SUBMITTED)
    with set_actor(user):
        _delete_identities(situation)
        situation.status = Status.WITHDRAWN
        situation.save()
        sync_grants(situation)
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
    _require_chair(user, situation)
    situation = _lock(situation, Status.SUBMITTED)
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
    with set_actor(user):
        situation.save()
        situation.assisting_agencies.set(assignment.assisting)
        sync_grants(situation)
    return situation


@transaction.atomic
def reassign(user: User, situation: Situation, assignment: Assignment) -> Situation:
    """Change lead or assisting agencies of an open situation; grants follow at once."""
    _require_chair(user, situation)
    situation = _lock(situation, Status.OPEN)
    _check_assignment(situation.site, assignment)
    situation.lead_agency = assignment.lead
    with set_actor(user):
        situation.save()
        situation.assisting_agencies.set(assignment.assisting)
        sync_grants(situation)
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
    _require_chair(user, situation)
    situation = _lock(situation, Status.SUBMITTED)
    now = timezone.now()
    with set_actor(user):
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
        sync_grants(situation)
    return situation


@transaction.atomic
def conclude(
    user: User, situation: Situation, reason: ConclusionReason, concluded_on: date | None = None
) -> Situation:
    """Close the situation. Identity stays readable until the site's retention period ends."""
    _require_chair(user, situation)
    situation = _lock(situation, Status.OPEN)
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
    with set_actor(user):
        situation.save()
        sync_grants(situation)
    return situation


# ---- Affected persons and identity -------------------------------------------------------------


@dataclass
class Identity:
    full_name: str
    date_of_birth: str = ""
    approximate_age: str = ""
    location: str = ""
    contact_notes: str = ""


def _require_identity_editor(user: User, situation: Situation) -> Situation:
    """Those with log_response (originating agency before the decision, involved agencies
    while open) keep the persons and their identity."""
    found = (
        Situation.objects.restrict(user, "log_response")
        .select_for_update()
        .filter(pk=situation.pk, status__in=[Status.DRAFT, Status.SUBMITTED, Status.OPEN])
        .first()
    )
    _require(found is not None)
    return found


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
    situation = _require_identity_editor(user, situation)
    if person is not None and person.situation_id != situation.pk:
        raise Http404
    with set_actor(user):
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
    situation = _require_identity_editor(user, situation)
    if person.situation_id != situation.pk:
        raise Http404
    with set_actor(user):
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
        sync_grants(situation)
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
    return purged


# ---- Filter 4: responses ----------------------------------------------------------------------


def _require_responder(user: User, situation: Situation) -> Situation:
    """Lead and assisting agencies (log_response), while the situation is open."""
    found = (
        Situation.objects.restrict(user, "log_response")
        .select_for_update(of=("self",))
        .select_related("site")
        .filter(pk=situation.pk, status=Status.OPEN)
        .first()
    )
    _require(found is not None)
    return found


def _lock_open_for_update(user: User, situation: Situation) -> Situation:
    if chairs_site(user, situation.site):
        found = (
            Situation.objects.restrict(user)
            .select_for_update(of=("self",))
            .filter(pk=situation.pk, status=Status.OPEN)
            .first()
        )
        _require(found is not None)
        return found
    return _require_responder(user, situation)


@dataclass
class Plan:
    who: str
    planned_for: datetime
    how: str


@transaction.atomic
def save_plan(user: User, situation: Situation, plan: Plan, version: int | None) -> None:
    situation = _require_responder(user, situation)
    existing = InterventionPlan.objects.filter(situation=situation).first()
    with set_actor(user):
        if existing is None:
            existing = InterventionPlan(situation=situation)
        else:
            existing.claim_version(version or 0)
        existing.who, existing.planned_for, existing.how = plan.who, plan.planned_for, plan.how
        existing.updated_by = user
        existing.full_clean(exclude=["situation"])
        existing.save()


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
    """Record an attempt. The first successful contact stops the clock and the reminders."""
    situation = _require_responder(user, situation)
    now = timezone.now()
    if attempted_at > now + timedelta(minutes=5):
        raise ValidationError(_("A contact attempt cannot be in the future."))
    if attempted_at < situation.accepted_at - timedelta(days=1):
        raise ValidationError(_("This is long before the table accepted the situation."))
    with set_actor(user):
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
        if outcome == ContactOutcome.CONTACTED and situation.first_contact_at is None:
            situation.first_contact_at = max(attempted_at, situation.accepted_at)
            situation.save()
            first_contact_made.send(sender=Situation, situation=situation)
    return attempt


@transaction.atomic
def add_update(
    user: User,
    situation: Situation,
    text: str,
    proposes_conclusion: bool = False,
    proposed_reason: ConclusionReason | None = None,
) -> SituationUpdate:
    # The lead reports at the table and the chair may record it there.
    situation = _lock_open_for_update(user, situation)
    if proposes_conclusion and proposed_reason is None:
        raise ValidationError(_("Choose the conclusion reason you propose."))
    with set_actor(user):
        # A chair recording the lead's report at the table files it under the lead agency.
        reporting = (
            user.agency_id
            if user.agency_id in situation.intervening_agency_ids()
            else situation.lead_agency_id
        )
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
    return update


@transaction.atomic
def set_services(user: User, situation: Situation, services_mobilized: Iterable) -> None:
    situation = _require_responder(user, situation)
    with set_actor(user):
        situation.services_mobilized.set(services_mobilized)
