"""The seed of the barrier categories; administrators change them in the admin.

Catalogue entries like situations/lists.py's: stored in English, shown through `label()`.
"""

from django.utils.translation import gettext_noop

CATEGORIES = [
    gettext_noop("Housing and shelter capacity"),
    gettext_noop("Mental-health and addictions access"),
    gettext_noop("Youth services"),
    gettext_noop("After-hours availability"),
    gettext_noop("Eligibility rules"),
    gettext_noop("Language and interpretation"),
    gettext_noop("Transportation"),
    gettext_noop("Information sharing between agencies"),
    gettext_noop("Other"),
]


def seed(apps, schema_editor=None):
    BarrierCategory = apps.get_model("barriers", "BarrierCategory")
    for position, name in enumerate(CATEGORIES):
        BarrierCategory.objects.get_or_create(name=name, defaults={"position": position})
