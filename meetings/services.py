"""The meeting's workflows. Decisions go through the situation services (which check the
situation's state and grants); these functions add the agenda, the versions that stop two
chairs overwriting each other, and the revision that followers poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership, Site, User
from situations import services as situations
from situations.models import ConclusionReason, Situation, Status

from .models import AgendaItem, Attendance, Meeting

NEW_BASE = 1_000_000  # new situations come after every returning one


class MeetingError(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


def _require_chair(user: User, site: Site) -> None:
    if not situations.chairs_site(user, site):
        raise Http404


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
def sync_agenda(meeting: Meeting, now: datetime | None = None) -> int:
    """Put every open (returning) and submitted (new) situation of the site on the agenda:
    returning first, overdue clocks first; then new ones in the order they were submitted."""
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


def _lock_meeting(meeting: Meeting, *allowed: str) -> Meeting:
    locked = Meeting.objects.select_for_update().select_related("site").get(pk=meeting.pk)
    if locked.status not in allowed:
        raise MeetingError(_("The meeting is not in a state that allows this. Reload the page."))
    return locked


@transaction.atomic
def start(user: User, meeting: Meeting) -> Meeting:
    _require_chair(user, meeting.site)
    meeting = _lock_meeting(meeting, Meeting.Status.SCHEDULED)
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


@transaction.atomic
def set_current(user: User, item: AgendaItem) -> None:
    _require_chair(user, item.meeting.site)
    meeting = _lock_meeting(item.meeting, Meeting.Status.IN_PROGRESS)
    _make_current(meeting, item)
    meeting.bump()


@transaction.atomic
def move(user: User, item: AgendaItem, direction: int) -> None:
    """Swap an item with its neighbour (up: -1, down: +1), within its group."""
    _require_chair(user, item.meeting.site)
    meeting = _lock_meeting(item.meeting, Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS)
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
    """Move the item to the next meeting."""
    _require_chair(user, item.meeting.site)
    meeting = _lock_meeting(item.meeting, Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS)
    item.claim_version(version)
    if not item.is_open:
        raise MeetingError(_("This item was already decided."))
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
    meeting.bump()
    return following


def _decided(item: AgendaItem, user: User, outcome: str) -> None:
    item.outcome = outcome
    item.decided_at, item.decided_by = timezone.now(), user
    item.save()
    item.meeting.bump()


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
    _require_chair(user, item.meeting.site)
    _lock_meeting(item.meeting, Meeting.Status.IN_PROGRESS)
    item.claim_version(version)
    if item.kind != AgendaItem.Kind.NEW or not item.is_open:
        raise MeetingError(_("This item was already decided."))
    if acceptance is not None:
        situations.accept(
            user,
            item.situation,
            acceptance.assignment,
            acceptance.consent,
            acceptance.consent_reason,
        )
        _decided(item, user, AgendaItem.Outcome.ACCEPTED)
    else:
        if not rejection_reason:
            raise ValidationError(_("Give the reason for rejecting."))
        situations.reject(user, item.situation, rejection_reason)
        _decided(item, user, AgendaItem.Outcome.REJECTED)


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
    _require_chair(user, item.meeting.site)
    _lock_meeting(item.meeting, Meeting.Status.IN_PROGRESS)
    item.claim_version(version)
    if item.kind != AgendaItem.Kind.RETURNING or not item.is_open:
        raise MeetingError(_("This item was already decided."))
    if update_text.strip():
        situations.add_update(user, item.situation, update_text)
    if conclusion is not None:
        situations.conclude(user, item.situation, conclusion)
        _decided(item, user, AgendaItem.Outcome.CONCLUDED)
    else:
        _decided(item, user, AgendaItem.Outcome.KEPT_OPEN)


@transaction.atomic
def record_attendance(user: User, meeting: Meeting, present: set[int], apologies: set[int]) -> None:
    _require_chair(user, meeting.site)
    meeting = _lock_meeting(meeting, Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS)
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
def close(user: User, meeting: Meeting) -> Meeting:
    """End the meeting; schedule the next. Items not reached come back next time."""
    _require_chair(user, meeting.site)
    meeting = _lock_meeting(meeting, Meeting.Status.IN_PROGRESS)
    meeting.status = Meeting.Status.CLOSED
    meeting.closed_at = timezone.now()
    meeting.current_item = None
    meeting.save()
    meeting.bump()
    meeting_after(meeting)
    return meeting
