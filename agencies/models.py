"""The people and organisations a table is made of."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from access.gates import Gate, RestrictedQuerySet
from access.policy import Kind, State, Who
from core.choices import ChoiceLabelsMixin
from core.concurrency import VersionedModel


class Sector(models.TextChoices):
    POLICE = "police", _("Police")
    HEALTH = "health", _("Health")
    MENTAL_HEALTH = "mental_health", _("Mental health and addictions")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    HOUSING = "housing", _("Housing")
    EDUCATION = "education", _("Education")
    JUSTICE = "justice", _("Probation / justice")
    VICTIM_SERVICES = "victim_services", _("Victim services")
    SOCIAL_SERVICES = "social_services", _("Social services")
    FIRE_EMS = "fire_ems", _("Fire / EMS")
    COMMUNITY = "community", _("Community organisation")
    MUNICIPAL = "municipal", _("Municipal")
    OTHER = "other", _("Other")


class Agency(ChoiceLabelsMixin, models.Model):
    """An organisation at the table. Its people share one auth.Group, the unit of object grants."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, editable=False)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, editable=False, related_name="agency"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.short_name)[:60]
        with transaction.atomic():
            if self.group_id is None:
                self.group = Group.objects.create(name=f"agency:{self.slug}")
            super().save(*args, **kwargs)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SiteGate(Gate):
    kind = Kind.SITE
    answers_in_memory = True

    def holds(self, user, obj, who):
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            return obj.pk in user.seat_site_ids(who, active_only=False)
        return super().holds(user, obj, who)

    def state_of(self, obj):
        return State.ACTIVE if obj.active else State.INACTIVE

    def term(self, user, who):
        if who in (Who.SEATED, Who.CHAIR, Who.CO_CHAIR):
            # Any site, active or not: the policy's rules say which states count.
            sites = user.seat_site_ids(who, active_only=False)
        else:
            return super().term(user, who)
        return Q(pk__in=sites) if sites else None

    def state(self, state):
        return {State.ACTIVE: Q(active=True), State.INACTIVE: Q(active=False)}[state]


class SiteQuerySet(RestrictedQuerySet):
    gate = SiteGate()


# The longest response window a table may set: the dashboard relies on it (a period that
# ended longer ago has no running clock left to pass its deadline).
RESPONSE_WINDOW_MAX_HOURS = 168


class Site(models.Model):
    """A situation table, e.g. FOCUS Rexdale. Its code prefixes reference numbers and URLs."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.CharField(
        _("short code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,6}$", _("Two to six capital letters, e.g. REX."))],
    )
    police_divisions = models.CharField(
        _("police divisions"), max_length=100, blank=True, help_text=_("e.g. 22, 23")
    )
    meeting_weekday = models.PositiveSmallIntegerField(
        _("meeting day"), choices=Weekday.choices, default=Weekday.TUESDAY
    )
    meeting_time = models.TimeField(_("meeting time"), default=time(10, 0))
    meeting_minutes = models.PositiveSmallIntegerField(
        _("meeting length (minutes)"), default=120, validators=[MinValueValidator(15)]
    )
    response_window_hours = models.PositiveSmallIntegerField(
        _("response window (hours)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(RESPONSE_WINDOW_MAX_HOURS)],
    )
    item_minutes = models.PositiveSmallIntegerField(
        _("target minutes per agenda item"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    agenda_cutoff_hours = models.PositiveSmallIntegerField(
        _("agenda cut-off (hours before the meeting)"),
        default=0,
        validators=[MaxValueValidator(336)],
        help_text=_(
            "Situations submitted later go to the following meeting unless a chair pulls them "
            "in. 0: no cut-off."
        ),
    )
    retention_days = models.PositiveSmallIntegerField(
        _("days identifying details are kept after conclusion"),
        default=30,
        validators=[MaxValueValidator(3650)],
    )
    active = models.BooleanField(_("active"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return self.code.lower()

    def next_meeting_at(self, after: datetime | None = None) -> datetime:
        """The start of the next meeting by the site's weekly cadence, in local time.

        A meeting still under way (started less than its length ago) counts as the next one.
        """
        now = timezone.localtime(after or timezone.now())
        days_ahead = (self.meeting_weekday - now.weekday()) % 7
        start = timezone.make_aware(
            datetime.combine(now.date() + timedelta(days=days_ahead), self.meeting_time)
        )
        if start + timedelta(minutes=self.meeting_minutes) <= now:
            start = timezone.make_aware(
                datetime.combine(start.date() + timedelta(days=7), self.meeting_time)
            )
        return start


class PersonGate(Gate):
    """People as the targets of what administrators do (the policy's PERSON rules)."""

    kind = Kind.PERSON

    def state(self, state):
        return {
            State.IS_SUPERUSER: Q(is_superuser=True),
            State.IS_ADMINISTRATOR: Q(is_superuser=False, is_administrator=True),
            State.IS_OTHER: Q(is_superuser=False, is_administrator=False),
        }[state]


class PersonQuerySet(RestrictedQuerySet):
    gate = PersonGate()


class PersonManager(UserManager.from_queryset(PersonQuerySet)):
    pass


class User(AbstractUser, VersionedModel):
    """A person. Members belong to one agency and sit at sites. Steering members,
    administrators and privacy officers belong to no agency and see no case content; an
    administrator may also be a privacy officer."""

    email = models.EmailField(_("email address"), unique=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    is_steering = models.BooleanField(
        _("steering committee"),
        default=False,
        help_text=_("Sees every site in aggregate, small counts suppressed; no individual record."),
    )
    is_administrator = models.BooleanField(
        _("administrator"),
        default=False,
        help_text=_("Manages people, agencies, sites and lists; sees no case content."),
    )
    is_privacy_officer = models.BooleanField(
        _("privacy officer"),
        default=False,
        help_text=_("Reviews the audit trail and the grants; sees no case content."),
    )
    # Blank until the person (or their administrator) chooses: the browser's Accept-Language
    # decides the pages meanwhile, and the site's LANGUAGE_CODE what is sent to them.
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        # The old version's inserts, while it serves beside this migration, leave it out.
        db_default="",
        choices=settings.LANGUAGES,
        help_text=_("The language of the pages, emails, PDFs and calendar sent to this person."),
    )

    objects = PersonManager()

    REQUIRED_FIELDS = ["email"]

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            # "Which agencies sit at this table" (situations.services.agencies_at_site, every
            # agency select of a table) reads its forty seats' people by id. Without their
            # agency and state in the index, PostgreSQL priced forty lookups above reading
            # every person in the province (0.8-2 ms a list page; 0.2 ms with it).
            models.Index(fields=["id"], include=["agency", "is_active"], name="person_seat_agency"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def holds_role(self) -> bool:
        return self.is_steering or self.is_administrator or self.is_privacy_officer

    @property
    def roles_display(self) -> str:
        labels = [
            label
            for held, label in (
                (self.agency_id is not None, _("Agency member")),
                (self.is_steering, _("Steering committee")),
                (self.is_administrator, _("Administrator")),
                (self.is_privacy_officer, _("Privacy officer")),
                (self.is_superuser, _("Superuser")),
            )
            if held
        ]
        return ", ".join(str(label) for label in labels) or "—"

    @cached_property
    def seats(self) -> tuple[tuple[int, str, bool], ...]:
        """(site, role, site active?) for each of the person's seats. Read once per person
        object, so once per request: navigation, restrict() and the services all ask."""
        return tuple(self.memberships.values_list("site_id", "role", "site__active"))

    def seat_site_ids(self, who: str = "seated", *, active_only: bool = True) -> list[int]:
        """The sites where the person holds a seat: any seat ("seated", the policy's
        Who.SEATED) or a seat of that role; at active sites only, unless asked otherwise."""
        if self.agency_id is None:
            return []
        return sorted(
            site
            for site, role, active in self.seats
            if (active or not active_only) and who in ("seated", role)
        )

    @property
    def active_site_ids(self) -> list[int]:
        return self.seat_site_ids()

    def clean(self) -> None:
        super().clean()
        if self.agency_id is not None and self.holds_role:
            raise ValidationError(
                {
                    "agency": _(
                        "An agency member cannot also be on the steering committee, an "
                        "administrator or a privacy officer: those roles see no case content."
                    )
                }
            )
        if self.agency_id is None and not self.holds_role and not self.is_superuser:
            raise ValidationError(
                {"agency": _("Choose the person's agency, or give them a role below.")}
            )
        if self.email:
            self.email = self.email.strip().lower()

    def save(self, *args, **kwargs) -> None:
        # Administrators use the Django admin; nobody else does, whatever was ticked.
        self.is_staff = self.is_administrator or self.is_superuser
        with transaction.atomic():
            super().save(*args, **kwargs)
            self._sync_agency_group()

    def _sync_agency_group(self) -> None:
        """Keep the person in exactly their agency's group: joining or leaving changes access."""
        agency_groups = Group.objects.filter(agency__isnull=False)
        wanted = {self.agency.group_id} if self.agency_id and self.is_active else set()
        current = set(self.groups.filter(agency__isnull=False).values_list("id", flat=True))
        if current - wanted:
            self.groups.remove(*agency_groups.filter(id__in=current - wanted))
        if wanted - current:
            self.groups.add(*wanted)


class Membership(ChoiceLabelsMixin, models.Model):
    """A person's seat at a site."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        CO_CHAIR = "co_chair", _("Co-chair")
        REPRESENTATIVE = "representative", _("Agency representative")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("role at the table"), max_length=20, choices=Role.choices, default=Role.REPRESENTATIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site__name", "user__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="one_seat_per_person_per_site")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.site.code} ({self.get_role_display()})"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self.user.__dict__.pop("seats", None)

    def delete(self, *args, **kwargs):
        self.user.__dict__.pop("seats", None)
        return super().delete(*args, **kwargs)

    @property
    def chairs(self) -> bool:
        return self.role in (self.Role.CHAIR, self.Role.CO_CHAIR)

    def clean(self) -> None:
        user = getattr(self, "user", None)
        if user is not None and user.agency_id is None:
            raise ValidationError(_("Only agency members sit at a site."))
