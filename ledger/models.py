"""The disclosure ledger: who was given what about a situation, when, by whose decision and on
what basis; consent over time; whether the person was told; corrections made on request.

Written only by the services that disclose (situations.services, inside their own
transaction), never by templates or views. The rows carry no identifying content: a
situation, an agency, a class of information, dates, people of the table and choices. No
free text is copied from the situation, so the rows outlive the purge of identity as the
record that the disclosure happened (docs/threat-model.md, "The disclosure ledger").

The ledger sits below situations in the layers: it names situations by foreign key only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceLabelsMixin


class InfoClass(models.TextChoices):
    IDENTITY = "identity", _("Identifying details")
    NARRATIVE = "narrative", _("Narrative, tied to the identity")
    PLAN = "plan", _("Plan and contacts")


class Basis(models.TextChoices):
    # The originating agency's own information, brought to the table: not a disclosure to
    # another agency, but the ledger starts with it so the report shows who held what.
    OWN_RECORD = "own_record", _("The originating agency's own record")
    CONSENT = "consent", _("Consent obtained")
    ACUTE_RISK = "acute_risk", _("Acutely elevated risk, without consent")


class Closed(models.TextChoices):
    REMOVED = "removed", _("Agency taken off the situation")
    WITHDRAWN = "withdrawn", _("Withdrawn before the table decided")
    REJECTED = "rejected", _("Rejected: threshold not met")
    CONCLUDED = "concluded", _("Situation concluded")
    PURGED = "purged", _("Identifying details purged")


class Disclosure(ChoiceLabelsMixin, models.Model):
    """One class of information made available to one agency. Open while the agency may
    reach it; closed (never deleted) when that ends."""

    situation = models.ForeignKey(
        "situations.Situation", on_delete=models.PROTECT, related_name="disclosures"
    )
    info_class = models.CharField(_("information"), max_length=20, choices=InfoClass.choices)
    recipient = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("recipient")
    )
    basis = models.CharField(_("legal basis"), max_length=20, choices=Basis.choices)
    # The consent record in force when the disclosure was made: what the table recorded
    # (given, or not sought and why). Referenced, not copied: its note stays with the case.
    consent = models.ForeignKey(
        "ConsentRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("disclosed"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    closed_at = models.DateTimeField(_("ended"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_because = models.CharField(
        _("ended because"), max_length=20, choices=Closed.choices, blank=True
    )

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["situation", "recipient", "info_class"],
                condition=Q(closed_at__isnull=True),
                name="one_open_disclosure_per_recipient_and_class",
            )
        ]
        indexes = [models.Index(fields=["opened_at"], name="disclosure_opened_at")]

    def __str__(self) -> str:
        return f"disclosure #{self.pk}"


class ConsentStatus(models.TextChoices):
    SOUGHT = "sought", _("Sought")
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NOT_SOUGHT = "not_sought", _("Not sought")


class NotSoughtReason(models.TextChoices):
    SAFETY = "safety", _("Seeking it would raise the risk")
    UNREACHABLE = "unreachable", _("The person could not be reached in time")
    CAPACITY = "capacity", _("The person could not consent at the time")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (no one person)")
    OTHER = "other", _("Another reason, in the note")


class ConsentRecord(ChoiceLabelsMixin, models.Model):
    """One step of consent over time, recorded by an agency that spoke with the person."""

    situation = models.ForeignKey(
        "situations.Situation", on_delete=models.PROTECT, related_name="consent_history"
    )
    status = models.CharField(_("consent"), max_length=20, choices=ConsentStatus.choices)
    reason = models.CharField(
        _("why not sought"), max_length=20, choices=NotSoughtReason.choices, blank=True
    )
    # Free text: masked in the audit trail, cleared at rejection like the situation's own
    # consent reason, and never copied into a disclosure row.
    note = models.CharField(_("note"), max_length=300, blank=True)
    on_date = models.DateField(_("date"))
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on_date", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"consent record #{self.pk}"

    def get_additional_data(self) -> dict:
        return {"situation": self.situation_id}


class Told(models.TextChoices):
    TOLD = "told", _("Told that their information was shared")
    NOT_SAFE = "not_safe", _("Not told: telling them would not be safe")
    UNREACHABLE = "unreachable", _("Not told: could not be reached")


class TellingQuerySet(models.QuerySet):
    """ "The latest record is the answer": the latest by when it was recorded, then by id."""

    def newest_first(self):
        return self.order_by("-recorded_at", "-pk")

    def latest_outcomes(self) -> dict[int, str]:
        """Each situation's answer, by situation id: the records read in order, the last
        one winning (one pass over the records, not a subquery per situation)."""
        latest: dict[int, str] = {}
        for situation_id, outcome in self.order_by("situation_id", "recorded_at", "pk").values_list(
            "situation_id", "outcome"
        ):
            latest[situation_id] = outcome
        return latest


class TellingRecord(ChoiceLabelsMixin, models.Model):
    """The lead agency says whether, and when, the person was told their information was
    shared, or why not. The latest record is the answer; earlier ones stay as history."""

    situation = models.ForeignKey(
        "situations.Situation", on_delete=models.PROTECT, related_name="telling"
    )
    outcome = models.CharField(_("the person was told"), max_length=20, choices=Told.choices)
    told_on = models.DateField(_("told on"), null=True, blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TellingQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="told", told_on__isnull=False)
                | (~Q(outcome="told") & Q(told_on__isnull=True)),
                name="told_has_a_date",
            )
        ]

    def __str__(self) -> str:
        return f"telling record #{self.pk}"

    def get_additional_data(self) -> dict:
        return {"situation": self.situation_id}


class CorrectionRecord(models.Model):
    """A correction made on the person's request: which fields, by whom, when. Never the old
    or the new value: those are identifying details."""

    situation = models.ForeignKey(
        "situations.Situation", on_delete=models.PROTECT, related_name="corrections"
    )
    fields = models.JSONField(_("fields corrected"))  # names of identity fields
    received_on = models.DateField(_("request received"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"correction #{self.pk}"

    def get_additional_data(self) -> dict:
        return {"situation": self.situation_id}
