"""`{{ value|when:"LONG_DATE" }}`: a date or time in a format named for the reader's language.

Django's `date` filter takes either one of its own format names or a literal format, and a
literal ("D j M, H:i") is English whatever the language. The names here (DAY, WEEKDAY_TIME,
LONG_DATE...) are looked up in the active language's format module (focus/formats/<lang>/),
then Django's, like Django's own names, so French reads "jeu. 3 déc., 14 h 30" where English
reads "Thu 3 Dec, 14:30". A builtin of the template engine (focus/settings.py).
"""

from datetime import datetime, time

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import time as time_filter
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()


def named_format(name: str) -> str:
    for module in formats.get_format_modules(get_language()):
        value = getattr(module, name, None)
        if value is not None:
            return value
    raise ValueError(f"no date format named {name}")


@register.filter(expects_localtime=True, is_safe=False)
def when(value, name: str) -> str:
    if value in (None, ""):
        return ""
    fmt = named_format(name)
    if isinstance(value, time) and not isinstance(value, datetime):
        return time_filter(value, fmt)
    return date_filter(value, fmt)
