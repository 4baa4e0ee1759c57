"""The situation record, shaped like Ontario's Risk-driven Tracking Database (docs/domain.md §4).

Three layers, three audiences:
- Situation, AffectedPerson, SituationRiskFactor: de-identified, seen by the site's members.
- IdentifyingDetails: filter 3, encrypted, seen only through restrict(user, "view_identity").
- Guardian grants to agency groups decide need-to-know; services keep them in step.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from access.gates import GLOBAL_ROLES, Gate, RestrictedQuerySet
from access.policy import TABLE_STATES, Granted, Kind, State, Who
from agencies.models import Agency, Site
from core.choices import ChoiceLabelsMixin
from core.concurrency import VersionedModel

from .crypto import EncryptedTextField
from .lists import label as list_label

# ---- Editable lists ---------------------------------------------------------------------------


class ListItem(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: seeded names are catalogue entries (lists.py)."""
        return list_label(self.name)


class RiskCategory(ListItem):
    class Meta(ListItem.Meta):
        verbose_name = _("risk category")
        verbose_name_plural = _("risk categories")


class RiskFactor(models.Model):
    category = models.ForeignKey(RiskCategory, on_delete=models.PROTECT, related_name="factors")
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__position", "category__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="risk_factor_unique_name")
        ]
        verbose_name = _("risk factor")
        verbose_name_plural = _("risk factors")

    def __str__(self) -> str:
        # French sets a space before the colon: "Logement : Menace d'expulsion".
        return gettext("%(category)s: %(factor)s") % {
            "category": self.category.label,
            "factor": self.label,
        }

    @property
    def label(self) -> str:
        return list_label(self.name)


class ProtectiveFactor(ListItem):
    class Meta(ListItem.Meta):
        verbose_name = _("protective factor")
        verbose_name_plural = _("protective factors")


class StudyFlag(ListItem):
    class Meta(ListItem.Meta):
        verbose_name = _("study flag")
        verbose_name_plural = _("study flags")


class Service(ListItem):
    class Meta(ListItem.Meta):
        verbose_name = _("service mobilized")
        verbose_name_plural = _("services mobilized")


class ConclusionReason(ListItem):
    class Outcome(models.TextChoices):
        LOWERED = "lowered", _("Risk lowered")
        STILL_AER = "still_aer", _("Still acutely elevated")
        REJECTED = "rejected", _("Rejected")

    class Kind(models.TextChoices):
        """What became of the person: the outcomes that last are counted by these (the
        dashboard's re-referral rate), whatever the list's wording."""

        ENGAGED = "engaged", _("Connected and engaged with services")
        INFORMED = "informed", _("Informed of services only")
        DECLINED = "declined", _("Declined")
        NOT_LOCATED = "not_located", _("Could not be located")
        OTHER_MEANS = "other_means", _("Risk lowered by other means")
        OTHER_PROCESS = "other_process", _("Referred to another process")
        REJECTED = "rejected", _("Rejected")

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    # Database defaults: the previous version, serving while this migrates, inserts reasons
    # without these columns (docs/operations.md, "Upgrades").
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, blank=True, db_default=""
    )
    # The code the RTD export writes (docs/exports.md), so renaming a reason changes no file.
    rtd_code = models.CharField(_("RTD code"), max_length=30, blank=True, db_default="")

    class Meta(ListItem.Meta):
        verbose_name = _("conclusion reason")
        verbose_name_plural = _("conclusion reasons")


# ---- The situation ----------------------------------------------------------------------------


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the table")
    OPEN = "open", _("Open")
    REJECTED = "rejected", _("Rejected")
    CONCLUDED = "concluded", _("Concluded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The statuses behind the policy's TABLE_STATES (a purged situation is still "concluded"), for
# code that writes SQL by hand (the benchmark's floors).
TABLE_STATUSES = sorted(
    {Status.CONCLUDED if s == State.PURGED else Status(s) for s in TABLE_STATES}
)


class SubjectType(models.TextChoices):
    PERSON = "person", _("Person")
    FAMILY = "family", _("Family")
    GROUP = "group", _("Group")
    LOCATION = "location", _("Location / environment")


class AgeGroup(models.TextChoices):
    A0_11 = "0-11", _("0–11")
    A12_17 = "12-17", _("12–17")
    A18_24 = "18-24", _("18–24")
    A25_39 = "25-39", _("25–39")
    A40_59 = "40-59", _("40–59")
    A60 = "60+", _("60 and over")
    UNKNOWN = "unknown", _("Unknown / not recorded")
    NA = "na", _("Not applicable")


MINOR_AGE_GROUPS = [AgeGroup.A0_11, AgeGroup.A12_17]


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman / girl")
    MAN = "man", _("Man / boy")
    ANOTHER = "another", _("Another gender")
    UNKNOWN = "unknown", _("Unknown / not recorded")
    NA = "na", _("Not applicable")


class Consent(models.TextChoices):
    OBTAINED = "obtained", _("Obtained")
    NOT_OBTAINED = "not_obtained", _("Not obtained")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class RejectionReason(models.TextChoices):
    NOT_AER = "not_aer", _("Threshold not met: not acutely elevated risk")
    SINGLE_AGENCY = "single_agency", _("One agency can respond alone")
    ALREADY_SERVED = "already_served", _("Already connected to the services needed")
    OTHER_PROCESS = "other_process", _("Belongs in another process")


class SituationGate(Gate):
    """The policy's SITUATION rules over situation rows (docs/design.md §1): site visibility
    is a plain filter on the person's seats; need-to-know reads guardian's grant rows."""

    kind = Kind.SITUATION
    answers_in_memory = True

    # Each grant a bit: the person's grants on a row read as one number, in one subquery.
    # An EXISTS per permission took PostgreSQL longer to plan (its joins through the
    # person's groups, twice) than the whole situation page's query took to run.
    GRANT_BITS = {permission: 1 << n for n, permission in enumerate(Granted)}

    def _granted(self, user) -> dict[str, models.Subquery]:
        bits = models.Case(
            *(
                models.When(permission__codename=str(permission), then=models.Value(bit))
                for permission, bit in self.GRANT_BITS.items()
            ),
            default=models.Value(0),
        )
        held = (
            SituationGroupObjectPermission.objects.filter(
                content_object_id=models.OuterRef("pk"), group__user=user
            )
            .order_by()
            .values("content_object_id")
            .annotate(mask=models.Sum(bits))
            .values("mask")
        )
        return {"_granted_mask": models.Subquery(held, output_field=models.IntegerField())}

    def with_facts(self, queryset, user):
        return queryset.annotate(**self._granted(user))

    def _facts(self, user, obj) -> tuple[set[int], set[str]]:
        """What a loaded situation's own fields do not say: its assisting agencies (from the
        prefetch when there is one) and the grants the person's groups hold on it (read
        along by with_facts, or asked for here)."""
        cached = obj.__dict__.get("_gate_facts")
        if cached is not None and cached[0] == user.pk:
            return cached[1], cached[2]
        assisting = {agency.pk for agency in obj.assisting_agencies.all()}
        if hasattr(obj, "_granted_mask"):
            mask = obj._granted_mask or 0  # NULL: no grant rows at all
            granted = {str(p) for p, bit in self.GRANT_BITS.items() if mask & bit}
        else:
            granted = set(
                SituationGroupObjectPermission.objects.filter(
                    content_object_id=obj.pk, group__user=user
                ).values_list("permission__codename", flat=True)
            )
        obj.__dict__["_gate_facts"] = (user.pk, assisting, granted)
        return assisting, granted

    def holds(self, user, obj, who):
        agency = user.agency_id
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            return obj.site_id in user.seat_site_ids(who)
        if agency is None:
            return False if who not in GLOBAL_ROLES else super().holds(user, obj, who)
        if who == Who.ORIGINATING:
            return obj.originating_agency_id == agency
        if who == Who.LEAD:
            return obj.lead_agency_id == agency
        if who == Who.ASSISTING:
            return agency in self._facts(user, obj)[0]
        if isinstance(who, Granted):
            return str(who) in self._facts(user, obj)[1]
        return super().holds(user, obj, who)

    def state_of(self, obj):
        return obj.state

    def term(self, user, who):
        agency = user.agency_id
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            sites = user.seat_site_ids(who)
            return Q(site__in=sites) if sites else None
        if who == Who.ORIGINATING:
            return Q(originating_agency=agency)
        if who == Who.LEAD:
            return Q(lead_agency=agency)
        if who == Who.ASSISTING:
            # A subquery, not a join: no DISTINCT, so lists keep their index order and LIMIT.
            assisted = Situation.assisting_agencies.through.objects.filter(agency=agency)
            return Q(pk__in=assisted.values("situation_id"))
        if isinstance(who, Granted):
            # Guardian's direct-FK grant rows held by the person's groups, read as
            # get_objects_for_user would with accept_global_perms=False and
            # with_superuser=False: its general query builder cost more than a whole page.
            # Grants to single people are not part of the policy and give nothing.
            grants = SituationGroupObjectPermission.objects.filter(
                permission__codename=str(who), group__user=user
            )
            return Q(pk__in=grants.values("content_object_id"))
        return super().term(user, who)

    def state(self, state):
        if state == State.CONCLUDED:
            return Q(status=Status.CONCLUDED, identity_purged_at__isnull=True)
        if state == State.PURGED:
            return Q(status=Status.CONCLUDED, identity_purged_at__isnull=False)
        return Q(status=str(state))


class SituationQuerySet(RestrictedQuerySet):
    gate = SituationGate()


class Situation(ChoiceLabelsMixin, VersionedModel):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="situations")
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    subject_type = models.CharField(_("subject type"), max_length=20, choices=SubjectType.choices)
    age_group = models.CharField(
        _("age group"), max_length=10, choices=AgeGroup.choices, default=AgeGroup.NA
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, default=Gender.NA)
    originating_agency = models.ForeignKey(
        Agency,
        verbose_name=_("originating agency"),
        on_delete=models.PROTECT,
        related_name="originated_situations",
    )
    referral_source = models.ForeignKey(
        Agency,
        verbose_name=_("original referral source, if different"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_situations",
    )
    first_presented_on = models.DateField(_("date first presented"), null=True, blank=True)
    narrative = models.TextField(
        _("de-identified narrative"),
        max_length=4000,
        help_text=_(
            "Only what the table needs to decide. No names, addresses, birthdates, schools or "
            "other details that would identify anyone."
        ),
    )

    protective_factors = models.ManyToManyField(
        ProtectiveFactor, verbose_name=_("protective factors"), blank=True
    )
    study_flags = models.ManyToManyField(StudyFlag, verbose_name=_("study flags"), blank=True)
    services_mobilized = models.ManyToManyField(
        Service, verbose_name=_("services mobilized"), blank=True
    )

    consent = models.CharField(_("consent"), max_length=20, choices=Consent.choices, blank=True)
    consent_reason = models.CharField(_("why consent was not obtained"), max_length=300, blank=True)

    lead_agency = models.ForeignKey(
        Agency,
        verbose_name=_("lead agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_situations",
    )
    assisting_agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("assisting agencies"),
        blank=True,
        related_name="assisted_situations",
    )

    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    # The response clock (docs/design.md §4): state is derived from these, never stored.
    accepted_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)

    conclusion_reason = models.ForeignKey(
        ConclusionReason,
        verbose_name=_("conclusion reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    concluded_on = models.DateField(_("date concluded"), null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    identity_purged_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SituationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("view_identity", "View identifying details"),
            ("log_response", "Log the agency's response"),
        ]
        indexes = [
            models.Index(fields=["site", "status"]),
            # The site's list, newest first, read from the index and stopped after a page.
            models.Index(fields=["site", "-created_at"], name="situation_site_recent"),
            # The dashboard's data version: the latest change, read from the end.
            models.Index(fields=["updated_at"], name="situation_updated"),
            # The dashboard's monthly cells (dashboard/rollups.py): a period's situations by
            # the month they count in, with what a cell's fingerprint reads, from the index.
            models.Index(
                fields=["first_presented_on"],
                include=["site", "status", "updated_at"],
                name="situation_presented_month",
            ),
            models.Index(
                fields=["accepted_at"],
                include=["site", "updated_at", "first_contact_at", "response_due_at"],
                name="situation_accepted_month",
            ),
            models.Index(
                fields=["concluded_on"],
                include=["site", "status", "updated_at"],
                name="situation_concluded_month",
            ),
            models.Index(
                fields=["response_due_at"],
                name="situation_clock_running",
                condition=Q(status="open", first_contact_at__isnull=True),
            ),
            models.Index(
                fields=["concluded_at"],
                name="situation_identity_to_purge",
                condition=Q(status="concluded", identity_purged_at__isnull=True),
            ),
        ]
        verbose_name = _("situation")
        verbose_name_plural = _("situations")

    def __str__(self) -> str:
        return self.reference

    def get_additional_data(self) -> dict:
        return {"situation": self.pk}

    def listed(self) -> dict[str, list[ListItem]]:
        """Its protective factors, study flags and services mobilized, each list in its
        order: one query (a UNION) where reading each many-to-many was three."""
        models_of = {"protective": ProtectiveFactor, "flags": StudyFlag, "services": Service}
        parts = [
            model.objects.filter(situation=self)
            .order_by()
            .annotate(kind=models.Value(kind))
            .values_list("kind", "name", "position")
            for kind, model in models_of.items()
        ]
        rows = parts[0].union(*parts[1:], all=True).order_by("kind", "position", "name")
        listed: dict[str, list[ListItem]] = {kind: [] for kind in models_of}
        for kind, name, position in rows:
            listed[kind].append(models_of[kind](name=name, position=position))
        return listed

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "situation_detail", kwargs={"code": self.site.slug, "reference": self.reference}
        )

    @property
    def state(self) -> State:
        """The lifecycle state the policy speaks of (docs/design.md §3)."""
        if self.status == Status.CONCLUDED and self.identity_purged_at is not None:
            return State.PURGED
        return State(self.status)

    @property
    def purge_due_at(self):
        if self.concluded_at is None:
            return None
        return self.concluded_at + timedelta(days=self.site.retention_days)

    def agencies(self) -> dict[Who, set[int]]:
        """Which agencies hold each relationship to the situation: the one place that says
        who originated, leads and assists."""
        return {
            Who.ORIGINATING: {self.originating_agency_id},
            Who.LEAD: {self.lead_agency_id} if self.lead_agency_id else set(),
            Who.ASSISTING: {a.pk for a in self.assisting_agencies.all()},
        }


class SituationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Situation, on_delete=models.CASCADE)


class SituationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Situation, on_delete=models.CASCADE)


class ReferenceSequence(models.Model):
    """The last number used per site and year, claimed under a row lock."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "year"], name="one_sequence_per_site_year")
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.year}: {self.last_number}"


class AffectedPerson(ChoiceLabelsMixin, models.Model):
    """A person the situation is about, de-identified ("Person A, 12–17, girl").

    RTD's "affected persons". Their identity, if shared, lives in IdentifyingDetails.
    """

    situation = models.ForeignKey(
        Situation, on_delete=models.CASCADE, related_name="affected_persons"
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    label = models.CharField(
        _("label"), max_length=40, help_text=_("A neutral label such as “Person A” or “Parent”.")
    )
    age_group = models.CharField(
        _("age group"), max_length=10, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["situation", "label"], name="person_label_unique")
        ]
        verbose_name = _("affected person")
        verbose_name_plural = _("affected persons")

    def __str__(self) -> str:
        # Audit entries print this; templates show `label` to those who may see it.
        return f"affected person #{self.pk}"

    def get_additional_data(self) -> dict:
        return {"situation": self.situation_id}


class SituationRiskFactor(models.Model):
    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="risk_factors")
    factor = models.ForeignKey(RiskFactor, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        AffectedPerson, on_delete=models.CASCADE, null=True, blank=True, related_name="risk_factors"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["situation", "factor"],
                condition=Q(person__isnull=True),
                name="risk_factor_once_per_situation",
            ),
            models.UniqueConstraint(
                fields=["situation", "factor", "person"], name="risk_factor_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        # Audit entries print this: the factor would tell an administrator about the case.
        return f"risk factor link #{self.pk}"

    def get_additional_data(self) -> dict:
        return {"situation": self.situation_id}


class IdentifyingDetails(models.Model):
    """Filter 3: who the affected person is. Encrypted; purged after conclusion or at rejection."""

    person = models.OneToOneField(AffectedPerson, on_delete=models.CASCADE, related_name="identity")
    full_name = EncryptedTextField(_("name"))
    date_of_birth = EncryptedTextField(_("date of birth"), blank=True)
    approximate_age = EncryptedTextField(_("approximate age"), blank=True)
    location = EncryptedTextField(_("address or location description"), blank=True)
    contact_notes = EncryptedTextField(_("contact notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("identifying details")
        verbose_name_plural = _("identifying details")

    def __str__(self) -> str:
        # Audit entries and logs print this: it must never contain the name.
        return f"identity of person #{self.person_id}"

    def get_additional_data(self) -> dict:
        return {"situation": self.person.situation_id}


IDENTITY_FIELDS = ["full_name", "date_of_birth", "approximate_age", "location", "contact_notes"]


# ---- Filter 4: the response ------------------------------------------------------------------


class ContactMethod(models.TextChoices):
    DOOR_KNOCK = "door_knock", _("Door knock")
    PHONE = "phone", _("Phone")
    OFFICE = "office", _("Office visit")
    OTHER = "other", _("Other")


class ContactOutcome(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    NOT_FOUND = "not_found", _("Not found")
    REFUSED = "refused", _("Refused")
    OTHER = "other", _("Other")


class InterventionPlan(VersionedModel):
    """Who goes, when and how: planned by the intervening agencies, often right after the
    meeting. Need-to-know (filter 4)."""

    situation = models.OneToOneField(Situation, on_delete=models.CASCADE, related_name="plan")
    who = models.CharField(_("who goes"), max_length=300)
    planned_for = models.DateTimeField(_("when"))
    how = models.TextField(_("how"), max_length=2000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("intervention plan")

    def __str__(self) -> str:
        return f"plan for situation #{self.situation_id}"

    def get_additional_data(self) -> dict:
        return {"situation": self.situation_id}


class ContactAttemptGate(Gate):
    """The policy's CONTACT_ATTEMPT rules: an entry belongs to the agency that logged it, and
    lives in its situation's states and scope."""

    kind = Kind.CONTACT_ATTEMPT

    def term(self, user, who):
        if who == Who.SEATED:
            sites = user.active_site_ids if user.agency_id else []
            return Q(situation__site__in=sites) if sites else None
        if who == Who.OWNER:
            return Q(agency=user.agency_id) if user.agency_id else None
        if isinstance(who, Granted):
            situations = Situation.objects.all().gate.term(user, who)
            return Q(situation__in=Situation.objects.filter(situations))
        return super().term(user, who)

    def state(self, state):
        situations = Situation.objects.all().gate.state(state)
        return Q(situation__in=Situation.objects.filter(situations))


class ContactAttemptQuerySet(RestrictedQuerySet):
    gate = ContactAttemptGate()


class ContactAttempt(ChoiceLabelsMixin, models.Model):
    situation = models.ForeignKey(
        Situation, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    # Its address in URLs (docs/design.md §6): never the sequential id.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    attempted_at = models.DateTimeField(_("date and time"))
    method = models.CharField(_("method"), max_length=20, choices=ContactMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ContactOutcome.choices)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)

    objects = ContactAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-attempted_at"]
        verbose_name = _("contact attempt")

    def __str__(self) -> str:
        return f"contact attempt #{self.pk}"

    def get_additional_data(self) -> dict:
        return {"situation": self.situation_id}


class SituationUpdate(models.Model):
    """What the lead agency reports at the next meeting: de-identified, seen by the table."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="updates")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("update for the next meeting"), max_length=2000)
    proposes_conclusion = models.BooleanField(_("propose to conclude"), default=False)
    proposed_reason = models.ForeignKey(
        ConclusionReason,
        verbose_name=_("proposed conclusion reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("update")

    def __str__(self) -> str:
        return f"update #{self.pk}"

    def get_additional_data(self) -> dict:
        return {"situation": self.situation_id}
