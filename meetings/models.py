"""The weekly meeting: agenda items point at situations; situations know nothing of meetings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.gates import Gate, RestrictedQuerySet
from access.policy import Kind, Who
from agencies.models import Site
from core.choices import ChoiceLabelsMixin
from core.concurrency import VersionedModel
from situations.models import Situation


def _sites(user, who) -> list[int]:
    """Active sites where the person holds `who` (any seat, or a chair's)."""
    return [
        site for site, seat, active in user.seats if active and (who == Who.SEATED or seat == who)
    ]


class MeetingGate(Gate):
    kind = Kind.MEETING
    wrong_state = _("The meeting is not in a state that allows this. Reload the page.")
    site_field = "site"

    def term(self, user, who):
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            sites = _sites(user, who)
            return Q(**{f"{self.site_field}__in": sites}) if sites else None
        return super().term(user, who)

    def state(self, state):
        prefix = "" if self.site_field == "site" else "meeting__"
        return Q(**{f"{prefix}status": str(state)})


class AgendaItemGate(MeetingGate):
    kind = Kind.AGENDA_ITEM
    site_field = "meeting__site"

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

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"))  # local date: the meeting's key in URLs
    starts_at = models.DateTimeField(_("starts at"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
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

    def bump(self) -> None:
        Meeting.objects.filter(pk=self.pk).update(revision=models.F("revision") + 1)


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
