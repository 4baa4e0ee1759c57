"""Who may do what: the access policy, written as data (docs/architecture.md, "The policy").

Read it as a table. For each kind of object, each action lists the rules that allow it. A rule
names *who* (a role the person holds, or their relationship to the object) and the *states* of
the object in which it holds. An action is allowed when any of its rules holds. Nothing here
touches the database or imports an app: the gates interpret these rules (`restrict()` on each
model's queryset, `allows()` for actions on no object), the services ask the gates, templates
read capability flags computed from the same rules, and the guardian grants that
`situations.services.sync_grants` writes are derived from GRANTS.

The permission matrix in tests/ is written by hand and does not read this module: a test must
not take its expectations from the rules it checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Who(StrEnum):
    """Roles a person holds, and relationships a person can have to an object."""

    # Held everywhere (flags on the person).
    STEERING = "steering"
    ADMINISTRATOR = "administrator"
    PRIVACY_OFFICER = "privacy_officer"
    SUPERUSER = "superuser"
    MEMBER = "member"  # belongs to an agency
    # Seats. On an object: at the object's site. On no object: at any site.
    SEATED = "seated"  # any seat, whatever its role
    CHAIR = "chair"
    CO_CHAIR = "co_chair"
    # A person's agency's relationship to a situation.
    ORIGINATING = "originating"
    LEAD = "lead"
    ASSISTING = "assisting"
    # A person's relationship to a notification.
    RECIPIENT = "recipient"
    # The person may view the situation the object is about.
    SEES_SITUATION = "sees_situation"
    # The person's agency owns the object (an action item; a contact attempt it logged).
    OWNER = "owner"


class Granted(StrEnum):
    """The person's agency holds this guardian object permission on the situation
    (need-to-know, docs/design.md §1). The rows are derived from GRANTS below."""

    VIEW_IDENTITY = "view_identity"
    LOG_RESPONSE = "log_response"


class Kind(StrEnum):
    SITUATION = "situation"
    SITE = "site"
    MEETING = "meeting"
    AGENDA_ITEM = "agenda_item"
    ACTION_ITEM = "action_item"
    BARRIER = "barrier"
    REMINDER = "reminder"
    CONTACT_ATTEMPT = "contact_attempt"
    PERSON = "person"
    AUDIT_ENTRY = "audit_entry"


class State(StrEnum):
    # Situations (docs/design.md §3). "purged" is a concluded situation whose identifying
    # details are gone: the record stays, need-to-know ends.
    DRAFT = "draft"
    SUBMITTED = "submitted"
    OPEN = "open"
    REJECTED = "rejected"
    CONCLUDED = "concluded"
    PURGED = "purged"
    WITHDRAWN = "withdrawn"
    # Sites
    ACTIVE = "active"
    INACTIVE = "inactive"
    # Meetings. "closed": minutes still a draft; "minutes_approved": locked, addenda only.
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    MINUTES_APPROVED = "minutes_approved"
    CANCELLED = "cancelled"
    # Action items
    ACTION_OPEN = "action_open"
    ACTION_CLOSED = "action_closed"
    # Barriers
    BARRIER_OPEN = "barrier_open"
    BARRIER_DONE = "barrier_done"
    # People, as targets of an administrator's act: the most powerful thing they are.
    IS_SUPERUSER = "is_superuser"
    IS_ADMINISTRATOR = "is_administrator"
    IS_OTHER = "is_other"


@dataclass(frozen=True)
class Rule:
    who: frozenset  # of Who and Granted: any of them
    states: frozenset | None  # of State: any of them; None means in every state

    def __str__(self) -> str:
        states = "any state" if self.states is None else " / ".join(sorted(self.states))
        return f"{' or '.join(sorted(self.who))} ({states})"


def allow(*who: Who | Granted, in_: Iterable[State] | None = None) -> Rule:
    return Rule(frozenset(who), None if in_ is None else frozenset(in_))


CHAIRS = (Who.CHAIR, Who.CO_CHAIR)
INTERVENING = (Who.LEAD, Who.ASSISTING)
INVOLVED = (Who.ORIGINATING, Who.LEAD, Who.ASSISTING)

# Situations the whole site sees; drafts (and withdrawn drafts) stay with their agency.
TABLE_STATES = (State.SUBMITTED, State.OPEN, State.REJECTED, State.CONCLUDED, State.PURGED)
# The record can still change.
LIVE_STATES = (State.DRAFT, State.SUBMITTED, State.OPEN)

# ---- Situations -------------------------------------------------------------------------------
# Scope: every situation rule holds only at a site where the person has a seat (SCOPES below).

SITUATION = {
    "view": (
        allow(Who.SEATED, in_=TABLE_STATES),
        allow(Who.ORIGINATING, in_=(State.DRAFT, State.WITHDRAWN)),
    ),
    # Every other action holds only where "view" does (the gates add it): nobody acts on what
    # they cannot see.
    # Who viewed, who changed: the agencies involved.
    "history": (allow(*INVOLVED),),
    # The plan and the contact log (filter 4).
    "view_response": (allow(*INTERVENING),),
    # Identifying details (filter 3).
    "view_identity": (allow(Granted.VIEW_IDENTITY),),
    "edit_persons": (allow(Granted.LOG_RESPONSE, in_=LIVE_STATES),),
    "respond": (allow(Granted.LOG_RESPONSE, in_=(State.OPEN,)),),
    # The lead reports at the table, and the chair may record it there.
    "add_update": (allow(Granted.LOG_RESPONSE, *CHAIRS, in_=(State.OPEN,)),),
    # The de-identified record: its agency before the table decides, the chairs after.
    "edit_record": (
        allow(Who.ORIGINATING, in_=(State.DRAFT, State.SUBMITTED)),
        allow(*CHAIRS, in_=(State.OPEN,)),
    ),
    "submit": (allow(Who.ORIGINATING, in_=(State.DRAFT,)),),
    "withdraw": (allow(Who.ORIGINATING, in_=(State.DRAFT, State.SUBMITTED)),),
    "accept": (allow(*CHAIRS, in_=(State.SUBMITTED,)),),
    "reject": (allow(*CHAIRS, in_=(State.SUBMITTED,)),),
    "reassign": (allow(*CHAIRS, in_=(State.OPEN,)),),
    "conclude": (allow(*CHAIRS, in_=(State.OPEN,)),),
    "link_barrier": (allow(Who.SEATED, in_=TABLE_STATES),),
    # Consent over time: recorded by an agency that spoke with the person, which is one that
    # holds identity (the originating agency before the decision, the intervening ones
    # after); the same people read the history.
    "record_consent": (allow(Granted.VIEW_IDENTITY),),
    # Whether the person was told their information was shared: the lead agency says, while
    # the situation is open and after, the purge included (it needs no identity).
    "record_told": (allow(Who.LEAD, in_=(State.OPEN, State.CONCLUDED, State.PURGED)),),
    # Possible repeats (linkage/): a similar person presented before, here or at another
    # table. The originating agency sees it while drafting; the chairs when the table has it.
    # Nobody else learns that a match exists.
    "see_repeats": (
        allow(Who.ORIGINATING, in_=(State.DRAFT,)),
        allow(*CHAIRS, in_=(State.SUBMITTED, State.OPEN)),
    ),
    # Link ("the same person": it counts as a repeat) or dismiss; never merge.
    "link_repeat": (allow(*CHAIRS, in_=(State.SUBMITTED, State.OPEN)),),
}

# Need-to-know, held by agencies (their auth groups) as guardian rows: docs/design.md §2.
# Only agency relationships may appear here.
GRANTS = {
    Granted.VIEW_IDENTITY: (
        allow(Who.ORIGINATING, in_=(State.DRAFT, State.SUBMITTED, State.OPEN, State.CONCLUDED)),
        allow(*INTERVENING, in_=(State.OPEN, State.CONCLUDED)),
    ),
    Granted.LOG_RESPONSE: (
        allow(Who.ORIGINATING, in_=(State.DRAFT, State.SUBMITTED)),
        allow(*INTERVENING, in_=(State.OPEN,)),
    ),
}

# ---- Sites, meetings, barriers, notifications -----------------------------------------------

# No "view" for sites: a site's name is not confidential, and each page of a site asks for
# what it shows (its roster, its work, its figures).
SITE = {
    "see_roster": (
        allow(Who.SEATED, in_=(State.ACTIVE,)),
        allow(Who.ADMINISTRATOR, Who.SUPERUSER),
    ),
    # The table's work: its situations, meetings and barriers.
    "work": (allow(Who.SEATED, in_=(State.ACTIVE,)),),
    # When it meets, on home.
    "see_schedule": (allow(Who.SEATED, Who.STEERING, in_=(State.ACTIVE,)),),
    "start_situation": (allow(Who.SEATED, in_=(State.ACTIVE,)),),
    "raise_barrier": (allow(Who.SEATED, in_=(State.ACTIVE,)),),
    # Aggregates: exact for chairs (their own sites), suppressed for the steering committee.
    # Steering counts closed sites too: closing one must change no figure already published
    # (the difference would be that site's figures, unprotected; dashboard/metrics.py).
    "count": (allow(*CHAIRS, in_=(State.ACTIVE,)), allow(Who.STEERING)),
    "count_exactly": (allow(*CHAIRS, in_=(State.ACTIVE,)),),
    # The RTD-shaped, de-identified rows.
    "export_rows": (allow(*CHAIRS, in_=(State.ACTIVE,)),),
    "run_meetings": (allow(*CHAIRS, in_=(State.ACTIVE,)),),
    "add_meeting": (allow(*CHAIRS, in_=(State.ACTIVE,)),),
}

MEETING = {
    "view": (allow(Who.SEATED),),
    # Attendance, the order of the agenda, pulling a late submission in.
    "prepare": (allow(*CHAIRS, in_=(State.SCHEDULED, State.IN_PROGRESS)),),
    "reschedule": (allow(*CHAIRS, in_=(State.SCHEDULED,)),),
    "cancel": (allow(*CHAIRS, in_=(State.SCHEDULED,)),),
    "start": (allow(*CHAIRS, in_=(State.SCHEDULED,)),),
    "run": (allow(*CHAIRS, in_=(State.IN_PROGRESS,)),),
    "close": (allow(*CHAIRS, in_=(State.IN_PROGRESS,)),),
    "read_minutes": (allow(Who.SEATED, in_=(State.CLOSED, State.MINUTES_APPROVED)),),
    # Notes and actions: live, and after the meeting until the minutes are approved.
    "edit_minutes": (allow(*CHAIRS, in_=(State.IN_PROGRESS, State.CLOSED)),),
    "approve_minutes": (allow(*CHAIRS, in_=(State.CLOSED,)),),
    "add_addendum": (allow(*CHAIRS, in_=(State.MINUTES_APPROVED,)),),
}

ACTION_ITEM = {
    "view": (allow(Who.SEATED),),
    # Its owner agency says it is done, or not possible; the chairs can too, at the table.
    "close": (allow(Who.OWNER, *CHAIRS, in_=(State.ACTION_OPEN,)),),
}

# Items are reached through their meeting, and only where the person sees the situation.
# Their states are their meeting's; whether an item is still undecided is the services' check.
AGENDA_ITEM = {
    "view": (allow(Who.SEATED),),
    "arrange": (allow(*CHAIRS, in_=(State.SCHEDULED, State.IN_PROGRESS)),),  # move, defer
    "decide": (allow(*CHAIRS, in_=(State.IN_PROGRESS,)),),  # decisions, the current item
}

BARRIER = {
    # Steering: every barrier. Members: those raised at (or linked from) a site where they sit.
    "view": (allow(Who.STEERING), allow(Who.SEATED)),
    "steer": (allow(Who.STEERING),),
    "link": (allow(Who.SEATED, in_=(State.BARRIER_OPEN,)),),
}

REMINDER = {
    "view": (allow(Who.RECIPIENT),),
}

# A contact attempt in a situation's log (filter 4). The log is read with the situation
# ("view_response"); an entry is corrected or deleted only by the agency that logged it, and
# only while the clock it may have stopped can still change. Its states are its situation's.
CONTACT_ATTEMPT = {
    "correct": (allow(Who.OWNER, in_=(State.OPEN,)),),
}

# ---- People and the audit trail ----------------------------------------------------------------

PERSON = {
    # Administrators manage everyone but superusers; only a superuser manages a superuser.
    "manage": (
        allow(Who.SUPERUSER),
        allow(Who.ADMINISTRATOR, in_=(State.IS_ADMINISTRATOR, State.IS_OTHER)),
    ),
    # A second factor reset lets the resetter's accomplice in: never another administrator's.
    "reset_factors": (
        allow(Who.SUPERUSER),
        allow(Who.ADMINISTRATOR, in_=(State.IS_OTHER,)),
    ),
}

AUDIT_ENTRY = {
    "view": (allow(Who.PRIVACY_OFFICER),),
}

# What every rule of a kind also requires, whatever it says: case work stays at the table
# where the person sits (people at another table see nothing of it, docs/domain.md §5), and an
# agenda item exists for a person only where its situation does.
SCOPES = {
    Kind.SITUATION: (Who.SEATED,),
    Kind.MEETING: (Who.SEATED,),
    Kind.AGENDA_ITEM: (Who.SEATED, Who.SEES_SITUATION),
    Kind.ACTION_ITEM: (Who.SEATED,),
    # Only while the agency may still write the situation's log: one taken off the situation
    # keeps its entries in the log but can no longer change them.
    Kind.CONTACT_ATTEMPT: (Who.SEATED, Granted.LOG_RESPONSE),
}

RULES = {
    Kind.SITUATION: SITUATION,
    Kind.SITE: SITE,
    Kind.MEETING: MEETING,
    Kind.AGENDA_ITEM: AGENDA_ITEM,
    Kind.ACTION_ITEM: ACTION_ITEM,
    Kind.BARRIER: BARRIER,
    Kind.REMINDER: REMINDER,
    Kind.CONTACT_ATTEMPT: CONTACT_ATTEMPT,
    Kind.PERSON: PERSON,
    Kind.AUDIT_ENTRY: AUDIT_ENTRY,
}

# ---- Actions on no object (pages, exports, the Django admin) ---------------------------------
# A seat-role here means "holds that seat somewhere".

GLOBAL = {
    "administer": (Who.ADMINISTRATOR, Who.SUPERUSER),  # people, agencies, sites, lists
    "system_health": (Who.ADMINISTRATOR, Who.SUPERUSER),
    "audit_trail": (Who.PRIVACY_OFFICER,),  # the audit trail, grants check, retention
    # Access and correction requests: the one place a privacy officer reads identity, for
    # the person who asked (docs/design.md §9).
    "access_requests": (Who.PRIVACY_OFFICER,),
    "dashboard": (Who.STEERING, *CHAIRS),
    "barrier_register": (Who.STEERING, Who.SEATED),
    "barrier_report": (Who.STEERING, Who.SEATED),
    "my_situations": (Who.MEMBER,),
    "calendar": (Who.SEATED,),
    "notifications": (Who.MEMBER,),
    # The banner that says reminders may be late.
    "watch_clock": (Who.ADMINISTRATOR, Who.SUPERUSER, *CHAIRS),
}

# Every person signs in with a second factor (docs/threat-model.md).
SECOND_FACTOR = (
    Who.MEMBER,
    Who.STEERING,
    Who.ADMINISTRATOR,
    Who.PRIVACY_OFFICER,
    Who.SUPERUSER,
)


# ---- Reading the table ---------------------------------------------------------------------


def roles_of(user) -> frozenset[Who]:
    """The roles a person holds anywhere (seat roles: at some active site)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return frozenset()
    held = set()
    if user.is_superuser:
        held.add(Who.SUPERUSER)
    if user.is_steering:
        held.add(Who.STEERING)
    if user.is_administrator:
        held.add(Who.ADMINISTRATOR)
    if user.is_privacy_officer:
        held.add(Who.PRIVACY_OFFICER)
    if user.agency_id is not None:
        held.add(Who.MEMBER)
        for _site, role, site_active in user.seats:
            if site_active:
                held.add(Who.SEATED)
                if role in (Who.CHAIR, Who.CO_CHAIR):
                    held.add(Who(role))
    return frozenset(held)


def allows(user, action: str) -> bool:
    """An action on no object (GLOBAL)."""
    return bool(roles_of(user) & set(GLOBAL[action]))


def capabilities(user) -> dict[str, bool]:
    """Every GLOBAL action, for templates and the navigation."""
    held = roles_of(user)
    return {action: bool(held & set(who)) for action, who in GLOBAL.items()}


def needs_second_factor(user) -> bool:
    return bool(roles_of(user) & set(SECOND_FACTOR))


def actions(kind: Kind) -> tuple[str, ...]:
    return tuple(RULES[kind])


def rules(kind: Kind, action: str) -> tuple[Rule, ...]:
    try:
        return RULES[kind][action]
    except KeyError:
        raise ValueError(f"unknown action {action!r} on {kind}") from None


def grants_for(state: State, relationships: dict[Who, Iterable[int]]) -> set[tuple[int, str]]:
    """(agency, permission) pairs GRANTS calls for in this state, given which agencies hold
    each relationship to the situation."""
    wanted = set()
    for permission, permission_rules in GRANTS.items():
        for rule in permission_rules:
            if rule.states is not None and state not in rule.states:
                continue
            for who in rule.who:
                wanted |= {(agency, str(permission)) for agency in relationships.get(who, ())}
    return wanted


def describe(kind: Kind) -> list[tuple[str, str]]:
    """The table in words (docs and the privacy officer's page)."""
    return [
        (action, "; ".join(str(rule) for rule in action_rules))
        for action, action_rules in RULES[kind].items()
    ]
