"""People workflows: each touches the person, their seats and their agency group, atomically.

Administrators are accountable (docs/threat-model.md). Nobody sets another person's password:
an administrator sends a link, and the person chooses. Every administrative act on a person,
from the app's People pages or from the Django admin, is an audit entry naming the act (Act),
so the privacy officer's trail shows who did what to whom; the person is told by email of the
acts that could let someone else into their account (NOTIFIED). Emails are sent by the worker
(agencies.tasks) after the transaction commits: tasks carry ids, never addresses or tokens.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import urlsplit

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import mfa, policy
from core.audit import acting
from core.errors import NotFound, WrongState

from .language import speaking
from .models import Membership, Site, User


class Act(models.TextChoices):
    """What an administrator did to a person, as the audit trail names it."""

    INVITED = "invited", gettext_lazy("Invitation sent")
    RESET_LINK = "reset_link", gettext_lazy("Password reset link sent")
    FACTORS_RESET = "factors_reset", gettext_lazy("Two-step sign-in reset")
    ROLE_CHANGED = "role_changed", gettext_lazy("Role changed")
    SUPERUSER_CHANGED = "superuser_changed", gettext_lazy("Superuser status changed")
    SEATS_CHANGED = "seats_changed", gettext_lazy("Seats changed")
    AGENCY_CHANGED = "agency_changed", gettext_lazy("Agency changed")
    EMAIL_CHANGED = "email_changed", gettext_lazy("Email address changed")
    DEACTIVATED = "deactivated", gettext_lazy("Deactivated")
    REACTIVATED = "reactivated", gettext_lazy("Reactivated")

    @classmethod
    def of(cls, entry: LogEntry):
        """The act an audit entry records, or None for an ordinary change."""
        data = entry.additional_data
        act = data.get("act") if isinstance(data, dict) else None
        return cls(act) if act in cls.values else None


# Told to the person: each could let someone else into the account, or widen what it reaches.
# A reset link needs no separate notice: the email that carries it says who sent it.
NOTIFIED = frozenset(
    {Act.FACTORS_RESET, Act.ROLE_CHANGED, Act.SUPERUSER_CHANGED, Act.EMAIL_CHANGED}
)

ROLE_FLAGS = ("is_steering", "is_administrator", "is_privacy_officer")


@dataclass(frozen=True)
class Seat:
    site: Site
    role: str


@dataclass(frozen=True)
class Standing:
    """What a person is and may reach: compared before and after an edit to find the acts."""

    roles: frozenset[str]
    superuser: bool
    agency: str | None
    seats: frozenset[tuple[str, str]]
    active: bool
    email: str


def standing(pk: int) -> Standing:
    """Read from the database, so an edit's form values (already on an instance) don't count."""
    person = User.objects.select_related("agency").get(pk=pk)
    return Standing(
        roles=frozenset(flag for flag in ROLE_FLAGS if getattr(person, flag)),
        superuser=person.is_superuser,
        agency=person.agency.short_name if person.agency_id else None,
        seats=frozenset(Membership.objects.filter(user_id=pk).values_list("site__code", "role")),
        active=person.is_active,
        email=person.email,
    )


def _claim(actor: User, person: User, action: str) -> User:
    """The person, locked, if the policy's PERSON rules let `actor` do `action` to them. What a
    person is (superuser, administrator) is not a passing state: refused is simply not found,
    as in the app's pages and the Django admin."""
    try:
        return User.objects.claim(actor, person.pk, action)
    except WrongState:
        raise NotFound from None


def _record(actor: User | None, person: User, act: Act, changes=None, **data) -> LogEntry:
    entry = LogEntry.objects.log_create(
        person,
        action=LogEntry.Action.UPDATE,
        actor=actor,
        force_log=True,
        changes=changes or {"act": [None, str(act.value)]},
        additional_data={"act": str(act.value), **data},
    )
    if act in NOTIFIED:
        from .tasks import email_notice

        email_notice.delay_on_commit(entry.pk, translation.get_language())
    return entry


def _set_seats(person: User, seats: Iterable[Seat]) -> None:
    wanted = {seat.site.pk: seat.role for seat in seats} if person.agency_id else {}
    existing = {m.site_id: m for m in person.memberships.all()}
    for site_id, membership in existing.items():
        if site_id not in wanted:
            membership.delete()
        elif membership.role != wanted[site_id]:
            membership.role = wanted[site_id]
            membership.save(update_fields=["role"])
    for site_id, role in wanted.items():
        if site_id not in existing:
            Membership.objects.create(user=person, site_id=site_id, role=role)


@transaction.atomic
def send_password_link(actor: User, person: User) -> Act:
    """Email the person a one-time link to choose their password: an invitation if they never
    chose one, a reset link otherwise. Returns which it was."""
    person = _claim(actor, person, "manage")
    if not person.is_active:
        raise WrongState(_("%(name)s is deactivated: reactivate them first.") % {"name": person})
    act = Act.RESET_LINK if person.has_usable_password() else Act.INVITED
    entry = _record(actor, person, act)
    from .tasks import email_password_link

    email_password_link.delay_on_commit(entry.pk, translation.get_language())
    return act


@transaction.atomic
def reset_factors(actor: User, person: User) -> None:
    """Forget the person's authenticator and recovery codes; they enrol again at their next
    sign-in. Never another administrator's (the policy): that would let the resetter's
    accomplice in."""
    person = _claim(actor, person, "reset_factors")
    mfa.reset_factors(person)
    _record(actor, person, Act.FACTORS_RESET)


def end_sessions(person: User) -> int:
    """Delete every stored session of the person, so nothing of theirs stays in the session
    table. Sessions are not indexed by person, so each stored one is decoded; the 12-hour
    absolute timeout and the daily clearsessions keep them few."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    rows = store.get_model_class().objects.values_list("session_key", "session_data")
    for key, data in rows.iterator():
        if store().decode(data).get(SESSION_KEY) == str(person.pk):
            store(session_key=key).delete()
            ended += 1
    return ended


def record_changes(actor: User, person: User, before: Standing) -> list[Act]:
    """Audit each administrative act an edit made (from `before` to what is saved now), tell
    the person of the security-relevant ones, and end a deactivated person's sessions. Called
    inside the edit's transaction, by the app's edit service and by the Django admin."""
    after = standing(person.pk)
    acts = []

    def record(act, changes=None, **data):
        _record(actor, person, act, changes, **data)
        acts.append(act)

    if before.roles != after.roles:
        changed = sorted(before.roles ^ after.roles)
        record(
            Act.ROLE_CHANGED,
            {flag: [flag in before.roles, flag in after.roles] for flag in changed},
        )
    if before.superuser != after.superuser:
        record(Act.SUPERUSER_CHANGED, {"is_superuser": [before.superuser, after.superuser]})
    if before.agency != after.agency:
        record(Act.AGENCY_CHANGED, {"agency": [before.agency, after.agency]})
    if before.seats != after.seats:
        record(
            Act.SEATS_CHANGED,
            {"seats": [sorted(map(list, before.seats)), sorted(map(list, after.seats))]},
        )
    if before.email != after.email:
        # The notice goes to the address the account had: an administrator who points it
        # at their own mailbox to receive a reset link is seen by its owner.
        record(Act.EMAIL_CHANGED, {"email": [before.email, after.email]}, previous=before.email)
    if before.active and not after.active:
        record(Act.DEACTIVATED, {"is_active": [True, False]})
        end_sessions(person)
    elif after.active and not before.active:
        record(Act.REACTIVATED, {"is_active": [False, True]})
    return acts


@transaction.atomic
def provision_person(actor: User, *, fields: dict, seats: Iterable[Seat]) -> User:
    """Create a person with no usable password and invite them to choose one."""
    if not policy.allows(actor, "administer"):
        raise NotFound
    with acting(actor):
        person = User(**fields)
        person.set_unusable_password()
        person.full_clean()
        person.save()
        _set_seats(person, seats)
    send_password_link(actor, person)
    return person


@transaction.atomic
def update_person(
    actor: User, person: User, *, fields: dict, seats: Iterable[Seat], version: int
) -> User:
    """Apply an edit made from `version`; raises ConcurrentEdit if someone saved since."""
    person = _claim(actor, person, "manage")
    before = standing(person.pk)
    person.claim_version(version)
    with acting(actor):
        for name, value in fields.items():
            setattr(person, name, value)
        person.full_clean()
        person.save()
        _set_seats(person, seats)
    record_changes(actor, person, before)
    return person


# ---- What the worker sends (agencies.tasks) ------------------------------------------------


def _password_path(person: User) -> str:
    return reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )


def _act_entry(entry_id: int) -> tuple[LogEntry, User] | None:
    entry = LogEntry.objects.select_related("actor").filter(pk=entry_id).first()
    if entry is None or entry.object_id is None:
        return None
    person = User.objects.filter(pk=entry.object_id).first()
    return (entry, person) if person is not None else None


def _send(subject: str, body: str, address: str) -> None:
    """One email, in the language active now (the recipient's: see `speaking`), saying so."""
    EmailMessage(
        str(subject),
        body,
        None,
        [address],
        headers={"Content-Language": translation.get_language()},
    ).send()


def deliver_password_link(entry_id: int) -> bool:
    """The invitation or reset link an administrator sent (the audit entry says which). The
    token is made here, in the worker, so it never passes through the broker."""
    found = _act_entry(entry_id)
    if found is None or not found[1].is_active:
        return False  # gone or deactivated since: no link to an account that cannot be used
    entry, person = found
    invitation = Act.of(entry) == Act.INVITED
    context = {
        "person": person,
        "actor": entry.actor,
        "link": f"{settings.SITE_URL}{_password_path(person)}",
    }
    with speaking(person):
        _send(
            _("Your FOCUS situation table account")
            if invitation
            else _("A link to choose a new password"),
            render_to_string(
                "agencies/email/invitation.txt" if invitation else "agencies/email/reset_link.txt",
                context,
            ),
            person.email,
        )
    return True


def deliver_notice(entry_id: int) -> bool:
    """Tell the person what an administrator did to their account. No case data, ever."""
    found = _act_entry(entry_id)
    act = Act.of(found[0]) if found else None
    if act not in NOTIFIED:
        return False
    entry, person = found
    address = entry.additional_data.get("previous") or person.email
    context = {
        "person": person,
        "actor": entry.actor,
        "act": act,
        "when": timezone.localtime(entry.timestamp),
    }
    with speaking(person):
        _send(
            _("A change to your FOCUS situation table account"),
            render_to_string("agencies/email/notice.txt", context),
            address,
        )
    return True


def deliver_reset_links(person_ids: list[int]) -> int:
    """The "forgot your password" emails, for the accounts the request found (often none)."""
    site = urlsplit(settings.SITE_URL)
    sent = 0
    for person in User.objects.filter(pk__in=person_ids, is_active=True):
        context = {
            "email": person.email,
            "protocol": site.scheme,
            "domain": site.netloc + site.path,
            "uid": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
            "user": person,
        }
        with speaking(person):
            subject = render_to_string("registration/password_reset_subject.txt", context)
            _send(
                "".join(subject.splitlines()),
                render_to_string("registration/password_reset_email.html", context),
                person.email,
            )
        sent += 1
    return sent
