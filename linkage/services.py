"""Repeat detection: keys made when identity is saved, checks, a chair's link, retention.

Who sees a signal and who decides it is the policy's ("see_repeats", "link_repeat" in
access/policy.py); this module asks the situation gate, and answers nothing to anyone else.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership, Site, User
from core.audit import acting
from core.errors import NotFound
from situations.audit import log_access
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
    """Rejected or withdrawn: it was never a presentation anyone can repeat."""
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


def presented_on():
    return Coalesce("first_presented_on", TruncDate("submitted_at"))


def matches(situation: Situation, *, today: date | None = None) -> set[int]:
    """Ids of the situations presented before this one, in the window, whose person agrees
    with one of this situation's: index lookups on the digests, never a scan."""
    today = today or timezone.localdate()
    probes = probes_of(situation, today=today)
    if not probes:
        return set()
    since = today - window()
    before = situation.submitted_at or timezone.now()
    found: set[int] = set()
    for probe in probes:
        rows = (
            LinkageKey.objects.filter(digest__in=list(probe.digests))
            .exclude(situation=situation)
            .filter(situation__status__in=PRESENTED)
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
    if not found:
        return set()
    in_window = Situation.objects.annotate(presented=presented_on()).filter(
        pk__in=found, presented__gte=since
    )
    return set(in_window.values_list("pk", flat=True))


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


def signal_for(user: User, situation: Situation, *, today: date | None = None) -> Signal | None:
    """The possible-repeat signal for someone the policy lets see it ("see_repeats"), or
    None. Showing one is an audit entry; another table's situations are counted and their
    table named with its chairs, nothing more."""
    try:
        situation = Situation.objects.find(user, "see_repeats", pk=situation.pk)
    except NotFound:
        return None
    found = matches(situation, today=today)
    decided = dict(
        RepeatLink.objects.filter(situation=situation).values_list("earlier_id", "decision")
    )
    found |= set(decided)
    if not found:
        return None
    # Dismissed matches stay out of every count; linked ones and undecided ones are shown.
    shown = [pk for pk in found if decided.get(pk) != RepeatLink.Decision.DISMISSED]
    rows = list(
        Situation.objects.filter(pk__in=shown)
        .annotate(presented=presented_on())
        .values_list("pk", "site_id", "presented", "conclusion_reason__name")
        .order_by("-presented", "-pk")
    )
    here = sum(1 for _pk, site_id, *_rest in rows if site_id == situation.site_id)
    other_counts: dict[int, int] = defaultdict(int)
    for _pk, site_id, *_rest in rows:
        if site_id != situation.site_id:
            other_counts[site_id] += 1
    chairs = _chairs(other_counts)
    names = dict(Site.objects.filter(pk__in=other_counts).values_list("pk", "name"))
    elsewhere = [
        OtherTable(names[site_id], chairs.get(site_id, []), n)
        for site_id, n in sorted(other_counts.items(), key=lambda kv: names[kv[0]])
    ]
    latest = rows[0] if rows else None
    signal = Signal(
        here=here,
        elsewhere=elsewhere,
        latest_on=latest[2] if latest else None,
        latest_conclusion=(latest[3] or "") if latest else "",
        linked=sum(1 for d in decided.values() if d == RepeatLink.Decision.LINKED),
        dismissed=sum(1 for d in decided.values() if d == RepeatLink.Decision.DISMISSED),
        undecided={pk for pk in found if pk not in decided},
    )
    log_access(
        situation,
        user,
        f"possible repeat shown: {here} here, {len(rows) - here} at {len(elsewhere)} other tables",
    )
    return signal


@transaction.atomic
def decide(user: User, situation: Situation, decision: str) -> int:
    """A chair links the situation to the earlier presentations the check found (the same
    person: it counts as a repeat) or dismisses them. Link, never merge: each record stays
    whole and where it was."""
    if decision not in RepeatLink.Decision.values:
        raise ValidationError(_("Choose whether this is the same person."))
    situation = Situation.objects.claim(user, situation.pk, "link_repeat")
    decided = set(
        RepeatLink.objects.filter(situation=situation).values_list("earlier_id", flat=True)
    )
    undecided = matches(situation) - decided
    if not undecided:
        raise ValidationError(_("There is no possible repeat left to decide."))
    now = timezone.now()
    with acting(user):
        for earlier_id in sorted(undecided):
            # One by one, so each link is audited (two situation ids and a decision).
            RepeatLink.objects.create(
                situation=situation,
                earlier_id=earlier_id,
                decision=decision,
                decided_by=user,
                decided_at=now,
            )
        # The dashboard's figures are cached under the situations' latest change: a link
        # changes its repeat counts, so it is a change. An update, not save(): neither a new
        # version nor an audit entry for the situation, whose record did not change.
        Situation.objects.filter(pk=situation.pk).update(updated_at=now)
    return len(undecided)


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
