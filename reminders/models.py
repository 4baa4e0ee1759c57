import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access.gates import Gate, RestrictedQuerySet
from access.policy import Kind, Who
from core.choices import ChoiceLabelsMixin
from situations.clock import Rung
from situations.models import Situation, Status

# How its email stands, as people read it.
STATUS_LABELS = {
    "queued": _("queued"),
    "sent": _("sent"),
    "failed": _("failed"),
    "cancelled": _("not sent: no longer needed"),
}

PENDING = Q(sent_at__isnull=True, failed_at__isnull=True, cancelled_at__isnull=True)


class ReminderGate(Gate):
    kind = Kind.REMINDER

    def term(self, user, who):
        if who == Who.RECIPIENT:
            return Q(recipient=user)
        return super().term(user, who)


# The clock a reminder is about has stopped: first contact was logged, or the situation is no
# longer open (concluded). Derived from the situation, never stored (docs/design.md §4), so a
# contact deleted by mistake makes its reminders current again by itself.
CLOCK_STOPPED = Q(situation__first_contact_at__isnull=False) | ~Q(situation__status=Status.OPEN)


class ReminderQuerySet(RestrictedQuerySet):
    gate = ReminderGate()

    def unresolved(self):
        return self.exclude(CLOCK_STOPPED)

    def unread(self):
        """What the bell counts: not read, not cancelled, about a clock still running."""
        return self.filter(read_at__isnull=True, cancelled_at__isnull=True).unresolved()


class Reminder(ChoiceLabelsMixin, models.Model):
    """One rung of the ladder for one person: the sweep creates it (once, by the unique
    constraint), delivery sends it by email, and it is the person's in-app notification."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="reminders")
    # Its Message-ID: every attempt to send it carries the same one (reminders/mail.py).
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rung = models.CharField(
        _("rung"),
        max_length=10,
        choices=[
            (Rung.LEAD, _("No contact yet: lead agency")),
            (Rung.CHAIR, _("No contact yet: chair")),
            (Rung.OVERDUE, _("Overdue")),
        ],
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    due_at = models.DateTimeField(_("fell due at"))
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim on sending it: no other worker sends it until this is stale.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Recorded just before the mail server was committed to the message (reminders/mail.py);
    # set without sent_at, the server may or may not have accepted it.
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["situation", "rung", "recipient"], name="one_reminder_per_rung_and_person"
            )
        ]
        indexes = [
            models.Index(fields=["enqueued_at"], name="reminder_pending", condition=PENDING),
            models.Index(
                fields=["recipient", "read_at"],
                name="reminder_unread",
                condition=Q(read_at__isnull=True, cancelled_at__isnull=True),
            ),
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.situation_id}/{self.rung}/{self.recipient_id}"

    @property
    def resolved(self) -> bool:
        """The clock it was about has stopped (as CLOCK_STOPPED, for one row)."""
        situation = self.situation
        return situation.first_contact_at is not None or situation.status != Status.OPEN

    @property
    def status(self) -> str:
        if self.cancelled_at:
            return "cancelled"
        if self.sent_at:
            return "sent"
        if self.failed_at:
            return "failed"
        return "queued"

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]
