"""Demo situations for each site: every state of the lifecycle, fictional and de-identified."""

from datetime import timedelta

from django.utils import timezone

from agencies.models import Agency, Site, User
from situations import services
from situations.models import ConclusionReason, ProtectiveFactor, RiskFactor, Situation

SCENARIOS = [
    # (state, subject, age group, gender, narrative, factor names, accepted hours ago)
    (
        "open",
        "person",
        "12-17",
        "woman",
        "A youth has stopped attending school, was found intoxicated twice this month and is "
        "staying with older peers. Family has asked for help.",
        ["Chronic absenteeism", "Drug use by person", "Negative peer association", "Runaway"],
        30,
    ),
    (
        "open",
        "family",
        "na",
        "na",
        "A family facing eviction within the week; a parent has an untreated mental health "
        "problem and the children are often unsupervised.",
        ["Facing eviction", "Suspected mental health problem", "Lack of supervision"],
        6,
    ),
    (
        "concluded",
        "person",
        "60+",
        "man",
        "An older adult living alone with hoarding and a fire risk; refuses home care.",
        ["Hoarding", "Fire risk", "Isolation"],
        24 * 9,
    ),
    (
        "rejected",
        "person",
        "25-39",
        "man",
        "A single concern already handled by one agency.",
        ["Unemployed"],
        None,
    ),
    (
        "submitted",
        "location",
        "na",
        "na",
        "A building entrance where repeated assaults and drug sales are reported; tenants are "
        "afraid to leave at night.",
        ["Drug trafficking", "Victim of assault", "Unsafe neighbourhood"],
        None,
    ),
    (
        "submitted",
        "person",
        "18-24",
        "woman",
        "A young woman reports threats from a former partner, has nowhere safe to stay and has "
        "talked about self-harm.",
        ["Physical violence against person", "Homeless", "Threat of self-harm"],
        None,
    ),
    (
        "draft",
        "person",
        "40-59",
        "man",
        "A man recently released, no housing, heavy alcohol use, threats to a neighbour.",
        ["Alcohol abuse by person", "Homeless", "Threats to others"],
        None,
    ),
]


def seed_site(site: Site) -> int:
    """Create the scenarios at a site that has no situations yet. Returns how many."""
    if Situation.objects.filter(site=site).exists():
        return 0
    lower = site.code.lower()
    originator = User.objects.get(username=f"rep.{lower}.comh")
    chair = User.objects.get(username=f"chair.{lower}")
    lead = Agency.objects.get(short_name="CAC")
    assisting = [Agency.objects.get(short_name="CSHO")]
    concluded_reason = ConclusionReason.objects.filter(outcome="lowered").first()
    protective = list(ProtectiveFactor.objects.all()[:2])
    now = timezone.now()
    for number, (state, subject, age, gender, narrative, factors, hours) in enumerate(SCENARIOS):
        record = services.Record(
            subject_type=subject,
            age_group=age,
            gender=gender,
            narrative=narrative,
            risk_factors=list(RiskFactor.objects.filter(name__in=factors)),
            protective_factors=protective,
        )
        situation = services.create_draft(originator, site, record)
        if subject in ("person", "family"):
            services.save_person(
                originator,
                situation,
                person=None,
                label="Person A",
                age_group=age if age != "na" else "unknown",
                gender=gender if gender != "na" else "unknown",
                identity=services.Identity(
                    full_name=f"Demo Person {site.code}-{number + 1}",
                    approximate_age="about 30",
                    location="Fictional address, for the demo only",
                    contact_notes="Best reached in the afternoon (demo).",
                ),
            )
        if state == "draft":
            continue
        situation = services.submit(originator, situation)
        if state == "submitted":
            continue
        if state == "rejected":
            services.reject(chair, situation, "single_agency")
            continue
        # The family's parent could not be asked without raising the risk: the disclosure
        # ledger shows that basis; the others consented.
        without_consent = subject == "family"
        situation = services.accept(
            chair,
            situation,
            services.Assignment(lead=lead, assisting=assisting),
            "not_obtained" if without_consent else "obtained",
            "Asking first would have raised the risk to the children (demo)."
            if without_consent
            else "",
            at=now - timedelta(hours=hours),
        )
        lead_rep = User.objects.filter(agency=lead, memberships__site=site).first()
        if without_consent and lead_rep is not None:
            # Later, the lead agency's worker spoke with the parent, who agreed.
            services.record_consent(
                lead_rep, situation, status="given", on_date=timezone.localdate(now)
            )
        if state == "concluded":
            services.conclude(chair, situation, concluded_reason)
        elif state == "open" and not without_consent and lead_rep is not None:
            services.record_told(
                lead_rep, situation, outcome="told", told_on=timezone.localdate(now)
            )
    return len(SCENARIOS)
