from datetime import date

from auditlog.models import LogEntry
from django import forms
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
