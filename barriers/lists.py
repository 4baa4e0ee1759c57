"""The seed of the barrier categories; administrators change them in the admin."""

CATEGORIES = [
    "Housing and shelter capacity",
    "Mental-health and addictions access",
    "Youth services",
    "After-hours availability",
    "Eligibility rules",
    "Language and interpretation",
    "Transportation",
    "Information sharing between agencies",
    "Other",
]


def seed(apps, schema_editor=None):
    BarrierCategory = apps.get_model("barriers", "BarrierCategory")
    for position, name in enumerate(CATEGORIES):
        BarrierCategory.objects.get_or_create(name=name, defaults={"position": position})
