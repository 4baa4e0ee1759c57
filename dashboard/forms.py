from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.MultipleChoiceField(
        label=_("Sites"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every site you oversee."),
    )

    def __init__(self, data, *, sites):
        today = timezone.localdate()
        defaults = {"start": today - timedelta(days=365), "end": today}
        if data is not None and not any(k in data for k in ("start", "end", "site")):
            data = None
        super().__init__(data, initial=defaults)
        self.sites = {site.code: site for site in sites}
        self.fields["site"].choices = [(site.code, site.name) for site in sites]
        if data is None:
            # No query: show the default period straight away.
            self.data = {"start": defaults["start"].isoformat(), "end": defaults["end"].isoformat()}
            self.is_bound = True

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        if start and start < date(2000, 1, 1):
            self.add_error("start", _("Choose a start after the year 2000."))
        return data

    def chosen_sites(self):
        codes = self.cleaned_data.get("site") or list(self.sites)
        return [self.sites[code] for code in codes]
