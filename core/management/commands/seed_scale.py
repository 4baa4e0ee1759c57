"""A deterministic data set at scale, for `make bench`: sites, agencies, people and years of
decided situations with risk factors. Run on an empty scratch database."""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import Agency, Membership, Sector, Site, User
from situations.models import (
    AgeGroup,
    ConclusionReason,
    Gender,
    RiskFactor,
    Situation,
    SituationRiskFactor,
    Status,
    SubjectType,
)

TZ = ZoneInfo("America/Toronto")
SECTORS = [s for s, _ in Sector.choices]
# Rough shape of published figures: police originate most; 96% accepted.
ORIGIN_WEIGHTS = {
    "police": 60,
    "health": 8,
    "mental_health": 8,
    "child_welfare": 6,
    "housing": 5,
    "education": 5,
    "community": 8,
}


class Command(BaseCommand):
    help = "Seed a deterministic data set at scale (for benchmarks only)."

    def add_arguments(self, parser):
        parser.add_argument("--sites", type=int, default=6)
        parser.add_argument("--situations", type=int, default=60_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--agencies-per-site", type=int, default=10)
        parser.add_argument("--seed", type=int, default=2026)

    @transaction.atomic
    def handle(self, *args, sites, situations, years, agencies_per_site, seed, **options):
        if Situation.objects.exists():
            raise CommandError("seed_scale needs an empty database (it is for benchmarks).")
        rng = random.Random(seed)  # nosec B311
        site_rows = [
            Site.objects.create(
                name=f"Table {i:03d}",
                code="S" + "".join(chr(65 + int(d)) for d in f"{i:03d}"),
                police_divisions=str(i),
                meeting_weekday=i % 5,
            )
            for i in range(sites)
        ]
        agencies = []
        for i in range(sites * agencies_per_site):
            sector = rng.choices(list(ORIGIN_WEIGHTS), weights=list(ORIGIN_WEIGHTS.values()))[0]
            agencies.append(
                Agency.objects.create(
                    name=f"Agency {i:04d}", short_name=f"AG{i:04d}", sector=sector
                )
            )
        people = []
        for index, site in enumerate(site_rows):
            local = agencies[index * agencies_per_site : (index + 1) * agencies_per_site]
            for j, agency in enumerate(local):
                user = User(
                    username=f"{site.code.lower()}.{j}",
                    email=f"{site.code}.{j}@bench.invalid",
                    agency=agency,
                    first_name="Bench",
                    last_name=f"{j}",
                )
                user.set_unusable_password()
                user.save()
                role = Membership.Role.CHAIR if j == 0 else Membership.Role.REPRESENTATIVE
                Membership.objects.create(user=user, site=site, role=role)
                people.append(user)
        steering = User(
            username="bench.steering", email="steering@bench.invalid", role=User.Role.STEERING
        )
        steering.set_unusable_password()
        steering.save()

        factors = list(RiskFactor.objects.all())
        reasons = list(ConclusionReason.objects.exclude(outcome="rejected"))
        today = date.today()
        first_day = today - timedelta(days=365 * years)
        rows, counters = [], {}
        for n in range(situations):
            site_index = n % sites
            site = site_rows[site_index]
            local = agencies[site_index * agencies_per_site : (site_index + 1) * agencies_per_site]
            presented = first_day + timedelta(days=rng.randrange(365 * years))
            at = datetime.combine(presented, time(10), TZ)
            year = presented.year
            counters[(site.pk, year)] = counters.get((site.pk, year), 0) + 1
            accepted = rng.random() < 0.96
            age = rng.choice([a for a, _ in AgeGroup.choices if a not in ("na", "unknown")])
            situation = Situation(
                site=site,
                reference=f"{site.code}-{year}-{counters[(site.pk, year)]:04d}",
                subject_type=rng.choices([s for s, _ in SubjectType.choices], [80, 10, 5, 5])[0],
                age_group=age,
                gender=rng.choice([g for g, _ in Gender.choices][:3]),
                originating_agency=rng.choice(local),
                narrative="Benchmark situation.",
                first_presented_on=presented,
                decided_at=at,
                submitted_at=at - timedelta(days=2),
            )
            if accepted:
                situation.accepted_at = at
                situation.response_due_at = at + timedelta(hours=48)
                situation.lead_agency = rng.choice(local)
                situation.consent = rng.choices(
                    ["obtained", "not_obtained", "not_applicable"], [80, 15, 5]
                )[0]
                if rng.random() < 0.9:
                    situation.first_contact_at = at + timedelta(hours=rng.uniform(1, 70))
                if presented < today - timedelta(days=60):
                    days = rng.randint(7, 120)
                    situation.status = Status.CONCLUDED
                    situation.conclusion_reason = rng.choice(reasons)
                    situation.concluded_on = presented + timedelta(days=days)
                    situation.concluded_at = at + timedelta(days=days)
                else:
                    situation.status = Status.OPEN
            else:
                situation.status = Status.REJECTED
                situation.rejection_reason = "not_aer"
            rows.append(situation)
        Situation.objects.bulk_create(rows, batch_size=2000)
        links = []
        for situation in Situation.objects.filter(accepted_at__isnull=False).only("pk"):
            for factor in rng.sample(factors, rng.randint(3, 9)):
                links.append(SituationRiskFactor(situation_id=situation.pk, factor_id=factor.pk))
        SituationRiskFactor.objects.bulk_create(links, batch_size=5000)
        self.stdout.write(
            f"Seeded {sites} sites, {len(agencies)} agencies, {len(people) + 1} people, "
            f"{situations} situations, {len(links)} risk factor links."
        )
