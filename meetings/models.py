"""The weekly meeting: agenda items point at situations; situations know nothing of meetings."""

import uuid
from functools import partial

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.gates import Gate, RestrictedQuerySet
from access.policy import Kind, State, Who
from agencies.models import Site
from core.choices import ChoiceLabelsMixin
from core.concurrency import VersionedModel
from situations.models import Situation

from .live import announce


def _sites(user, who) -> list[int]:
    """Active sites where the person holds `who` (any seat, or a chair's)."""
    return [
        site for site, seat, active in user.seats if active and (who == Who.SEATED or seat == who)
    ]


class MeetingGate(Gate):
    kind = Kind.MEETING
    wrong_state = _("The meeting is not in a state that allows this. Reload the page.")
    site_field = "site"
    answers_in_memory = True

    def term(self, user, who):
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            sites = user.seat_site_ids(who)
            return Q(**{f"{self.site_field}__in": sites}) if sites else None
        return super().term(user, who)

    def holds(self, user, obj, who):
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            return obj.site_id in user.seat_site_ids(who)
        return super().holds(user, obj, who)

    def state_of(self, obj):
        if obj.status == Meeting.Status.CLOSED and obj.minutes_approved_at is not None:
            return State.MINUTES_APPROVED
        return State(obj.status)

    def state(self, state):
        prefix = "" if self.site_field == "site" else "meeting__"
        if state == State.CLOSED:  # minutes still a draft
            return Q(**{f"{prefix}status": "closed", f"{prefix}minutes_approved_at__isnull": True})
        if state == State.MINUTES_APPROVED:
            return Q(**{f"{prefix}status": "closed", f"{prefix}minutes_approved_at__isnull": False})
        return Q(**{f"{prefix}status": str(state)})


class AgendaItemGate(MeetingGate):
    kind = Kind.AGENDA_ITEM
    site_field = "meeting__site"
    # Whether the person sees the item's situation is the database's to say.
    answers_in_memory = False

    def holds(self, user, obj, who):
        return None

    def state_of(self, obj):
        return None

    def term(self, user, who):
        if who == Who.SEES_SITUATION:
            return Q(situation__in=Situation.objects.restrict(user, "view"))
        return super().term(user, who)


class MeetingQuerySet(RestrictedQuerySet):
    gate = MeetingGate()


class AgendaItemQuerySet(RestrictedQuerySet):
    gate = AgendaItemGate()


class Meeting(ChoiceLabelsMixin, models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular meeting")
        EXTRA = "extra", _("Extra meeting")

    UPCOMING = (Status.SCHEDULED, Status.IN_PROGRESS)

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"))  # local date: the meeting's key in URLs
    starts_at = models.DateTimeField(_("starts at"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    # Why it was moved, cancelled or added: shown to the table's members, never in a calendar
    # feed (it is free text a chair typed).
    change_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The start it had before the chair moved it (the first one, if moved twice).
    rescheduled_from = models.DateTimeField(null=True, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped by every change anyone at the meeting should see: the followers' cheap poll.
    revision = models.PositiveBigIntegerField(default=0)
    # Minutes are a draft until the next meeting approves them; then they are locked and
    # corrections are addenda.
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    minutes_approved_in = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "held_on"], name="one_meeting_a_day")
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.site.code} {self.key}"

    def save(self, *args, **kwargs) -> None:
        self.held_on = timezone.localtime(self.starts_at).date()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("meeting_detail", kwargs={"code": self.site.slug, "key": self.key})

    @property
    def key(self) -> str:
        return self.held_on.isoformat()

    @property
    def ends_at(self):
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.site.meeting_minutes)

    @property
    def minutes_approved(self) -> bool:
        return self.minutes_approved_at is not None

    def bump(self) -> None:
        Meeting.objects.filter(pk=self.pk).update(revision=models.F("revision") + 1)
        # Followers waiting on the meeting hear of it once the change is committed.
        transaction.on_commit(partial(announce, self.pk))


class Attendance(ChoiceLabelsMixin, models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        APOLOGIES = "apologies", _("Apologies")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"


class AgendaItem(ChoiceLabelsMixin, VersionedModel):
    class Kind(models.TextChoices):
        RETURNING = "returning", _("Returning")
        NEW = "new", _("New")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not yet discussed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        KEPT_OPEN = "kept_open", _("Kept open")
        CONCLUDED = "concluded", _("Concluded")
        DEFERRED = "deferred", _("Deferred to the next meeting")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    position = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(
        _("discussion notes"),
        max_length=4000,
        blank=True,
        help_text=_("For the minutes, which every member of the table reads: keep names out."),
    )

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "situation"], name="situation_once_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}#{self.position}"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.PENDING


class ActionItemGate(Gate):
    kind = Kind.ACTION_ITEM
    answers_in_memory = True

    def holds(self, user, obj, who):
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            return obj.meeting.site_id in user.seat_site_ids(who)
        if who == Who.OWNER:
            return user.agency_id is not None and obj.owner_agency_id == user.agency_id
        return super().holds(user, obj, who)

    def state_of(self, obj):
        return State.ACTION_OPEN if obj.status == ActionItem.Status.OPEN else State.ACTION_CLOSED

    def term(self, user, who):
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            sites = user.seat_site_ids(who)
            return Q(meeting__site__in=sites) if sites else None
        if who == Who.OWNER:
            return Q(owner_agency=user.agency_id) if user.agency_id else None
        return super().term(user, who)

    def state(self, state):
        if state == State.ACTION_OPEN:
            return Q(status=ActionItem.Status.OPEN)
        return ~Q(status=ActionItem.Status.OPEN)


class ActionItemQuerySet(RestrictedQuerySet):
    gate = ActionItemGate()


class ActionItem(ChoiceLabelsMixin, models.Model):
    """What the table agreed someone would do, by when: part of the minutes, de-identified.
    Open actions come back to every meeting until their owner closes them, as done or as not
    possible (UK MARAC practice tells those two apart)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        NOT_POSSIBLE = "not_possible", _("Not possible")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    # Its address (docs/design.md §6: no sequential ids in URLs).
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    situation = models.ForeignKey(
        Situation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(
        _("action"),
        max_length=500,
        help_text=_("What is to be done, de-identified: every member of the table reads it."),
    )
    owner_agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    closing_note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["owner_agency", "due_on"],
                name="action_open_by_owner",
                condition=Q(status="open"),
            )
        ]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self) -> str:
        return f"action #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


class MinutesAddendum(models.Model):
    """A correction to minutes already approved: the approved text stays as it was."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="addenda")
    text = models.TextField(_("correction"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")

    def __str__(self) -> str:
        return f"addendum #{self.pk}"


class CalendarFeed(models.Model):
    """A person's subscribable calendar: a secret address, of which only a hash is stored, so
    that Outlook or a phone can follow the person's meetings without signing in. Revoking it
    (or making a new one) ends the old address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar of person #{self.user_id}"
