"""The meeting's workflows. Decisions go through the situation services (which check the
situation's state and grants); these functions add the agenda, the versions that stop two
chairs overwriting each other, and the revision that followers poll. Each claims its meeting
or item through the policy's gate (access/gates.py) and is one transaction: a decision, the
agenda moving on to the next item and the revision bump commit together or not at all."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from agencies.language import speaking
from agencies.models import Membership, Site, User
from core.errors import WrongState
from situations import services as situations
from situations.models import ConclusionReason, Situation, Status

from .models import ActionItem, AgendaItem, Attendance, CalendarFeed, Meeting, MinutesAddendum

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


def next_meetings(sites, now: datetime | None = None) -> dict[int, Meeting]:
    """Each site's next meeting, in one query: the answer home, the lists and the agenda all
    give (absent for a site whose next meeting is not scheduled yet). A meeting in progress
    is the next one; a scheduled one is until its time has passed (one nobody started stays
    listed, and can still be started, but stops being "next")."""
    now = now or timezone.now()
    found: dict[int, Meeting] = {}
    candidates = (
        Meeting.objects.filter(site__in=sites)
        .filter(
            Q(status=Meeting.Status.IN_PROGRESS)
            # No meeting lasts a day: the rest is checked against the site's own length.
            | Q(status=Meeting.Status.SCHEDULED, starts_at__gt=now - timedelta(days=1))
        )
        .select_related("site")
        .order_by("starts_at")
    )
    for meeting in candidates:
        if meeting.status == Meeting.Status.IN_PROGRESS or meeting.ends_at > now:
            found.setdefault(meeting.site_id, meeting)
    return found


def _cadence_slot(site: Site, after: datetime) -> datetime:
    """The first meeting time by the site's weekly cadence after `after` on a day that has no
    meeting yet (a closed or cancelled meeting keeps its day)."""
    window = timedelta(minutes=site.meeting_minutes)
    starts_at = site.next_meeting_at(after)
    taken = set(
        site.meetings.filter(starts_at__gte=starts_at - timedelta(days=1)).values_list(
            "held_on", flat=True
        )
    )
    while timezone.localtime(starts_at).date() in taken:
        starts_at = site.next_meeting_at(starts_at + window)
    return starts_at


def ensure_next_meeting(site: Site, after: datetime | None = None) -> Meeting:
    """The next meeting, scheduled by the site's cadence if there is none yet."""
    after = after or timezone.now()
    upcoming = next_meetings([site], after).get(site.pk)
    if upcoming is not None:
        return upcoming
    starts_at = _cadence_slot(site, after)
    meeting, _ = Meeting.objects.get_or_create(
        site=site, held_on=timezone.localtime(starts_at).date(), defaults={"starts_at": starts_at}
    )
    return meeting


def meeting_after(meeting: Meeting) -> Meeting:
    """The site's next meeting after this one (not a cancelled one), scheduled by the cadence
    if need be."""
    site = meeting.site
    following = (
        site.meetings.filter(starts_at__gt=meeting.starts_at, status__in=Meeting.UPCOMING)
        .order_by("starts_at")
        .first()
    )
    if following is not None:
        return following
    starts_at = _cadence_slot(site, meeting.starts_at + timedelta(minutes=site.meeting_minutes))
    following, _ = Meeting.objects.get_or_create(
        site=site, held_on=timezone.localtime(starts_at).date(), defaults={"starts_at": starts_at}
    )
    return following


def meeting_for_submission(situation: Situation) -> Meeting:
    """The meeting a situation submitted now goes to: the next one, unless its agenda has
    closed (the site's cut-off), then the one after."""
    meeting = ensure_next_meeting(situation.site)
    if _after_cutoff(situation, meeting):
        meeting = meeting_after(meeting)
    return meeting


def _after_cutoff(situation: Situation, meeting: Meeting) -> bool:
    hours = meeting.site.agenda_cutoff_hours
    if not hours or situation.submitted_at is None:
        return False
    return situation.submitted_at > meeting.starts_at - timedelta(hours=hours)


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
    # Submitted after the agenda closed: the following meeting's, unless a chair pulls it in.
    new = sorted(
        (s for s in candidates if s.status == Status.SUBMITTED and not _after_cutoff(s, meeting)),
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


class OtherDay(WrongState):
    """Starting a meeting on a day other than its own moves it: the chair must say so."""


def _free_day(site: Site, day, *, but: Meeting | None = None) -> None:
    taken = site.meetings.filter(held_on=day)
    if but is not None:
        taken = taken.exclude(pk=but.pk)
    if taken.exists():
        raise ValidationError(
            _("There is already a meeting of this table on %(day)s.")
            % {"day": formats.date_format(day, "DATE_FORMAT")}
        )


def _bounded(starts_at: datetime, now: datetime) -> None:
    if starts_at < now - timedelta(hours=1):
        raise ValidationError(_("Choose a time that is not in the past."))
    if starts_at > now + timedelta(days=366):
        raise ValidationError(_("Choose a time within the next year."))


def _reason(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError(_("Say why, for the table's members."))
    return text


@transaction.atomic
def start(user: User, meeting: Meeting, *, move_to_today: bool = False) -> Meeting:
    """Open the meeting. On a day other than its own it moves to today (the minutes carry the
    day the decisions were made), but only when the chair confirms it."""
    meeting = _claim(user, meeting, "start")
    now = timezone.now()
    today = timezone.localdate(now)
    if meeting.held_on != today:
        if not move_to_today:
            raise OtherDay(
                _(
                    "This meeting is scheduled for %(day)s. Confirm that you are starting it "
                    "today: it will move to today's date."
                )
                % {"day": formats.date_format(meeting.held_on, "DATE_FORMAT")}
            )
        _free_day(meeting.site, today, but=meeting)
        meeting.rescheduled_from = meeting.rescheduled_from or meeting.starts_at
        meeting.starts_at = now
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting.started_at = now
    meeting.chair = user
    meeting.save()
    if meeting.kind == Meeting.Kind.REGULAR:
        # An extra meeting takes what its chair brings to it, not the whole waiting list.
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
    _append(following, item.situation, item.kind)
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
def reschedule(user: User, meeting: Meeting, starts_at: datetime, reason: str) -> Meeting:
    """Move a scheduled meeting (a holiday, a room): its agenda moves with it."""
    meeting = _claim(user, meeting, "reschedule")
    reason = _reason(reason)
    _bounded(starts_at, timezone.now())
    _free_day(meeting.site, timezone.localdate(starts_at), but=meeting)
    meeting.rescheduled_from = meeting.rescheduled_from or meeting.starts_at
    meeting.starts_at = starts_at
    meeting.change_reason = reason
    meeting.save()
    meeting.bump()
    return meeting


@transaction.atomic
def cancel(user: User, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a scheduled meeting: its day stays taken (the cadence does not put a meeting
    back on it) and what waited on its agenda goes to the following meeting."""
    meeting = _claim(user, meeting, "cancel")
    reason = _reason(reason)
    meeting.status = Meeting.Status.CANCELLED
    meeting.change_reason = reason
    meeting.current_item = None
    meeting.save()
    following = meeting_after(meeting)
    waiting = list(meeting.items.filter(outcome=AgendaItem.Outcome.PENDING))
    for item in waiting:
        _append(following, item.situation, item.kind)
    meeting.items.filter(pk__in=[item.pk for item in waiting]).delete()
    ActionItem.objects.filter(meeting=meeting).update(meeting=following)
    sync_agenda(following)
    meeting.bump()
    following.bump()
    return following


@transaction.atomic
def add_meeting(user: User, site: Site, starts_at: datetime, reason: str = "") -> Meeting:
    """An extra meeting on any day (an urgent situation between meetings). It starts with an
    empty agenda: the chair pulls in what it is for."""
    site = Site.objects.claim(user, site.pk, "add_meeting")
    _bounded(starts_at, timezone.now())
    _free_day(site, timezone.localdate(starts_at))
    meeting = Meeting(
        site=site, starts_at=starts_at, kind=Meeting.Kind.EXTRA, change_reason=reason.strip()
    )
    meeting.save()
    return meeting


@transaction.atomic
def set_agenda_cutoff(user: User, site: Site, hours: int) -> Site:
    """How long before each meeting its agenda closes to new submissions."""
    site = Site.objects.claim(user, site.pk, "run_meetings")
    site.agenda_cutoff_hours = hours
    site.full_clean()
    site.save(update_fields=["agenda_cutoff_hours"])
    return site


def _append(meeting: Meeting, situation: Situation, kind: str) -> AgendaItem:
    last = meeting.items.filter(kind=kind).aggregate(m=Max("position"))["m"]
    base = 0 if kind == AgendaItem.Kind.RETURNING else NEW_BASE
    item, _ = AgendaItem.objects.get_or_create(
        meeting=meeting,
        situation=situation,
        defaults={"kind": kind, "position": (last or base) + 1},
    )
    return item


def can_bring_in(meeting: Meeting):
    """What a chair may bring onto this agenda: for an extra meeting, anything waiting for the
    table (submitted, or open and returning); for a regular one, what was submitted after its
    agenda closed (the site's cut-off)."""
    if meeting.status not in Meeting.UPCOMING:
        return Situation.objects.none()
    waiting = Situation.objects.filter(site=meeting.site).exclude(
        pk__in=meeting.items.values("situation_id")
    )
    if meeting.kind == Meeting.Kind.EXTRA:
        return waiting.filter(status__in=[Status.SUBMITTED, Status.OPEN]).order_by("reference")
    if not meeting.site.agenda_cutoff_hours:
        return Situation.objects.none()
    cutoff = meeting.starts_at - timedelta(hours=meeting.site.agenda_cutoff_hours)
    return waiting.filter(status=Status.SUBMITTED, submitted_at__gt=cutoff).order_by("submitted_at")


@transaction.atomic
def pull_in(user: User, meeting: Meeting, situation: Situation) -> AgendaItem:
    """Put a situation on this meeting's agenda now: one submitted after the cut-off, or any
    open or submitted one for an extra meeting. It leaves the later agenda it waited on."""
    meeting = _claim(user, meeting, "prepare")
    situation = (
        Situation.objects.restrict(user)
        .filter(pk=situation.pk, site=meeting.site, status__in=[Status.SUBMITTED, Status.OPEN])
        .first()
    )
    if situation is None:
        raise WrongState(_("That situation is not waiting for the table any more."))
    elsewhere = AgendaItem.objects.filter(
        situation=situation,
        outcome=AgendaItem.Outcome.PENDING,
        meeting__status=Meeting.Status.SCHEDULED,
    ).exclude(meeting=meeting)
    for other in set(elsewhere.values_list("meeting_id", flat=True)):
        Meeting(pk=other).bump()
    elsewhere.delete()
    kind = (
        AgendaItem.Kind.NEW if situation.status == Status.SUBMITTED else AgendaItem.Kind.RETURNING
    )
    item = _append(meeting, situation, kind)
    meeting.bump()
    return item


# ---- Minutes: notes, actions, approval -------------------------------------------------------


@transaction.atomic
def save_notes(user: User, item: AgendaItem, notes: str, version: int) -> AgendaItem:
    """The item's discussion notes, for the minutes (de-identified: every member reads them)."""
    meeting = _claim(user, item.meeting, "edit_minutes")
    item = AgendaItem.objects.restrict(user).select_for_update().get(pk=item.pk, meeting=meeting)
    item.claim_version(version)
    item.notes = notes.strip()
    item.full_clean(exclude=["meeting", "situation"])
    item.save(update_fields=["notes"])
    meeting.bump()
    return item


@dataclass
class Action:
    text: str
    owner: object  # an Agency
    due_on: date


@transaction.atomic
def add_action(
    user: User, meeting: Meeting, action: Action, item: AgendaItem | None = None
) -> ActionItem:
    meeting = _claim(user, meeting, "edit_minutes")
    if item is not None:
        item = AgendaItem.objects.restrict(user).get(pk=item.pk, meeting=meeting)
    if not situations.agencies_at_site(meeting.site).filter(pk=action.owner.pk).exists():
        raise ValidationError(_("Only an agency that sits at this table can own an action."))
    today = timezone.localdate()
    if not today <= action.due_on <= today + timedelta(days=366):
        raise ValidationError(_("Choose a due date from today to a year from now."))
    created = ActionItem(
        meeting=meeting,
        item=item,
        situation=item.situation if item else None,
        text=action.text.strip(),
        owner_agency=action.owner,
        due_on=action.due_on,
        created_by=user,
    )
    created.full_clean(exclude=["meeting", "item", "situation", "owner_agency", "created_by"])
    created.save()
    meeting.bump()
    return created


@transaction.atomic
def close_action(user: User, action: ActionItem, status: str, note: str = "") -> ActionItem:
    """Its owner says it is done, or that it was not possible (and why)."""
    action = ActionItem.objects.claim(user, action.pk, "close")
    if status not in (ActionItem.Status.DONE, ActionItem.Status.NOT_POSSIBLE):
        raise ValidationError(_("Say whether the action was done or was not possible."))
    if status == ActionItem.Status.NOT_POSSIBLE and not note.strip():
        raise ValidationError(_("Say why it was not possible."))
    action.status = status
    action.closing_note = note.strip()
    action.closed_by, action.closed_at = user, timezone.now()
    action.full_clean(exclude=["meeting", "item", "situation", "owner_agency", "created_by"])
    action.save()
    for meeting_id in {action.meeting_id} | set(
        Meeting.objects.filter(
            status=Meeting.Status.IN_PROGRESS, site_id=action.meeting.site_id
        ).values_list("pk", flat=True)
    ):
        Meeting(pk=meeting_id).bump()
    return action


def minutes_to_approve(meeting: Meeting) -> Meeting | None:
    """The previous meeting of the site, if its minutes still wait for approval."""
    return (
        meeting.site.meetings.filter(
            status=Meeting.Status.CLOSED,
            minutes_approved_at__isnull=True,
            starts_at__lt=meeting.starts_at,
        )
        .order_by("-starts_at")
        .first()
    )


@transaction.atomic
def approve_minutes(user: User, minutes_of: Meeting, at: Meeting) -> Meeting:
    """The next meeting approves the previous one's minutes; then they are locked."""
    at = _claim(user, at, "run")
    minutes_of = _claim(user, minutes_of, "approve_minutes")
    if minutes_of.site_id != at.site_id or minutes_of.starts_at >= at.starts_at:
        raise WrongState(_("Minutes are approved at a later meeting of the same table."))
    minutes_of.minutes_approved_at = timezone.now()
    minutes_of.minutes_approved_by = user
    minutes_of.minutes_approved_in = at
    minutes_of.save()
    at.bump()
    return minutes_of


@transaction.atomic
def add_addendum(user: User, meeting: Meeting, text: str) -> MinutesAddendum:
    """A correction to approved minutes: the approved text stays as it was."""
    meeting = _claim(user, meeting, "add_addendum")
    addendum = MinutesAddendum(meeting=meeting, text=text.strip(), created_by=user)
    addendum.full_clean(exclude=["meeting", "created_by"])
    addendum.save()
    return addendum


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
    """Keep upcoming agendas in step with a situation (inside the situation service's
    transaction). A submitted situation goes on its site's next agenda at once. One decided or
    taken back outside the meeting it waited for no longer waits there as it was: an accepted
    one returns, as a returning item in clock order, at the next sync (the meeting's start,
    the previous meeting's close, or the scheduler). Whatever changed, every agenda still to
    come that shows the situation moves to a new revision: its followers see the change."""
    if event == "submitted":
        sync_agenda(meeting_for_submission(situation), only=situation)
    elif event in ("withdrawn", "accepted", "rejected", "concluded"):
        waiting = AgendaItem.objects.filter(
            situation=situation,
            outcome=AgendaItem.Outcome.PENDING,
            meeting__status=Meeting.Status.SCHEDULED,
        )
        for meeting_id in set(waiting.values_list("meeting_id", flat=True)):
            Meeting(pk=meeting_id).bump()
        waiting.delete()
    showing = AgendaItem.objects.filter(
        situation=situation, meeting__status__in=Meeting.UPCOMING
    ).values_list("meeting_id", flat=True)
    for meeting_id in set(showing):
        Meeting(pk=meeting_id).bump()


def schedule_all(now: datetime | None = None) -> int:
    """Each active site's next meeting exists and its agenda is up to date (the beat's
    catch-up, so no page has to write when it is read)."""
    added = 0
    for site in Site.objects.filter(active=True):
        with transaction.atomic():
            added += sync_agenda(ensure_next_meeting(site, now), now)
    return added


# ---- A person's calendar ----------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def new_calendar(user: User) -> str:
    """A new secret calendar address for the person; any older one stops working. Returns the
    token, which is not stored (only its hash is)."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": _token_hash(token)})
    return token


def revoke_calendar(user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def calendar_owner(token: str) -> User | None:
    """The active person whose calendar this is, if the token is current."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_token_hash(token), user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=timezone.now())
    return feed.user


def calendar(person: User, base: str) -> bytes:
    """The meetings of every table where the person sits, from three months back. Only what a
    calendar needs: the table's name, the times, whether it was moved or cancelled. No case
    data and no chair's free text ever leave the application this way. In the person's
    language: a calendar program asks without a session, in whatever language it likes."""
    from icalendar import Calendar, Event

    feed = Calendar()
    feed.add("prodid", "-//FOCUS situation tables//EN")
    feed.add("version", "2.0")
    meetings = (
        Meeting.objects.restrict(person)
        .filter(starts_at__gte=timezone.now() - timedelta(days=90))
        .select_related("site")
        .order_by("starts_at")
    )
    stamp = timezone.now()
    with speaking(person):
        feed.add("x-wr-calname", str(_("Situation tables")))
        for meeting in meetings:
            event = Event()
            # Stable across moves, so a calendar updates the event instead of adding one.
            event.add("uid", f"meeting-{meeting.pk}@focus")
            if meeting.kind == Meeting.Kind.EXTRA:
                summary = _("%(site)s situation table (extra meeting)")
            else:
                summary = _("%(site)s situation table")
            event.add(
                "summary",
                str(summary) % {"site": meeting.site.name},
                parameters={"LANGUAGE": translation.get_language()},
            )
            event.add("dtstart", meeting.starts_at)
            event.add("dtend", meeting.ends_at)
            event.add("dtstamp", stamp)
            event.add("sequence", meeting.revision % 2**31)
            event.add("url", base.rstrip("/") + meeting.get_absolute_url())
            status = "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED"
            event.add("status", status)
            feed.add_component(event)
    return feed.to_ical()
