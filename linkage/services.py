"""Repeat detection: keys made when identity is saved, checks, a chair's link, retention.

Who sees a signal and who decides it is the policy's ("see_repeats", "link_repeat" in
access/policy.py); this module asks the situation gate, and answers nothing to anyone else.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.gates import abilities_in_memory
from agencies.models import Membership, User
from core.audit import acting
from situations.models import AffectedPerson, IdentifyingDetails, Situation, Status

from . import keys
from .models import LinkageKey, RepeatLink

# Presented to a table: what a repeat can be a repeat of. Drafts and withdrawn drafts were
# never presented; rejected situations keep no keys.
PRESENTED = [Status.SUBMITTED, Status.OPEN, Status.CONCLUDED]


def window() -> timedelta:
    return timedelta(days=settings.REPEAT_WINDOW_DAYS)


# ---- Keys -------------------------------------------------------------------------------------


def _subject(identity) -> keys.Subject:
    return keys.Subject(
        full_name=identity.full_name,
        date_of_birth=str(identity.date_of_birth or ""),
        approximate_age=str(identity.approximate_age or ""),
        location=identity.location or "",
    )


def store_keys(situation: Situation, person: AffectedPerson, identity, *, today=None) -> int:
    """Replace the person's keys with those of `identity` (None: no keys), made with the
    newest secret. Called inside save_person's transaction."""
    LinkageKey.objects.filter(person=person).delete()
    if identity is None:
        return 0
    found, exact = keys.material(
        _subject(identity), situation.subject_type, today=today or timezone.localdate()
    )
    secret = keys.secrets_in_use()[0]
    expires = situation.concluded_at + window() if situation.concluded_at else None
    rows = [
        LinkageKey(
            person=person,
            situation=situation,
            key_id=secret.id,
            rule=int(item.rule),
            digest=keys.digest(secret, item),
            born_exactly=exact,
            expires_at=expires,
        )
        for item in found
    ]
    LinkageKey.objects.bulk_create(rows)
    return len(rows)


def set_expiry(situation: Situation) -> None:
    """At conclusion: the keys live on for the repeat window, then the sweep deletes them."""
    LinkageKey.objects.filter(situation=situation).update(
        expires_at=situation.concluded_at + window()
    )


def delete_keys(situation: Situation) -> int:
    """Rejected or withdrawn: it was never a presentation anyone can repeat, and what it was
    matched to is of no use to anyone now."""
    RepeatLink.objects.filter(situation=situation, decision=RepeatLink.Decision.PENDING).delete()
    return LinkageKey.objects.filter(situation=situation).delete()[0]


def purge_expired_keys(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return LinkageKey.objects.filter(expires_at__lte=now).delete()[0]


# ---- Checks -----------------------------------------------------------------------------------


@dataclass
class Probe:
    digests: dict[str, int]  # digest -> rule, with every secret in use
    born_exactly: bool


def probes_of(situation: Situation, *, today=None) -> list[Probe]:
    """The keys of each identified person of the situation, with every secret still in use,
    from the identity itself (so keys made with an older secret are found too)."""
    today = today or timezone.localdate()
    secrets = keys.secrets_in_use()
    out = []
    for identity in IdentifyingDetails.objects.filter(person__situation=situation):
        found, exact = keys.material(_subject(identity), situation.subject_type, today=today)
        digests = {keys.digest(s, item): int(item.rule) for s in secrets for item in found}
        if digests:
            out.append(Probe(digests, exact))
    return out


def agrees(rules: set[int], probe_exact: bool, candidate_exact: bool) -> bool:
    """The decision rule, measured by `manage.py bench_linkage` (docs/design.md §9)."""
    person = rules & keys.PERSON_RULES
    if not person:
        return bool(rules)  # a group's name or a place's address, agreeing
    if len(person) < settings.LINKAGE_THRESHOLD:
        return False
    # Both gave a birthday and only "same name, same year" agrees: different birthdays.
    return not (person <= keys.YEAR_ONLY and probe_exact and candidate_exact)


def matches(situation: Situation, *, today: date | None = None) -> set[int]:
    """Ids of the situations presented before this one, in the window, whose person agrees
    with one of this situation's: index lookups on the digests, never a scan."""
    # The window, in the same query: presentations (submissions) in the last 12 months.
    since = timezone.now() - window() if today is None else _start_of(today - window())
    today = today or timezone.localdate()
    probes = probes_of(situation, today=today)
    if not probes:
        return set()
    before = situation.submitted_at or timezone.now()
    found: set[int] = set()
    for probe in probes:
        rows = (
            LinkageKey.objects.filter(digest__in=list(probe.digests))
            .exclude(situation=situation)
            .filter(situation__status__in=PRESENTED, situation__submitted_at__gte=since)
            # Earlier presentations only: the table that saw the person first learns nothing
            # of a later one elsewhere.
            .filter(situation__submitted_at__lt=before)
            .values_list("person_id", "situation_id", "digest", "born_exactly")
        )
        by_person: dict[tuple[int, int], tuple[set[int], bool]] = {}
        for person_id, situation_id, digest, exact in rows:
            rules, _exact = by_person.setdefault((person_id, situation_id), (set(), exact))
            rules.add(probe.digests[digest])
        found |= {
            situation_id
            for (_p, situation_id), (rules, exact) in by_person.items()
            if agrees(rules, probe.born_exactly, exact)
        }
    return found


def persons_like(full_name: str, date_of_birth: date | None) -> set[int]:
    """The persons (ids) whose keys agree with an identity typed for an access request, by
    the same rule as a repeat (a nickname, a swapped day and month, a dropped accent still
    find the person), whatever their situation's state: the caller bounds it by retention.
    The identity is held in memory only."""
    found, exact = keys.material(
        keys.Subject(full_name=full_name, date_of_birth=str(date_of_birth or "")),
        "person",
        today=timezone.localdate(),
    )
    digests = {
        keys.digest(s, item): int(item.rule) for s in keys.secrets_in_use() for item in found
    }
    if not digests:
        return set()
    by_person: dict[int, tuple[set[int], bool]] = {}
    rows = LinkageKey.objects.filter(digest__in=list(digests)).values_list(
        "person_id", "digest", "born_exactly"
    )
    for person_id, digest_, candidate_exact in rows:
        rules, _exact = by_person.setdefault(person_id, (set(), candidate_exact))
        rules.add(digests[digest_])
    return {
        person_id
        for person_id, (rules, candidate_exact) in by_person.items()
        if agrees(rules, exact, candidate_exact)
    }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


# ---- The signal -------------------------------------------------------------------------------


@dataclass
class OtherTable:
    name: str
    chairs: list[tuple[str, str]]  # (name, email)
    times: int


@dataclass
class Signal:
    here: int
    elsewhere: list[OtherTable]
    latest_on: date | None
    latest_conclusion: str
    linked: int
    dismissed: int
    undecided: set[int] = field(default_factory=set)

    @property
    def tables(self) -> int:
        return len(self.elsewhere)

    @property
    def any(self) -> bool:
        return bool(self.here or self.elsewhere)


def _chairs(site_ids) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    seats = Membership.objects.filter(
        site_id__in=site_ids,
        role__in=[Membership.Role.CHAIR, Membership.Role.CO_CHAIR],
        user__is_active=True,
    ).select_related("user")
    for seat in seats.order_by("role", "user__last_name"):
        out[seat.site_id].append((seat.user.get_full_name() or seat.user.username, seat.user.email))
    return out


def refresh_candidates(situation: Situation) -> int:
    """Run the check and keep its answer as pending links: when identity is saved (the
    originating agency sees it while drafting) and at submission (the chairs see it). Pages
    then read one indexed row set instead of checking on every view. Decided links stay."""
    found = matches(situation)
    existing = dict(
        RepeatLink.objects.filter(situation=situation).values_list("earlier_id", "decision")
    )
    stale = [
        pk
        for pk, decision in existing.items()
        if decision == RepeatLink.Decision.PENDING and pk not in found
    ]
    RepeatLink.objects.filter(situation=situation, earlier_id__in=stale).delete()
    now = timezone.now()
    RepeatLink.objects.bulk_create(
        [
            RepeatLink(
                situation=situation,
                earlier_id=pk,
                decision=RepeatLink.Decision.PENDING,
                decided_at=now,
            )
            for pk in sorted(found - set(existing))
        ]
    )
    return len(found)


def _log_shown(situation: Situation, user: User, what: str) -> None:
    """An access entry for the privacy officer's audit trail. Not filed under the situation
    (`additional_data["situation"]`): its history page is read by every agency involved, and
    that a match exists is the chairs' to know."""
    LogEntry.objects.log_create(
        situation,
        action=LogEntry.Action.ACCESS,
        actor=user,
        force_log=True,
        changes={"accessed": [None, "possible repeat"]},
        additional_data={"repeat_signal_of": situation.pk, "accessed": what},
    )


def _may_see(user: User, situation: Situation) -> bool:
    """The policy's "see_repeats", answered from the loaded situation when it can be (the
    situation page has it), else by the gate's query."""
    gate = Situation.objects.all().gate
    answers = abilities_in_memory(gate, user, situation, ["see_repeats"])
    if answers is not None:
        return answers["see_repeats"]
    return Situation.objects.restrict(user, "see_repeats").filter(pk=situation.pk).exists()


def signal_for(user: User, situation: Situation, *, today: date | None = None) -> Signal | None:
    """The possible-repeat signal for someone the policy lets see it ("see_repeats"), or
    None. Showing one is an audit entry; another table's situations are counted and their
    table named with its chairs, nothing more."""
    if not _may_see(user, situation):
        return None
    since = (today or timezone.localdate()) - window()
    rows = list(
        RepeatLink.objects.filter(situation=situation, earlier__status__in=PRESENTED)
        .annotate(
            presented=Coalesce("earlier__first_presented_on", TruncDate("earlier__submitted_at"))
        )
        .values_list(
            "earlier_id",
            "decision",
            "earlier__site_id",
            "earlier__site__name",
            "presented",
            "earlier__conclusion_reason__name",
        )
        .order_by("-presented", "-earlier_id")
    )
    if not rows:
        return None
    decisions = [row[1] for row in rows]
    # Dismissed matches stay out of every count; pending and linked ones in the window are
    # shown (a linked one stays shown after the window: the chair's decision is history).
    shown = [
        row
        for row in rows
        if row[1] == RepeatLink.Decision.LINKED
        or (row[1] == RepeatLink.Decision.PENDING and row[4] >= since)
    ]
    here = sum(1 for row in shown if row[2] == situation.site_id)
    other_counts: dict[int, int] = defaultdict(int)
    names = {}
    for row in shown:
        if row[2] != situation.site_id:
            other_counts[row[2]] += 1
            names[row[2]] = row[3]
    chairs = _chairs(other_counts) if other_counts else {}
    elsewhere = [
        OtherTable(names[site_id], chairs.get(site_id, []), n)
        for site_id, n in sorted(other_counts.items(), key=lambda kv: names[kv[0]])
    ]
    latest = shown[0] if shown else None
    signal = Signal(
        here=here,
        elsewhere=elsewhere,
        latest_on=latest[4] if latest else None,
        latest_conclusion=(latest[5] or "") if latest else "",
        linked=decisions.count(RepeatLink.Decision.LINKED),
        dismissed=decisions.count(RepeatLink.Decision.DISMISSED),
        undecided={row[0] for row in shown if row[1] == RepeatLink.Decision.PENDING},
    )
    _log_shown(
        situation,
        user,
        f"possible repeat shown: {here} here, {len(shown) - here} at {len(elsewhere)} other tables",
    )
    return signal


@transaction.atomic
def decide(user: User, situation: Situation, decision: str) -> int:
    """A chair links the situation to the earlier presentations the check found (the same
    person: it counts as a repeat) or dismisses them. Link, never merge: each record stays
    whole and where it was."""
    if decision not in (RepeatLink.Decision.LINKED, RepeatLink.Decision.DISMISSED):
        raise ValidationError(_("Choose whether this is the same person."))
    situation = Situation.objects.claim(user, situation.pk, "link_repeat")
    pending = list(
        RepeatLink.objects.select_for_update().filter(
            situation=situation, decision=RepeatLink.Decision.PENDING
        )
    )
    if not pending:
        raise ValidationError(_("There is no possible repeat left to decide."))
    now = timezone.now()
    with acting(user):
        for link in pending:
            # One by one, so each decision is audited (two situation ids and a decision).
            link.decision, link.decided_by, link.decided_at = decision, user, now
            link.save()
        # The dashboard's figures are cached under the situations' latest change: a link
        # changes its repeat counts, so it is a change. An update, not save(): neither a new
        # version nor an audit entry for the situation, whose record did not change.
        Situation.objects.filter(pk=situation.pk).update(updated_at=now)
    return len(pending)


# ---- For the dashboard ------------------------------------------------------------------------


def repeat_condition(days: int = 365) -> Q:
    """Situations that repeat a linked presentation made in the `days` before their own
    (SafeLives: a new presentation within 12 months of the last)."""
    earlier = RepeatLink.objects.filter(
        situation=OuterRef("pk"),
        decision=RepeatLink.Decision.LINKED,
        earlier__first_presented_on__gte=OuterRef("first_presented_on") - timedelta(days=days),
        earlier__first_presented_on__lte=OuterRef("first_presented_on"),
    )
    return Q(Exists(earlier))


def rereferred_condition(days: int = 90) -> Q:
    """Concluded situations whose person came back (a linked later presentation) within
    `days` of the conclusion."""
    later = RepeatLink.objects.annotate(later_on=TruncDate("situation__submitted_at")).filter(
        earlier=OuterRef("pk"),
        decision=RepeatLink.Decision.LINKED,
        later_on__gte=OuterRef("concluded_on"),
        later_on__lte=OuterRef("concluded_on") + timedelta(days=days),
    )
    return Q(Exists(later))
