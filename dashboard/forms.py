from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from core.fields import SaneDateField

# The first fiscal year offered: FOCUS Rexdale, the first table, began in January 2013.
FIRST_FISCAL_YEAR = 2012


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _fiscal_year(day: date) -> int:
    """Ontario's fiscal year runs April to March; it is named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def closed_periods(today: date) -> dict[str, list[tuple[str, str, Period]]]:
    """Every reporting period that has ended before today, newest first, by kind:
    (value, label, period)."""
    first = date(FIRST_FISCAL_YEAR, 4, 1)
    months, quarters = [], []
    year, month = first.year, first.month
    while (end := _month_end(year, month)) < today:
        start = date(year, month, 1)
        label = formats.date_format(start, "YEAR_MONTH_FORMAT")
        months.append((f"{year}-{month:02d}", label, Period(start, end)))
        if month % 3 == 0:
            q = month // 3
            first_month = date(year, month - 2, 1)
            quarters.append(
                (
                    f"{year}-Q{q}",
                    _("%(year)s Q%(q)s (%(first)s to %(last)s)")
                    % {
                        "year": year,
                        "q": q,
                        "first": formats.date_format(first_month, "F"),
                        "last": formats.date_format(start, "F"),
                    },
                    Period(first_month, end),
                )
            )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    years = [
        (
            str(y),
            _("%(start)s–%(end)s (April to March)") % {"start": y, "end": str(y + 1)[-2:]},
            Period(date(y, 4, 1), date(y + 1, 3, 31)),
        )
        for y in range(FIRST_FISCAL_YEAR, _fiscal_year(today))
    ]
    return {"month": months[::-1], "quarter": quarters[::-1], "year": years[::-1]}


class ReportingPeriodForm(forms.Form):
    """The steering committee's period: a closed month, quarter or fiscal year, every site.

    Arbitrary dates and site choices are refused, not widened: two responses whose periods
    or sites differ a little could be subtracted (dashboard/metrics.py says why)."""

    KINDS = [
        ("month", _("Calendar month")),
        ("quarter", _("Quarter")),
        ("year", _("Fiscal year")),
    ]
    kind = forms.ChoiceField(label=_("Kind of period"), choices=KINDS, widget=forms.RadioSelect)
    month = forms.ChoiceField(
        label=_("Month"), required=False, help_text=_("Read when the kind is a month.")
    )
    quarter = forms.ChoiceField(
        label=_("Quarter"), required=False, help_text=_("Read when the kind is a quarter.")
    )
    year = forms.ChoiceField(
        label=_("Fiscal year"),
        required=False,
        help_text=_("April to March. Read when the kind is a fiscal year."),
    )

    REFUSED = ("start", "end", "site")

    def __init__(self, data):
        self.periods = closed_periods(timezone.localdate())
        defaults = {"kind": "quarter"}
        for kind, periods in self.periods.items():
            if periods:
                defaults[kind] = periods[0][0]
        if data is not None and not any(k in data for k in ("kind", *self.REFUSED, *self.periods)):
            data = None
        super().__init__(data, initial=defaults)
        for kind, periods in self.periods.items():
            self.fields[kind].choices = [(value, label) for value, label, _p in periods]
        if data is None:
            # No query: the latest closed quarter straight away.
            self.data = defaults
            self.is_bound = True

    def clean(self):
        data = super().clean()
        if any(k in self.data for k in ("start", "end")):
            self.add_error(
                None,
                _(
                    "The steering committee reads closed reporting periods only: choose a "
                    "month, a quarter or a fiscal year instead of dates."
                ),
            )
        if "site" in self.data:
            self.add_error(
                None,
                _(
                    "The steering committee's figures always cover every site together; "
                    "they cannot be narrowed to some sites."
                ),
            )
        kind = data.get("kind")
        if kind and not data.get(kind):
            self.add_error(kind, _("Choose one from the list."))
        return data

    def period(self) -> Period:
        kind = self.cleaned_data["kind"]
        value = self.cleaned_data[kind]
        return next(p for v, _label, p in self.periods[kind] if v == value)


class PeriodForm(forms.Form):
    """A chair's period: any dates, for the sites they chair."""

    start = SaneDateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = SaneDateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.MultipleChoiceField(
        label=_("Sites"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every site you chair."),
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

    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])

    def chosen_sites(self):
        codes = self.cleaned_data.get("site") or list(self.sites)
        return [self.sites[code] for code in codes]
