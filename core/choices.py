"""Choice labels without rebuilding the choices on every call.

Django's get_FOO_display() turns the field's choices into a fresh dict, hashing every lazy
label, each time it is called: on a list of 50 situations that was a fifth of the page. The
labels here are cached per field as the same lazy strings, so each is still translated into
the language of the request when it is shown.
"""

from functools import cache

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(field: models.Field) -> dict:
    return dict(make_hashable(field.flatchoices))


class ChoiceLabelsMixin:
    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name)
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
