"""The seed of the editable lists (docs/domain.md §4); administrators change them in the admin.

`seed` takes an app registry so the data migration and the test fixtures share it.

The names are stored in English and are catalogue entries (`gettext_noop` marks them for
extraction): people read them through `label()`, in their language, while the RTD-shaped
exports keep the English names the provincial database knows (docs/design.md §9). A name an
administrator adds later has no entry and is shown as typed.
"""

from django.utils.translation import gettext, gettext_noop

RISK_TAXONOMY = {
    gettext_noop("Alcohol"): [
        gettext_noop("Alcohol abuse by person"),
        gettext_noop("Alcohol abuse in the home"),
    ],
    gettext_noop("Antisocial/negative behaviour"): [
        gettext_noop("Antisocial behaviour"),
        gettext_noop("Threats to others"),
    ],
    gettext_noop("Basic needs"): [
        gettext_noop("Lack of food"),
        gettext_noop("Unable to meet basic needs"),
        gettext_noop("Lack of access to a phone"),
    ],
    gettext_noop("Cognitive functioning"): [
        gettext_noop("Cognitive impairment"),
        gettext_noop("Developmental disability"),
    ],
    gettext_noop("Crime victimization"): [
        gettext_noop("Victim of assault"),
        gettext_noop("Victim of theft or robbery"),
        gettext_noop("Victim of exploitation"),
    ],
    gettext_noop("Criminal involvement"): [
        gettext_noop("Charged or convicted"),
        gettext_noop("Gun involvement"),
        gettext_noop("Drug trafficking"),
    ],
    gettext_noop("Drugs"): [
        gettext_noop("Drug use by person"),
        gettext_noop("Drug use in the home"),
        gettext_noop("Overdose"),
    ],
    gettext_noop("Elderly abuse"): [
        gettext_noop("Financial abuse of an older adult"),
        gettext_noop("Neglect of an older adult"),
    ],
    gettext_noop("Emotional violence"): [
        gettext_noop("Emotional abuse by person"),
        gettext_noop("Emotional abuse of person"),
    ],
    gettext_noop("Gangs"): [gettext_noop("Gang association"), gettext_noop("Gang-related threats")],
    gettext_noop("Housing"): [
        gettext_noop("Homeless"),
        gettext_noop("Unsafe housing"),
        gettext_noop("Facing eviction"),
        gettext_noop("Hoarding"),
    ],
    gettext_noop("Mental health"): [
        gettext_noop("Diagnosed mental health problem"),
        gettext_noop("Suspected mental health problem"),
        gettext_noop("Not following treatment"),
    ],
    gettext_noop("Missing school"): [
        gettext_noop("Chronic absenteeism"),
        gettext_noop("Suspended or expelled"),
    ],
    gettext_noop("Missing/runaway"): [gettext_noop("Missing"), gettext_noop("Runaway")],
    gettext_noop("Negative peers"): [gettext_noop("Negative peer association")],
    gettext_noop("Parenting"): [
        gettext_noop("Parenting difficulties"),
        gettext_noop("Parent-child conflict"),
    ],
    gettext_noop("Physical health"): [
        gettext_noop("Chronic illness"),
        gettext_noop("Physical disability"),
        gettext_noop("Unmet medical needs"),
    ],
    gettext_noop("Physical violence"): [
        gettext_noop("Physical violence by person"),
        gettext_noop("Physical violence in the home"),
        gettext_noop("Physical violence against person"),
    ],
    gettext_noop("Poverty"): [gettext_noop("Low income"), gettext_noop("Debt")],
    gettext_noop("Self-harm"): [gettext_noop("Self-harm"), gettext_noop("Threat of self-harm")],
    gettext_noop("Sexual violence"): [
        gettext_noop("Sexual assault of person"),
        gettext_noop("Sexual exploitation"),
        gettext_noop("Human trafficking"),
    ],
    gettext_noop("Social environment"): [
        gettext_noop("Isolation"),
        gettext_noop("Unsafe neighbourhood"),
    ],
    gettext_noop("Suicide"): [gettext_noop("Suicidal thoughts"), gettext_noop("Suicide attempt")],
    gettext_noop("Supervision"): [
        gettext_noop("Lack of supervision"),
        gettext_noop("Unsupervised child"),
    ],
    gettext_noop("Threat to public health and safety"): [
        gettext_noop("Fire risk"),
        gettext_noop("Unsanitary conditions"),
        gettext_noop("Threat to public safety"),
    ],
    gettext_noop("Unemployment"): [gettext_noop("Unemployed"), gettext_noop("Recent job loss")],
}
PROTECTIVE = [
    gettext_noop("Supportive family"),
    gettext_noop("Engaged in school"),
    gettext_noop("Employed"),
    gettext_noop("Connected to services"),
    gettext_noop("Positive peer group"),
    gettext_noop("Stable housing"),
    gettext_noop("Willing to accept help"),
    gettext_noop("Faith or cultural community"),
]
STUDY_FLAGS = [
    gettext_noop("Involves a youth"),
    gettext_noop("Involves an older adult"),
    gettext_noop("Involves intimate partner violence"),
    gettext_noop("Involves a firearm"),
    gettext_noop("Involves an opioid"),
    gettext_noop("Repeat within 12 months"),
]
SERVICES = [
    gettext_noop("Addiction services"),
    gettext_noop("Child welfare"),
    gettext_noop("Counselling"),
    gettext_noop("Crisis intervention"),
    gettext_noop("Education"),
    gettext_noop("Employment supports"),
    gettext_noop("Financial assistance"),
    gettext_noop("Food security"),
    gettext_noop("Health care"),
    gettext_noop("Housing / shelter"),
    gettext_noop("Legal services"),
    gettext_noop("Mental health services"),
    gettext_noop("Police"),
    gettext_noop("Seniors services"),
    gettext_noop("Victim services"),
    gettext_noop("Youth services"),
]
# (name, outcome, kind, RTD code, the name it had before kinds and codes existed).
CONCLUSIONS = [
    (
        gettext_noop("Risk lowered — connected and engaged with services"),
        "lowered",
        "engaged",
        "lowered_connected",
        "Risk lowered — connected to services",
    ),
    (
        gettext_noop("Risk lowered — informed of services only"),
        "lowered",
        "informed",
        "lowered_informed",
        "Risk lowered — informed of services",
    ),
    (
        gettext_noop("Risk lowered by other means"),
        "lowered",
        "other_means",
        "lowered_other",
        "Risk lowered — other",
    ),
    (
        gettext_noop("Still AER — declined services"),
        "still_aer",
        "declined",
        "aer_declined",
        "Still AER — refused services",
    ),
    (
        gettext_noop("Still AER — could not be located"),
        "still_aer",
        "not_located",
        "aer_not_located",
        "Still AER — could not locate",
    ),
    (
        gettext_noop(
            "Still AER — referred to another process (child protection, emergency, police)"
        ),
        "still_aer",
        "other_process",
        "aer_other_process",
        "Still AER — referred to another process (child protection, emergency, police)",
    ),
    (
        gettext_noop("Rejected (threshold not met)"),
        "rejected",
        "rejected",
        "rejected",
        "Rejected (threshold not met)",
    ),
]


def label(name: str | None) -> str:
    """A list item's name in the language of the moment (the English name when it has none)."""
    return gettext(name) if name else ""


def seeded_names() -> list[str]:
    """Every name this module seeds: each must have a translation (tests/test_catalogues.py)."""
    names = []
    for category, factors in RISK_TAXONOMY.items():
        names += [category, *factors]
    return names + PROTECTIVE + STUDY_FLAGS + SERVICES + [row[0] for row in CONCLUSIONS]


def seed(apps, schema_editor=None):
    RiskCategory = apps.get_model("situations", "RiskCategory")
    RiskFactor = apps.get_model("situations", "RiskFactor")
    for position, (category_name, factors) in enumerate(RISK_TAXONOMY.items()):
        category, _ = RiskCategory.objects.get_or_create(
            name=category_name, defaults={"position": position}
        )
        for factor in factors:
            RiskFactor.objects.get_or_create(category=category, name=factor)
    for model, names in [
        ("ProtectiveFactor", PROTECTIVE),
        ("StudyFlag", STUDY_FLAGS),
        ("Service", SERVICES),
    ]:
        Model = apps.get_model("situations", model)
        for position, name in enumerate(names):
            Model.objects.get_or_create(name=name, defaults={"position": position})
    ConclusionReason = apps.get_model("situations", "ConclusionReason")
    coded = any(f.name == "kind" for f in ConclusionReason._meta.get_fields())
    for position, (name, outcome, kind, code, former) in enumerate(CONCLUSIONS):
        if not coded:  # the migrations before kinds and codes (0006 adds them)
            ConclusionReason.objects.get_or_create(
                name=name, defaults={"outcome": outcome, "position": position}
            )
            continue
        reason = ConclusionReason.objects.filter(name__in=[name, former]).first()
        reason = reason or ConclusionReason(position=position, outcome=outcome)
        reason.name, reason.kind, reason.rtd_code = name, kind, code
        reason.save()
