"""Forms validate on the server; every choice is limited to what the person may pick."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Site
from core.fields import SaneDateField, SaneDateTimeField
from core.forms import BoundedModelChoiceField, BoundedModelMultipleChoiceField
from ledger.models import ConsentStatus, NotSoughtReason, Told

from . import services
from .models import (
    AffectedPerson,
    AgeGroup,
    ConclusionReason,
    Consent,
    ContactMethod,
    ContactOutcome,
    Gender,
    ProtectiveFactor,
    RejectionReason,
    RiskFactor,
    Service,
    Situation,
    Status,
    StudyFlag,
    SubjectType,
)

CHECKBOXES = forms.CheckboxSelectMultiple

# The first choice of a list that must not start on a real value: one careless click or a
# form sent as it came would otherwise record an age, a gender or a contact that never was.
CHOOSE = ("", _("Choose…"))


def choose(choices) -> list:
    return [CHOOSE, *choices]


# The age groups as ranges of whole years, to check a date of birth against.
AGE_RANGES = {
    AgeGroup.A0_11: (0, 11),
    AgeGroup.A12_17: (12, 17),
    AgeGroup.A18_24: (18, 24),
    AgeGroup.A25_39: (25, 39),
    AgeGroup.A40_59: (40, 59),
    AgeGroup.A60: (60, 200),
}
OLDEST = 120  # years: an approximate age beyond this is a typing error


def age_on(born, day) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class GroupedCheckboxes(forms.CheckboxSelectMultiple):
    """One fieldset per category, so screen readers announce the group of each factor."""

    template_name = "situations/widgets/grouped_checkboxes.html"


def grouped_risk_factor_choices(queryset=None) -> list:
    queryset = queryset if queryset is not None else RiskFactor.objects.filter(active=True)
    groups: dict[str, list] = {}
    for factor in queryset.select_related("category").order_by(
        "category__position", "category__name", "name"
    ):
        groups.setdefault(factor.category.label, []).append((factor.pk, factor.label))
    return list(groups.items())


class SituationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subject_type = forms.ChoiceField(label=_("Subject type"), choices=SubjectType.choices)
    age_group = forms.ChoiceField(
        label=_("Age group"),
        choices=choose(AgeGroup.choices),
        help_text=_(
            "For a person; “Unknown / not recorded” if you do not know, “Not applicable” for "
            "a group or place."
        ),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=choose(Gender.choices))
    referral_source = BoundedModelChoiceField(
        label=_("Original referral source, if not your agency"),
        queryset=Agency.objects.filter(active=True),
        required=False,
    )
    narrative = forms.CharField(
        label=_("De-identified narrative"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_(
            "Only what the table needs to decide. No names, addresses, birthdates, schools or "
            "other details that would identify anyone."
        ),
    )
    risk_factors = forms.TypedMultipleChoiceField(
        label=_("Risk factors"), coerce=int, widget=GroupedCheckboxes
    )
    protective_factors = BoundedModelMultipleChoiceField(
        label=_("Protective factors"),
        queryset=ProtectiveFactor.objects.filter(active=True),
        required=False,
        widget=CHECKBOXES,
    )
    study_flags = BoundedModelMultipleChoiceField(
        label=_("Study flags"),
        queryset=StudyFlag.objects.filter(active=True),
        required=False,
        widget=CHECKBOXES,
    )
    services_mobilized = BoundedModelMultipleChoiceField(
        label=_("Services mobilized"),
        queryset=Service.objects.filter(active=True),
        required=False,
        widget=CHECKBOXES,
    )

    def __init__(self, *args, situation: Situation | None = None, **kwargs):
        if situation is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "version": situation.version,
                "subject_type": situation.subject_type,
                "age_group": situation.age_group,
                "gender": situation.gender,
                "referral_source": situation.referral_source,
                "narrative": situation.narrative,
                "risk_factors": list(
                    situation.risk_factors.filter(person__isnull=True).values_list(
                        "factor_id", flat=True
                    )
                ),
                "protective_factors": situation.protective_factors.all(),
                "study_flags": situation.study_flags.all(),
                "services_mobilized": situation.services_mobilized.all(),
            }
        super().__init__(*args, **kwargs)
        self.fields["risk_factors"].choices = grouped_risk_factor_choices()
        if situation is None or situation.status in (Status.DRAFT, Status.SUBMITTED):
            # Services are mobilized after the table accepts.
            del self.fields["services_mobilized"]

    def record(self) -> services.Record:
        data = self.cleaned_data
        return services.Record(
            subject_type=data["subject_type"],
            age_group=data["age_group"],
            gender=data["gender"],
            narrative=data["narrative"],
            referral_source=data["referral_source"],
            risk_factors=list(RiskFactor.objects.filter(pk__in=data["risk_factors"])),
            protective_factors=data["protective_factors"],
            study_flags=data["study_flags"],
            services_mobilized=data.get("services_mobilized", []),
        )


class AgencyChoicesMixin:
    """Only agencies that sit at the site can be named (a tampered id is a form error)."""

    def limit_agencies(self, site: Site) -> None:
        at_site = services.agencies_at_site(site)
        self.fields["lead_agency"].queryset = at_site
        self.fields["assisting_agencies"].queryset = at_site

    def clean(self):
        data = super().clean()
        lead, assisting = data.get("lead_agency"), data.get("assisting_agencies") or []
        if lead and lead in assisting:
            self.add_error(
                "assisting_agencies", _("The lead agency cannot also be an assisting agency.")
            )
        return data

    def assignment(self) -> services.Assignment:
        return services.Assignment(
            lead=self.cleaned_data["lead_agency"],
            assisting=list(self.cleaned_data["assisting_agencies"]),
        )


class AcceptForm(AgencyChoicesMixin, forms.Form):
    lead_agency = BoundedModelChoiceField(label=_("Lead agency"), queryset=Agency.objects.none())
    assisting_agencies = BoundedModelMultipleChoiceField(
        label=_("Assisting agencies"),
        queryset=Agency.objects.none(),
        required=False,
        widget=CHECKBOXES,
    )
    consent = forms.ChoiceField(
        label=_("Consent"), choices=Consent.choices, widget=forms.RadioSelect
    )
    consent_reason = forms.CharField(
        label=_("If consent was not obtained, why"), max_length=300, required=False
    )

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_agencies(site)

    def clean(self):
        data = super().clean()
        if (
            data.get("consent") == Consent.NOT_OBTAINED
            and not data.get("consent_reason", "").strip()
        ):
            self.add_error("consent_reason", _("Say why consent was not obtained."))
        return data


class ReassignForm(AgencyChoicesMixin, forms.Form):
    lead_agency = BoundedModelChoiceField(label=_("Lead agency"), queryset=Agency.objects.none())
    assisting_agencies = BoundedModelMultipleChoiceField(
        label=_("Assisting agencies"),
        queryset=Agency.objects.none(),
        required=False,
        widget=CHECKBOXES,
    )

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_agencies(site)


class RejectForm(forms.Form):
    # No reason chosen in advance: rejecting deletes every identifying detail.
    rejection_reason = forms.ChoiceField(
        label=_("Why the table did not accept"),
        choices=[("", _("Choose a reason")), *RejectionReason.choices],
    )


class ConcludeForm(forms.Form):
    conclusion_reason = BoundedModelChoiceField(
        label=_("Conclusion reason"),
        queryset=ConclusionReason.objects.filter(active=True).exclude(
            outcome=ConclusionReason.Outcome.REJECTED
        ),
    )
    concluded_on = SaneDateField(
        label=_("Date concluded"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )

    def clean_concluded_on(self):
        value = self.cleaned_data["concluded_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The conclusion date cannot be in the future."))
        return value


class ConsentForm(forms.Form):
    """A step of consent over time (the ledger's ConsentRecord)."""

    status = forms.ChoiceField(label=_("Consent"), choices=choose(ConsentStatus.choices))
    on_date = SaneDateField(
        label=_("Date of the conversation"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    reason = forms.ChoiceField(
        label=_("If not sought: why"),
        choices=[("", _("Not applicable: consent was sought")), *NotSoughtReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("Why, in a few words. Never a name or other identifying detail."),
    )

    def clean(self):
        data = super().clean()
        if data.get("status") == ConsentStatus.NOT_SOUGHT and not data.get("reason"):
            self.add_error("reason", _("Say why consent was not sought."))
        if data.get("status") and data.get("status") != ConsentStatus.NOT_SOUGHT:
            data["reason"] = ""
        return data


class ToldForm(forms.Form):
    """Whether the person was told that their information was shared (the lead agency)."""

    outcome = forms.ChoiceField(
        label=_("Was the person told?"), choices=choose(Told.choices), widget=forms.RadioSelect
    )
    told_on = SaneDateField(
        label=_("Date they were told"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Told.TOLD and not data.get("told_on"):
            self.add_error("told_on", _("Give the date the person was told."))
        return data


class PersonForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=40,
        help_text=_("A neutral label such as “Person A” or “Parent”, never a name."),
    )
    age_group = forms.ChoiceField(
        label=_("Age group"),
        choices=choose(AgeGroup.choices),
        help_text=_("“Unknown / not recorded” if you do not know."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=choose(Gender.choices))
    full_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    date_of_birth = SaneDateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    approximate_age = forms.IntegerField(
        label=_("Approximate age in years, if the date of birth is unknown"),
        min_value=0,
        max_value=OLDEST,
        required=False,
    )
    location = forms.CharField(
        label=_("Address or location description"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contact_notes = forms.CharField(
        label=_("Contact notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    risk_factors = forms.TypedMultipleChoiceField(
        label=_("Risk factors that concern this person"),
        coerce=int,
        required=False,
        widget=GroupedCheckboxes,
    )

    def __init__(self, *args, situation: Situation, person: AffectedPerson | None = None, **kw):
        if person is not None and "initial" not in kw:
            identity = getattr(person, "identity", None)
            kw["initial"] = {
                "label": person.label,
                "age_group": person.age_group,
                "gender": person.gender,
                "risk_factors": list(person.risk_factors.values_list("factor_id", flat=True)),
            }
            if identity is not None:
                kw["initial"].update(
                    full_name=identity.full_name,
                    date_of_birth=identity.date_of_birth or None,
                    approximate_age=identity.approximate_age,
                    location=identity.location,
                    contact_notes=identity.contact_notes,
                )
        super().__init__(*args, **kw)
        self.situation, self.person = situation, person
        factors = RiskFactor.objects.filter(
            pk__in=situation.risk_factors.filter(person__isnull=True).values("factor_id")
        )
        self.fields["risk_factors"].choices = grouped_risk_factor_choices(factors)

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        clash = self.situation.affected_persons.filter(label__iexact=label)
        if self.person is not None:
            clash = clash.exclude(pk=self.person.pk)
        if clash.exists():
            raise ValidationError(_("Another person in this situation already has that label."))
        return label

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        details = ["date_of_birth", "approximate_age", "location", "contact_notes"]
        given = [name for name in details if data.get(name) not in (None, "")]
        if given and not data.get("full_name", "").strip():
            self.add_error("full_name", _("Identifying details need a name to belong to."))
        self._check_age(data)
        return data

    def _check_age(self, data) -> None:
        """The age group must agree with the date of birth (or the approximate age), as of the
        day the form is saved."""
        bounds = AGE_RANGES.get(data.get("age_group"))
        born, approximate = data.get("date_of_birth"), data.get("approximate_age")
        if born is not None:
            age = age_on(born, timezone.localdate())
        elif approximate is not None:
            age = approximate
        else:
            return
        if data.get("age_group") == AgeGroup.NA:
            self.add_error("age_group", _("A person with an age cannot be “Not applicable”."))
        elif bounds is not None and not bounds[0] <= age <= bounds[1]:
            self.add_error(
                "age_group",
                _("This age group does not match the age (%(age)d years today).") % {"age": age},
            )

    def identity(self) -> services.Identity | None:
        data = self.cleaned_data
        if not data.get("full_name", "").strip():
            return None
        return services.Identity(
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"].isoformat() if data["date_of_birth"] else "",
            approximate_age="" if data["approximate_age"] is None else str(data["approximate_age"]),
            location=data["location"],
            contact_notes=data["contact_notes"],
        )


class SituationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        help_text=_("A reference, an agency, or a risk factor."),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    agency = BoundedModelChoiceField(
        label=_("Agency involved"), required=False, queryset=Agency.objects.none()
    )
    category = BoundedModelChoiceField(label=_("Risk category"), required=False, queryset=None)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("", _("Newest first")), ("clock", _("Least time left first"))],
    )

    def __init__(self, *args, site: Site, **kwargs):
        from .models import RiskCategory

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = services.agencies_at_site(site)
        self.fields["category"].queryset = RiskCategory.objects.all()


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    who = forms.CharField(label=_("Who goes"), max_length=300)
    planned_for = SaneDateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    how = forms.CharField(label=_("How"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ContactForm(forms.Form):
    attempted_at = SaneDateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    method = forms.ChoiceField(label=_("Method"), choices=choose(ContactMethod.choices))
    # No outcome is chosen for the person: "Contacted" stops the 48-hour clock.
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=choose(ContactOutcome.choices),
        help_text=_("“Contacted” stops the response clock."),
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_attempted_at(self):
        value = self.cleaned_data["attempted_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise ValidationError(_("A contact attempt cannot be in the future."))
        return value


class UpdateForm(forms.Form):
    text = forms.CharField(
        label=_("Update for the next meeting"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The whole table hears this: keep names out."),
    )
    proposes_conclusion = forms.BooleanField(label=_("Propose to conclude"), required=False)
    proposed_reason = BoundedModelChoiceField(
        label=_("Proposed conclusion reason"),
        queryset=ConclusionReason.objects.filter(active=True).exclude(
            outcome=ConclusionReason.Outcome.REJECTED
        ),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("proposes_conclusion") and not data.get("proposed_reason"):
            self.add_error("proposed_reason", _("Choose the conclusion reason you propose."))
        return data


class ServicesForm(forms.Form):
    services_mobilized = BoundedModelMultipleChoiceField(
        label=_("Services mobilized"),
        queryset=Service.objects.filter(active=True),
        required=False,
        widget=CHECKBOXES,
    )
