"""The meeting's workflows. Decisions go through the situation services (which check the
situation's state and grants); these functions add the agenda, the versions that stop two
chairs overwriting each other, and the revision that followers poll. Each claims its meeting
or item through the policy's gate (access/gates.py) and is one transaction: a decision, the
agenda moving on to the next item and the revision bump commit together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership, Site, User
from core.errors import WrongState
from situations import services as situations
from situations.models import ConclusionReason, Situation, Status

from .models import AgendaItem, Attendance, Meeting

NEW_BASE = 1_000_000  # new situations come after every returning one
ALREADY_DECIDED = _("This item was already decided.")


def _claim(user: User, meeting: Meeting, action: str) -> Meeting:
    return Meeting.objects.select_related("site").claim(user, meeting.pk, action)


def _claim_item(user: User, item: AgendaItem, action: str) -> tuple[Meeting, AgendaItem]:
    """The item and its meeting, both locked, if the policy lets the person act on it now."""
    meeting = _claim(user, item.meeting, "prepare" if action == "arrange" else "run")
    item = AgendaItem.objects.select_related("situation").claim(user, item.pk, action)
    item.meeting = meeting
    return meeting, item


def ensure_next_meeting(site: Site, after: datetime | None = None) -> Meeting:
    """The next meeting by the site's cadence, created if it is not scheduled yet."""
    after = after or timezone.now()
    window = timedelta(minutes=site.meeting_minutes)
    upcoming = (
        site.meetings.filter(
            status__in=[Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS],
            starts_at__gte=after - window,
        )
        .order_by("starts_at")
        .first()
    )
    if upcoming is not None:
        return upcoming
    starts_at = site.next_meeting_at(after)
    held_on = timezone.localtime(starts_at).date()
    while site.meetings.filter(held_on=held_on, status=Meeting.Status.CLOSED).exists():
        starts_at = site.next_meeting_at(starts_at + window)
        held_on = timezone.localtime(starts_at).date()
    meeting, _ = Meeting.objects.get_or_create(
        site=site, held_on=held_on, defaults={"starts_at": starts_at}
    )
    return meeting


def meeting_after(meeting: Meeting) -> Meeting:
    """The site's meeting after this one, scheduled by the cadence if need be."""
    site = meeting.site
    following = site.meetings.filter(starts_at__gt=meeting.starts_at).order_by("starts_at").first()
    if following is not None:
        return following
    starts_at = site.next_meeting_at(meeting.starts_at + timedelta(minutes=site.meeting_minutes))
    following, _ = Meeting.objects.get_or_create(
        site=site,
        held_on=timezone.localtime(starts_at).date(),
        defaults={"starts_at": starts_at},
    )
    return following


def _agenda_order(situation: Situation, now: datetime) -> tuple:
    overdue = situation.first_contact_at is None and situation.response_due_at <= now
    return (not overdue, situation.response_due_at or now)


@transaction.atomic
def sync_agenda(
    meeting: Meeting, now: datetime | None = None, only: Situation | None = None
) -> int:
    """Put every open (returning) and submitted (new) situation of the site on the agenda:
    returning first, overdue clocks first; then new ones in the order they were submitted.
    `only`: just that situation, if it belongs there."""
    now = now or timezone.now()
    present = set(meeting.items.values_list("situation_id", flat=True))
    # A situation deferred to a later meeting is not pulled back onto this one.
    later = AgendaItem.objects.filter(
        situation__site=meeting.site, meeting__starts_at__gt=meeting.starts_at
    ).values_list("situation_id", flat=True)
    candidates = (
        Situation.objects.filter(site=meeting.site, status__in=[Status.OPEN, Status.SUBMITTED])
        .exclude(pk__in=present)
        .exclude(pk__in=later)
    )
    if only is not None:
        candidates = candidates.filter(pk=only.pk)
    returning = sorted(
        (s for s in candidates if s.status == Status.OPEN), key=lambda s: _agenda_order(s, now)
    )
    new = sorted(
        (s for s in candidates if s.status == Status.SUBMITTED),
        key=lambda s: s.submitted_at or now,
    )
    last_returning = (
        meeting.items.filter(kind=AgendaItem.Kind.RETURNING).aggregate(m=Max("position"))["m"] or 0
    )
    last_new = (
        meeting.items.filter(kind=AgendaItem.Kind.NEW).aggregate(m=Max("position"))["m"] or NEW_BASE
    )
    rows = []
    for offset, situation in enumerate(returning, start=1):
        rows.append(
            AgendaItem(
                meeting=meeting,
                situation=situation,
                kind=AgendaItem.Kind.RETURNING,
                position=last_returning + offset,
            )
        )
    for offset, situation in enumerate(new, start=1):
        rows.append(
            AgendaItem(
                meeting=meeting,
                situation=situation,
                kind=AgendaItem.Kind.NEW,
                position=last_new + offset,
            )
        )
    AgendaItem.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        meeting.bump()
    return len(rows)


@transaction.atomic
def start(user: User, meeting: Meeting) -> Meeting:
    meeting = _claim(user, meeting, "start")
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting.started_at = timezone.now()
    meeting.chair = user
    meeting.save()
    sync_agenda(meeting)
    first = meeting.items.filter(outcome=AgendaItem.Outcome.PENDING).first()
    if first is not None:
        _make_current(meeting, first)
    meeting.bump()
    return meeting


def _make_current(meeting: Meeting, item: AgendaItem) -> None:
    if item.started_at is None:
        item.started_at = timezone.now()
        item.save(update_fields=["started_at"])
    meeting.current_item = item
    meeting.save(update_fields=["current_item"])


def _move_on(meeting: Meeting, item: AgendaItem) -> None:
    """After a decision on the current item, the next undecided one, as a chair would."""
    if meeting.status != Meeting.Status.IN_PROGRESS or meeting.current_item_id != item.pk:
        return
    pending = meeting.items.filter(outcome=AgendaItem.Outcome.PENDING)
    following = pending.filter(position__gt=item.position).first() or pending.first()
    if following is not None:
        _make_current(meeting, following)


@transaction.atomic
def set_current(user: User, item: AgendaItem) -> None:
    meeting, item = _claim_item(user, item, "decide")
    _make_current(meeting, item)
    meeting.bump()


@transaction.atomic
def move(user: User, item: AgendaItem, direction: int) -> None:
    """Swap an item with its neighbour (up: -1, down: +1), within its group."""
    meeting, item = _claim_item(user, item, "arrange")
    siblings = list(meeting.items.filter(kind=item.kind).order_by("position", "pk"))
    index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
    other = index + direction
    if not 0 <= other < len(siblings):
        return
    a, b = siblings[index], siblings[other]
    a.position, b.position = b.position, a.position
    if a.position == b.position:
        b.position += direction
    AgendaItem.objects.bulk_update([a, b], ["position"])
    meeting.bump()


@transaction.atomic
def defer(user: User, item: AgendaItem, version: int) -> Meeting:
    """Move the item to the next meeting, and the meeting on to its next item."""
    meeting, item = _claim_item(user, item, "arrange")
    item.claim_version(version)
    if not item.is_open:
        raise WrongState(ALREADY_DECIDED)
    item.outcome = AgendaItem.Outcome.DEFERRED
    item.decided_at, item.decided_by = timezone.now(), user
    item.save()
    following = meeting_after(meeting)
    last = following.items.filter(kind=item.kind).aggregate(m=Max("position"))["m"]
    AgendaItem.objects.get_or_create(
        meeting=following,
        situation=item.situation,
        defaults={
            "kind": item.kind,
            "position": (last or (0 if item.kind == AgendaItem.Kind.RETURNING else NEW_BASE)) + 1,
        },
    )
    _move_on(meeting, item)
    meeting.bump()
    return following


def _decided(meeting: Meeting, item: AgendaItem, user: User, outcome: str) -> None:
    item.outcome = outcome
    item.decided_at, item.decided_by = timezone.now(), user
    item.save()
    _move_on(meeting, item)
    meeting.bump()


@dataclass
class Acceptance:
    assignment: situations.Assignment
    consent: str
    consent_reason: str = ""


@transaction.atomic
def decide_new(
    user: User,
    item: AgendaItem,
    version: int,
    *,
    acceptance: Acceptance | None = None,
    rejection_reason: str = "",
) -> None:
    """The table's AER decision on a new situation."""
    meeting, item = _claim_item(user, item, "decide")
    item.claim_version(version)
    if item.kind != AgendaItem.Kind.NEW or not item.is_open:
        raise WrongState(ALREADY_DECIDED)
    if acceptance is not None:
        situations.accept(
            user,
            item.situation,
            acceptance.assignment,
            acceptance.consent,
            acceptance.consent_reason,
        )
        _decided(meeting, item, user, AgendaItem.Outcome.ACCEPTED)
    else:
        if not rejection_reason:
            raise ValidationError(_("Give the reason for rejecting."))
        situations.reject(user, item.situation, rejection_reason)
        _decided(meeting, item, user, AgendaItem.Outcome.REJECTED)


@transaction.atomic
def record_returning(
    user: User,
    item: AgendaItem,
    version: int,
    *,
    update_text: str = "",
    conclusion: ConclusionReason | None = None,
) -> None:
    """The lead agency's report at the table: keep the situation open, or conclude it."""
    meeting, item = _claim_item(user, item, "decide")
    item.claim_version(version)
    if item.kind != AgendaItem.Kind.RETURNING or not item.is_open:
        raise WrongState(ALREADY_DECIDED)
    if update_text.strip():
        situations.add_update(user, item.situation, update_text)
    if conclusion is not None:
        situations.conclude(user, item.situation, conclusion)
        _decided(meeting, item, user, AgendaItem.Outcome.CONCLUDED)
    else:
        _decided(meeting, item, user, AgendaItem.Outcome.KEPT_OPEN)


@transaction.atomic
def record_attendance(user: User, meeting: Meeting, present: set[int], apologies: set[int]) -> None:
    meeting = _claim(user, meeting, "prepare")
    seats = set(Membership.objects.filter(site=meeting.site).values_list("user_id", flat=True))
    if not (present | apologies) <= seats or present & apologies:
        raise ValidationError(_("Attendance lists only people who sit at this table, once."))
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, user_id=u, status=Attendance.Status.PRESENT) for u in present]
        + [
            Attendance(meeting=meeting, user_id=u, status=Attendance.Status.APOLOGIES)
            for u in apologies
        ]
    )
    meeting.bump()


@transaction.atomic
def refresh_agenda(user: User, meeting: Meeting) -> int:
    """The chair's "bring the agenda up to date"."""
    return sync_agenda(_claim(user, meeting, "prepare"))


@transaction.atomic
def close(user: User, meeting: Meeting) -> Meeting:
    """End the meeting; schedule the next, with what comes back to it."""
    meeting = _claim(user, meeting, "close")
    meeting.status = Meeting.Status.CLOSED
    meeting.closed_at = timezone.now()
    meeting.current_item = None
    meeting.save()
    meeting.bump()
    sync_agenda(meeting_after(meeting))
    return meeting


# ---- Keeping the next agenda in step with the situations ------------------------------------


def follow_situation(situation: Situation, event: str) -> None:
    """Keep upcoming agendas in step with a situation's lifecycle (inside the situation
    service's transaction). A submitted situation goes on its site's next agenda at once. One
    decided or taken back outside the meeting it waited for no longer waits there as it was:
    an accepted one returns, as a returning item in clock order, at the next sync (the meeting's
    start, the previous meeting's close, or the scheduler)."""
    if event == "submitted":
        sync_agenda(ensure_next_meeting(situation.site), only=situation)
        return
    waiting = AgendaItem.objects.filter(
        situation=situation,
        outcome=AgendaItem.Outcome.PENDING,
        meeting__status=Meeting.Status.SCHEDULED,
    )
    for meeting_id in set(waiting.values_list("meeting_id", flat=True)):
        Meeting(pk=meeting_id).bump()
    waiting.delete()


def schedule_all(now: datetime | None = None) -> int:
    """Each active site's next meeting exists and its agenda is up to date (the beat's
    catch-up, so no page has to write when it is read)."""
    added = 0
    for site in Site.objects.filter(active=True):
        with transaction.atomic():
            added += sync_agenda(ensure_next_meeting(site, now), now)
    return added
