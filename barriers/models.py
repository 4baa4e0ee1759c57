"""The table's register of systemic issues. De-identified: a barrier knows how many situations
touched it, per site and month; which ones, only the situations' own pages say."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access.gates import Gate, RestrictedQuerySet
from access.policy import Kind, State, Who
from agencies.models import Agency, Site
from core.choices import ChoiceLabelsMixin
from core.concurrency import VersionedModel
from situations.models import ListItem, Situation


class BarrierCategory(ListItem):
    class Meta(ListItem.Meta):
        verbose_name = _("barrier category")
        verbose_name_plural = _("barrier categories")


class BarrierGate(Gate):
    kind = Kind.BARRIER

    def term(self, user, who):
        if who == Who.SEATED:
            if not (user.agency_id and user.active_site_ids):
                return None
            # A subquery, not a join: a barrier raised at two of the person's sites is one row.
            raised_here = Barrier.sites.through.objects.filter(site__in=user.active_site_ids)
            return Q(pk__in=raised_here.values("barrier_id"))
        return super().term(user, who)

    def state(self, state):
        if state == State.BARRIER_OPEN:
            return Q(status__in=Barrier.OPEN_STATUSES)
        return ~Q(status__in=Barrier.OPEN_STATUSES)


class BarrierQuerySet(RestrictedQuerySet):
    gate = BarrierGate()


class Barrier(ChoiceLabelsMixin, VersionedModel):
    class Status(models.TextChoices):
        RAISED = "raised", _("Raised")
        REVIEW = "review", _("Under steering review")
        AGREED = "agreed", _("Action agreed")
        RESOLVED = "resolved", _("Resolved")
        NOT_PURSUED = "not_pursued", _("Not pursued")

    OPEN_STATUSES = [Status.RAISED, Status.REVIEW, Status.AGREED]

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    category = models.ForeignKey(
        BarrierCategory, verbose_name=_("category"), on_delete=models.PROTECT
    )
    description = models.TextField(
        _("description"),
        max_length=2000,
        help_text=_("The systemic issue, de-identified: no names, no details of any situation."),
    )
    sites = models.ManyToManyField(Site, verbose_name=_("raised at"), related_name="barriers")
    raised_by_agency = models.ForeignKey(
        Agency, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RAISED
    )
    owner_agency = models.ForeignKey(
        Agency,
        verbose_name=_("owner agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owned_by_steering = models.BooleanField(_("owned by the steering committee"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BarrierQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("barrier")
        verbose_name_plural = _("barriers")

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("barrier_detail", kwargs={"reference": self.reference})

    @property
    def owner_label(self) -> str:
        if self.owned_by_steering:
            return str(_("Steering committee"))
        return self.owner_agency.name if self.owner_agency else "—"


class BarrierAction(models.Model):
    """The dated log: comments, decisions, changes of status and owner."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        DECISION = "decision", _("Decision")
        STATUS = "status", _("Status changed")
        OWNER = "owner", _("Owner assigned")
        RAISED = "raised", _("Raised")

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.barrier_id}: {self.kind}"


class BarrierLink(models.Model):
    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="links")
    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["barrier", "situation"], name="link_once")]

    def __str__(self) -> str:
        return f"link #{self.pk}"


class BarrierSequence(models.Model):
    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
