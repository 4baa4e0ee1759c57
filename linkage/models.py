"""Linkage keys and the links a chair confirmed. Neither holds identity.

LinkageKey: keyed hashes of one affected person's normalised identity (keys.py), kept while
the situation is live and for REPEAT_WINDOW_DAYS after it concludes, then deleted by the
retention task. Never registered with the audit trail: a key in a diff would outlive its row.

RepeatLink: a possible repeat the check found ("pending": shown to who may see it), and then a
chair's answer: this situation and an earlier presentation are the same person ("linked"), or
not ("dismissed"). Only linked rows count anywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from situations.models import AffectedPerson, Situation


class LinkageKey(models.Model):
    person = models.ForeignKey(AffectedPerson, on_delete=models.CASCADE, related_name="+")
    # Denormalised from the person, so a check joins no further than the situation.
    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="+")
    key_id = models.CharField(max_length=8)
    rule = models.PositiveSmallIntegerField()
    digest = models.CharField(max_length=32)
    # Whether the record carried a full date of birth: "same name, same year" is not enough
    # between two records that both did (keys.YEAR_ONLY).
    born_exactly = models.BooleanField(default=False)
    # Set at conclusion: the end of the repeat window; null while the situation is live.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # A check is one index lookup per key of the new record, never a scan.
            models.Index(fields=["digest"], name="linkage_key_digest"),
            models.Index(
                fields=["expires_at"],
                name="linkage_key_expiry",
                condition=models.Q(expires_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"linkage key #{self.pk}"


class RepeatLink(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Possible repeat, not yet decided")
        LINKED = "linked", _("Linked: the same person")
        DISMISSED = "dismissed", _("Dismissed: not the same person")

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="+")
    earlier = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["situation", "earlier"], name="one_link_per_pair"),
            models.CheckConstraint(
                condition=~models.Q(situation=models.F("earlier")), name="link_not_to_itself"
            ),
        ]
        indexes = [models.Index(fields=["earlier", "decision"], name="repeat_link_earlier")]

    def __str__(self) -> str:
        return f"repeat link #{self.pk}"

    def get_additional_data(self) -> dict:
        # Not "situation": the situation's history is read by every agency involved, and
        # that a link exists is the chairs' to know; the privacy officer's trail has it.
        return {"repeat_link_of": self.situation_id}
