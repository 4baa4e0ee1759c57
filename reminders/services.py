"""The sweep and the delivery (docs/engineering.md, "Celery and the 48-hour clock").

- The deadline lives in PostgreSQL; no task is scheduled per deadline.
- `sweep` catches up on everything due (never "due this minute"), claims situations with
  SKIP LOCKED, and writes reminder rows under a unique constraint, so a repeat is harmless.
- `deliver` sends one reminder; a claim and `sent_at` make a second delivery a no-op, and the
  send is recorded before the mail server is committed to it (reminders/mail.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from agencies.language import speaking
from agencies.models import Membership, User
from core.models import Heartbeat
from situations.clock import Rung, rung_due_at
from situations.models import Situation, Status

from . import mail
from .models import PENDING, Reminder

log = logging.getLogger(__name__)

SWEEP_HEARTBEAT = "sweep"
# A queued reminder whose delivery task has not finished within this long is enqueued again
# (a worker died, or the broker lost the message).
REDELIVER_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5
# Reminders per delivery message: a sweep after an outage may find thousands due at once.
DELIVERY_BATCH = 100
# The longest response window a site may set is 168 h; the earliest rung falls half-way.
EARLIEST_RUNG = timedelta(hours=84)


@dataclass
class SweepResult:
    created: int = 0
    enqueued: list[int] = field(default_factory=list)


def recipients(situation: Situation, rung: Rung) -> list[int]:
    """Who a rung goes to: the lead agency's people at the table, then its chairs, then both."""
    return _recipients(_seats({situation.site_id}), situation, rung)


def _create_due_reminders(now: datetime) -> int:
    """Reminder rows for every rung that has fallen due, in a fixed number of queries however
    many clocks are running: one for the clocks, one for the seats, one for what exists."""
    with transaction.atomic():
        running = (
            Situation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=Status.OPEN,
                first_contact_at__isnull=True,
                response_due_at__lte=now + EARLIEST_RUNG,
            )
            .only("pk", "site_id", "lead_agency_id", "accepted_at", "response_due_at")
        )
        due = [
            (situation, rung, at)
            for situation in running
            for rung in Rung
            if (at := rung_due_at(rung, situation.accepted_at, situation.response_due_at)) <= now
        ]
        if not due:
            return 0
        seats = _seats({situation.site_id for situation, _, _ in due})
        existing = set(
            Reminder.objects.filter(situation__in={s.pk for s, _, _ in due}).values_list(
                "situation_id", "rung", "recipient_id"
            )
        )
        rows = [
            Reminder(situation=situation, rung=rung, recipient_id=user_id, due_at=at)
            for situation, rung, at in due
            for user_id in _recipients(seats, situation, rung)
            if (situation.pk, rung, user_id) not in existing
        ]
        # The situations are locked, so no other sweep writes these; the constraint still
        # makes a repeat harmless.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)


def _seats(site_ids) -> dict[int, list[tuple[int, int | None, bool]]]:
    """Per site: (person, their agency, chairs?) for every active person with a seat."""
    seats: dict[int, list] = {}
    rows = Membership.objects.filter(site__in=site_ids, user__is_active=True).values_list(
        "site_id", "user_id", "user__agency_id", "role"
    )
    for site_id, user_id, agency_id, role in rows:
        chairs = role in (Membership.Role.CHAIR, Membership.Role.CO_CHAIR)
        seats.setdefault(site_id, []).append((user_id, agency_id, chairs))
    return seats


def _recipients(seats, situation: Situation, rung: Rung) -> list[int]:
    chosen = set()
    for user_id, agency_id, chairs in seats.get(situation.site_id, []):
        lead = agency_id is not None and agency_id == situation.lead_agency_id
        if {Rung.LEAD: lead, Rung.CHAIR: chairs, Rung.OVERDUE: lead or chairs}[rung]:
            chosen.add(user_id)
    return sorted(chosen)


def _claim_for_delivery(now: datetime) -> list[int]:
    """Pending reminders never enqueued, or enqueued long ago and still not sent. The rows are
    locked as they are read (SKIP LOCKED), so of two sweeps exactly one claims each."""
    stale = now - REDELIVER_AFTER
    claimed = list(
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(PENDING)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=stale))
        .values_list("pk", flat=True)
    )
    Reminder.objects.filter(pk__in=claimed).update(enqueued_at=now)
    return claimed


def sweep(now: datetime | None = None, *, enqueue: bool = True) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult(created=_create_due_reminders(now))
    with transaction.atomic():
        result.enqueued = _claim_for_delivery(now)
        if enqueue and result.enqueued:
            from .tasks import deliver_reminders

            ids = list(result.enqueued)
            batches = [ids[i : i + DELIVERY_BATCH] for i in range(0, len(ids), DELIVERY_BATCH)]
            transaction.on_commit(lambda: [deliver_reminders.delay(b) for b in batches])
    Heartbeat.beat(SWEEP_HEARTBEAT)
    return result


class DeliveryFailed(Exception):
    pass


# A claim older than this is a worker that died while sending: another may take the reminder.
# Longer than an SMTP conversation can last (EMAIL_TIMEOUT), shorter than REDELIVER_AFTER.
CLAIM_LASTS = timedelta(minutes=3)


def _email(reminder: Reminder) -> EmailMessage:
    """In the recipient's language, whoever's decision started the clock."""
    situation = reminder.situation
    context = {
        "reminder": reminder,
        "situation": situation,
        "link": f"{settings.SITE_URL}{situation.get_absolute_url()}",
        "site": situation.site,
    }
    with speaking(reminder.recipient):
        subject = render_to_string("reminders/email_subject.txt", context).strip()
        body = render_to_string("reminders/email_body.txt", context)
        language = translation.get_language()
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return EmailMessage(
        subject,
        body,
        None,
        [reminder.recipient.email],
        headers={
            "Message-ID": mail.message_id(reminder.key, domain),
            "Content-Language": language,
        },
    )


def _claim_to_send(reminder_id: int, now: datetime) -> tuple[Reminder | None, str]:
    """Lock the reminder, check it should still go, and take a claim on sending it, committed
    before any mail server is contacted."""
    with transaction.atomic():
        reminder = (
            # Lock the reminder row only: locking the joined situation, site and person too
            # would make a second worker skip every other reminder of the same situation.
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("situation__site", "recipient")
            .filter(PENDING, pk=reminder_id)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - CLAIM_LASTS))
            .first()
        )
        if reminder is None:
            return None, "skipped"  # sent, failed, cancelled, or another worker has it
        situation = reminder.situation
        still_entitled = reminder.recipient_id in recipients(situation, Rung(reminder.rung))
        if (
            situation.first_contact_at is not None
            or situation.status != Status.OPEN
            or not still_entitled  # left the agency or the table, or the lead changed
        ):
            reminder.cancelled_at = now
            reminder.save(update_fields=["cancelled_at"])
            return None, "cancelled"
        reminder.attempts += 1
        reminder.claimed_at = now
        reminder.save(update_fields=["attempts", "claimed_at"])
    return reminder, "claimed"


def deliver(reminder_id: int, now: datetime | None = None) -> str:
    """Send one reminder. Returns what happened; raises DeliveryFailed to ask for a retry.

    The send is recorded (handed_over_at, its own committed transaction) before the mail
    server is committed to the message, and only while the reminder is still this worker's
    and still due: a database that is gone, or a contact logged a moment ago, stops the
    message before it leaves. What remains at least once is the moment between the server
    accepting and sent_at being committed: a repeat then carries the same Message-ID."""
    now = now or timezone.now()
    reminder, outcome = _claim_to_send(reminder_id, now)
    if reminder is None:
        return outcome

    def record_handover():
        with transaction.atomic():
            still_ours = (
                Reminder.objects.filter(PENDING, pk=reminder.pk, claimed_at=now)
                .filter(situation__status=Status.OPEN, situation__first_contact_at__isnull=True)
                .update(handed_over_at=now)
            )
        if not still_ours:
            raise mail.HandOverRefused("no longer due")

    error = None
    try:
        mail.send(_email(reminder), before_handover=record_handover)
    except mail.HandOverRefused:
        # Stopped before it left: whatever changed is seen by the next attempt.
        Reminder.objects.filter(pk=reminder.pk, claimed_at=now).update(claimed_at=None)
        return "withheld"
    except Exception as exc:  # noqa: BLE001 - any transport error is retried, then recorded
        error = f"{type(exc).__name__}: {exc}"[:300]
    if error is None:
        Reminder.objects.filter(pk=reminder.pk).update(sent_at=now, last_error="")
        return "sent"
    failed = reminder.attempts >= MAX_ATTEMPTS
    Reminder.objects.filter(pk=reminder.pk, claimed_at=now).update(
        last_error=error, failed_at=now if failed else None, claimed_at=None
    )
    log.warning("reminder %s delivery failed (attempt %s)", reminder_id, reminder.attempts)
    if failed:
        return "failed"
    raise DeliveryFailed(error)


def cancel_pending(situation: Situation, now: datetime | None = None) -> int:
    """The clock stopped: nothing still queued for this situation goes out. (Its
    notifications stop counting as new by themselves: models.CLOCK_STOPPED.)"""
    return Reminder.objects.filter(PENDING, situation=situation).update(
        cancelled_at=now or timezone.now()
    )


def restore_cancelled(situation: Situation) -> int:
    """The clock runs again (its only successful contact was deleted or corrected): what was
    cancelled unsent may go out after all. Delivery checks again, for each one, that it is
    still due and its recipient still entitled, so restoring too much sends nothing wrong."""
    return Reminder.objects.filter(
        situation=situation,
        cancelled_at__isnull=False,
        sent_at__isnull=True,
        failed_at__isnull=True,
    ).update(cancelled_at=None, enqueued_at=None, claimed_at=None, queued_at=timezone.now())


def unread_count(user: User) -> int:
    return Reminder.objects.filter(recipient=user).unread().count()


# A reminder queued longer than this without being sent means delivery is stuck (no worker,
# a broker that loses messages, a mail server refusing everything), whatever the beat says.
BACKLOG_AFTER = timedelta(minutes=10)


def backlog(now: datetime | None = None) -> str | None:
    """For /readyz: how many reminders have waited too long to be sent, if any. Counted from
    the pending index; a count, never which situations."""
    cutoff = (now or timezone.now()) - BACKLOG_AFTER
    waiting = Reminder.objects.filter(PENDING, queued_at__lte=cutoff).count()
    return f"{waiting} queued over 10 min" if waiting else None
