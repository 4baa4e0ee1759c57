from datetime import date

from auditlog.models import LogEntry
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import SaneDateField

# Dates outside this range are typing mistakes; they are refused rather than overflowing.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class AuditFilterForm(forms.Form):
    start = SaneDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = SaneDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    record = forms.CharField(
        label=_("Record (reference)"), required=False, max_length=40, strip=True
    )
    actor = forms.CharField(label=_("Person (user name)"), required=False, max_length=150)
    action = forms.TypedChoiceField(
        label=pgettext_lazy("what was done to a record", "Action"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any")), *LogEntry.Action.choices],
    )

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            value = data.get(name)
            if value and not EARLIEST <= value <= LATEST:
                self.add_error(name, _("Choose a date between 2000 and 2100."))
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        return data

    def filter(self, entries):
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["start"]:
            entries = entries.filter(timestamp__date__gte=data["start"])
        if data["end"]:
            entries = entries.filter(timestamp__date__lte=data["end"])
        if data["record"]:
            entries = entries.filter(object_repr__iexact=data["record"])
        if data["actor"]:
            entries = entries.filter(actor__username__iexact=data["actor"].strip())
        if data["action"] is not None:
            entries = entries.filter(action=data["action"])
        return entries


class AccessRequestForm(forms.Form):
    """The person's identifying details, typed once for one search: never stored."""

    full_name = forms.CharField(
        label=_("Name of the person who asked"),
        max_length=200,
        help_text=_("As the person gave it. Accents, case and spacing do not matter."),
    )
    date_of_birth = SaneDateField(
        label=_("Date of birth, if the person gave it"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value and not date(1900, 1, 1) <= value <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date of birth between 1900 and today."))
        return value


class CorrectionForm(forms.Form):
    """New values for the fields the person asked to correct; a blank field stays as it is."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    received_on = SaneDateField(
        label=_("Date the request was received"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    full_name = forms.CharField(label=_("Corrected name"), max_length=200, required=False)
    date_of_birth = SaneDateField(
        label=_("Corrected date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    approximate_age = forms.IntegerField(
        label=_("Corrected approximate age"), min_value=0, max_value=120, required=False
    )
    location = forms.CharField(
        label=_("Corrected address or location"), max_length=500, required=False
    )

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if not EARLIEST <= value <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date from 2000 to today."))
        return value

    def changes(self) -> dict[str, str]:
        data = self.cleaned_data
        values = {
            "full_name": data["full_name"],
            "date_of_birth": data["date_of_birth"].isoformat() if data["date_of_birth"] else "",
            "approximate_age": (
                str(data["approximate_age"]) if data["approximate_age"] is not None else ""
            ),
            "location": data["location"],
        }
        return {name: value for name, value in values.items() if value}
