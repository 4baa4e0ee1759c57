"""Form fields for dates and times typed by people: bounded to a sane range.

A year such as 9999 parses, and then overflows wherever it is converted (a time zone shift
past year 9999 is an OverflowError in the audit log, a 500). Every date or time a person
types goes through one of these, so such a value is a message on the form instead.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)

OUT_OF_RANGE = _("Enter a date between %(earliest)s and %(latest)s.")


def _check(day: date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            OUT_OF_RANGE,
            code="out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


class SaneDateField(forms.DateField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is not None:
            _check(value)
        return value


class SaneDateTimeField(forms.DateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is not None:
            # The date as typed, in the person's time zone, before anything converts it.
            _check(value.date())
        return value
