"""The seed of the editable lists (docs/domain.md §4); administrators change them in the admin.

`seed` takes an app registry so the data migration and the test fixtures share it.
"""

RISK_TAXONOMY = {
    "Alcohol": ["Alcohol abuse by person", "Alcohol abuse in the home"],
    "Antisocial/negative behaviour": ["Antisocial behaviour", "Threats to others"],
    "Basic needs": ["Lack of food", "Unable to meet basic needs", "Lack of access to a phone"],
    "Cognitive functioning": ["Cognitive impairment", "Developmental disability"],
    "Crime victimization": [
        "Victim of assault",
        "Victim of theft or robbery",
        "Victim of exploitation",
    ],
    "Criminal involvement": ["Charged or convicted", "Gun involvement", "Drug trafficking"],
    "Drugs": ["Drug use by person", "Drug use in the home", "Overdose"],
    "Elderly abuse": ["Financial abuse of an older adult", "Neglect of an older adult"],
    "Emotional violence": ["Emotional abuse by person", "Emotional abuse of person"],
    "Gangs": ["Gang association", "Gang-related threats"],
    "Housing": ["Homeless", "Unsafe housing", "Facing eviction", "Hoarding"],
    "Mental health": [
        "Diagnosed mental health problem",
        "Suspected mental health problem",
        "Not following treatment",
    ],
    "Missing school": ["Chronic absenteeism", "Suspended or expelled"],
    "Missing/runaway": ["Missing", "Runaway"],
    "Negative peers": ["Negative peer association"],
    "Parenting": ["Parenting difficulties", "Parent-child conflict"],
    "Physical health": ["Chronic illness", "Physical disability", "Unmet medical needs"],
    "Physical violence": [
        "Physical violence by person",
        "Physical violence in the home",
        "Physical violence against person",
    ],
    "Poverty": ["Low income", "Debt"],
    "Self-harm": ["Self-harm", "Threat of self-harm"],
    "Sexual violence": ["Sexual assault of person", "Sexual exploitation", "Human trafficking"],
    "Social environment": ["Isolation", "Unsafe neighbourhood"],
    "Suicide": ["Suicidal thoughts", "Suicide attempt"],
    "Supervision": ["Lack of supervision", "Unsupervised child"],
    "Threat to public health and safety": [
        "Fire risk",
        "Unsanitary conditions",
        "Threat to public safety",
    ],
    "Unemployment": ["Unemployed", "Recent job loss"],
}
PROTECTIVE = [
    "Supportive family",
    "Engaged in school",
    "Employed",
    "Connected to services",
    "Positive peer group",
    "Stable housing",
    "Willing to accept help",
    "Faith or cultural community",
]
STUDY_FLAGS = [
    "Involves a youth",
    "Involves an older adult",
    "Involves intimate partner violence",
    "Involves a firearm",
    "Involves an opioid",
    "Repeat within 12 months",
]
SERVICES = [
    "Addiction services",
    "Child welfare",
    "Counselling",
    "Crisis intervention",
    "Education",
    "Employment supports",
    "Financial assistance",
    "Food security",
    "Health care",
    "Housing / shelter",
    "Legal services",
    "Mental health services",
    "Police",
    "Seniors services",
    "Victim services",
    "Youth services",
]
# (name, outcome, kind, RTD code, the name it had before kinds and codes existed).
CONCLUSIONS = [
    (
        "Risk lowered — connected and engaged with services",
        "lowered",
        "engaged",
        "lowered_connected",
        "Risk lowered — connected to services",
    ),
    (
        "Risk lowered — informed of services only",
        "lowered",
        "informed",
        "lowered_informed",
        "Risk lowered — informed of services",
    ),
    (
        "Risk lowered by other means",
        "lowered",
        "other_means",
        "lowered_other",
        "Risk lowered — other",
    ),
    (
        "Still AER — declined services",
        "still_aer",
        "declined",
        "aer_declined",
        "Still AER — refused services",
    ),
    (
        "Still AER — could not be located",
        "still_aer",
        "not_located",
        "aer_not_located",
        "Still AER — could not locate",
    ),
    (
        "Still AER — referred to another process (child protection, emergency, police)",
        "still_aer",
        "other_process",
        "aer_other_process",
        "Still AER — referred to another process (child protection, emergency, police)",
    ),
    (
        "Rejected (threshold not met)",
        "rejected",
        "rejected",
        "rejected",
        "Rejected (threshold not met)",
    ),
]


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
