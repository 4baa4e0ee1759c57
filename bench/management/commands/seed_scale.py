"""A data set the size of a province, for `make bench`: 150 tables, ~1,500 agencies, ~6,000
people and ten years of situations with risk factors, persons, responses, reminders and weekly
meetings. Run on an empty scratch database. Deterministic for a given --seed and day: the ten
years count back from today, so another day shifts a few hundred rows among 150,000.

Rows are bulk-inserted (no signals, so no audit entries: this is history, not activity); the
need-to-know grants are then written by the real `sync_grants`, and the meeting in progress by
the real `sync_agenda`, so the privacy rules are the product's own, not a copy.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import Agency, Membership, Site, User
from meetings.models import AgendaItem, Attendance, Meeting
from meetings.services import sync_agenda
from reminders.models import Reminder
from situations.clock import Rung, rung_due_at
from situations.models import (
    AffectedPerson,
    AgeGroup,
    ConclusionReason,
    ContactAttempt,
    Gender,
    IdentifyingDetails,
    InterventionPlan,
    ReferenceSequence,
    RiskFactor,
    Situation,
    SituationRiskFactor,
    SituationUpdate,
    Status,
    SubjectType,
)
from situations.services import sync_grants

TZ = ZoneInfo("America/Toronto")
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
# Meetings a situation returns to before the table concludes it (most close within a month).
RETURNS = [1, 2, 3, 4, 5, 6, 8]
RETURN_WEIGHTS = [20, 25, 20, 15, 10, 6, 4]
ACCEPTED_SHARE = 0.96
SUBMITTED_PER_SITE = 3
MEETING_ITEMS = 40  # the meeting in progress, at the first site
ATTENDED_MEETINGS = 12  # attendance is kept for each site's last dozen meetings
BATCH = 5000


class Command(BaseCommand):
    help = "Seed a deterministic province-sized data set (for benchmarks only)."

    def add_arguments(self, parser):
        parser.add_argument("--sites", type=int, default=150)
        parser.add_argument("--situations", type=int, default=150_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--agencies-per-site", type=int, default=10)
        parser.add_argument("--people-per-agency", type=int, default=4)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        if Situation.objects.exists():
            raise CommandError("seed_scale needs an empty database (it is for benchmarks).")
        if options["agencies_per_site"] < 2:
            raise CommandError("Each site needs at least two agencies (a chair and a co-chair).")
        self.rng = random.Random(options["seed"])  # nosec B311
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.factors = list(RiskFactor.objects.values_list("pk", flat=True))
        self.reasons = list(
            ConclusionReason.objects.exclude(outcome="rejected").values_list("pk", flat=True)
        )
        self.counts = dict.fromkeys(
            ["situations", "links", "persons", "attempts", "updates", "items", "reminders"], 0
        )
        with transaction.atomic():
            sites = self._sites(options["sites"])
            local = self._agencies(sites, options["agencies_per_site"])
            people = self._people(sites, local, options["people_per_agency"])
        per_site, extra = divmod(options["situations"], len(sites))
        for index, site in enumerate(sites):
            with transaction.atomic():
                self._history(
                    site, local[site.pk], people[site.pk], per_site + (index < extra), options
                )
        with transaction.atomic():
            self._meeting_in_progress(sites[0], people[sites[0].pk])
            self._grants()
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: the planner needs the sizes, and the
            # benchmark should not share the two cores with a vacuum that starts mid-run.
            # VACUUM cannot run in a transaction (a test's), where ANALYZE alone still can.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        c = self.counts
        self.stdout.write(
            f"Seeded {len(sites)} sites, {Agency.objects.count()} agencies, "
            f"{User.objects.count()} people, {c['situations']} situations, {c['links']} risk "
            f"factor links, {c['persons']} persons, {c['attempts']} contact attempts, "
            f"{c['updates']} updates, {Meeting.objects.count()} meetings with {c['items']} "
            f"agenda items, {c['reminders']} reminders."
        )

    # ---- Who -------------------------------------------------------------------------------

    def _sites(self, count: int) -> list[Site]:
        def code(i: int) -> str:
            return "S" + "".join(chr(65 + int(d)) for d in f"{i:03d}")

        return Site.objects.bulk_create(
            Site(
                name=f"Table {i:03d}",
                code=code(i),
                police_divisions=str(i),
                meeting_weekday=i % 5,
            )
            for i in range(count)
        )

    def _agencies(self, sites, per_site: int) -> dict[int, list[Agency]]:
        rng, rows = self.rng, []
        for i in range(len(sites) * per_site):
            sector = rng.choices(list(ORIGIN_WEIGHTS), weights=list(ORIGIN_WEIGHTS.values()))[0]
            rows.append((f"ag{i:04d}", sector))
        groups = Group.objects.bulk_create(Group(name=f"agency:{slug}") for slug, _ in rows)
        agencies = Agency.objects.bulk_create(
            Agency(
                name=f"Agency {i:04d}",
                short_name=slug.upper(),
                slug=slug,
                sector=sector,
                group=group,
            )
            for i, ((slug, sector), group) in enumerate(zip(rows, groups, strict=True))
        )
        return {
            site.pk: agencies[n * per_site : (n + 1) * per_site] for n, site in enumerate(sites)
        }

    def _people(self, sites, local, per_agency: int) -> dict[int, list[User]]:
        users, seats = [], []
        for site in sites:
            for a, agency in enumerate(local[site.pk]):
                for p in range(per_agency):
                    user = User(
                        username=f"{agency.slug}.{p}",
                        email=f"{agency.slug}.{p}@bench.invalid",
                        agency=agency,
                        first_name="Bench",
                        last_name=f"{agency.short_name} {p}",
                    )
                    user.set_unusable_password()
                    users.append(user)
                    role = Membership.Role.REPRESENTATIVE
                    if p == 0 and a == 0:
                        role = Membership.Role.CHAIR
                    elif p == 0 and a == 1:
                        role = Membership.Role.CO_CHAIR
                    seats.append((site, role))
        User.objects.bulk_create(users, batch_size=BATCH)
        Membership.objects.bulk_create(
            (
                Membership(user=user, site=site, role=role)
                for user, (site, role) in zip(users, seats, strict=True)
            ),
            batch_size=BATCH,
        )
        # What User.save does one at a time: each person sits in their agency's group.
        User.groups.through.objects.bulk_create(
            (User.groups.through(user_id=u.pk, group_id=u.agency.group_id) for u in users),
            batch_size=BATCH,
        )
        for username, role in [
            ("bench.steering", "is_steering"),
            ("bench.admin", "is_administrator"),
        ]:
            user = User(username=username, email=f"{username}@bench.invalid", **{role: True})
            user.set_unusable_password()
            user.save()
        by_site: dict[int, list[User]] = {}
        for user, (site, _) in zip(users, seats, strict=True):
            by_site.setdefault(site.pk, []).append(user)
        return by_site

    # ---- What happened, site by site ---------------------------------------------------------

    def _meeting_days(self, site: Site, years: int) -> list[date]:
        """Every past meeting day of the site's weekly cadence (today's included)."""
        first = self.today - timedelta(days=365 * years)
        first += timedelta(days=(site.meeting_weekday - first.weekday()) % 7)
        days = []
        while first <= self.today:
            days.append(first)
            first += timedelta(days=7)
        return days

    def _at(self, day: date, hour: int = 10) -> datetime:
        return datetime.combine(day, time(hour), TZ)

    def _history(self, site, agencies, people, count, options) -> None:
        rng = self.rng
        days = self._meeting_days(site, options["years"])
        if days[-1] == self.today:
            days.pop()  # today's meeting, if any, has not decided anything yet
        staff = {}
        for user in people:
            staff.setdefault(user.agency_id, []).append(user)
        chairs = [people[0].pk, staff[agencies[1].pk][0].pk]
        meetings = {
            day: Meeting(
                site=site,
                held_on=day,
                starts_at=self._at(day),
                status=Meeting.Status.CLOSED,
                chair_id=chairs[0],
                started_at=self._at(day),
                closed_at=self._at(day, 12),
            )
            for day in days
        }
        Meeting.objects.bulk_create(meetings.values(), batch_size=BATCH)

        situations, plans, sequences = [], [], {}
        for _ in range(count):
            presented_index = rng.randrange(len(days))
            presented = days[presented_index]
            at = self._at(presented, 11)
            sequences[presented.year] = sequences.get(presented.year, 0) + 1
            origin = rng.choice(agencies)
            situation = Situation(
                site=site,
                reference=f"{site.code}-{presented.year}-{sequences[presented.year]:04d}",
                subject_type=rng.choices(SubjectType.values, [80, 10, 5, 5])[0],
                age_group=rng.choice([a for a in AgeGroup.values if a not in ("na", "unknown")]),
                gender=rng.choice(Gender.values[:3]),
                originating_agency=origin,
                narrative="Benchmark situation.",
                first_presented_on=presented,
                submitted_at=at - timedelta(days=rng.randint(1, 6)),
                decided_at=at,
                decided_by_id=chairs[0],
                created_by_id=rng.choice(staff[origin.pk]).pk,
            )
            returns = 0
            if rng.random() < ACCEPTED_SHARE:
                situation.accepted_at = at
                situation.response_due_at = at + timedelta(hours=site.response_window_hours)
                situation.lead_agency = rng.choice(agencies)
                situation.consent = rng.choices(
                    ["obtained", "not_obtained", "not_applicable"], [80, 15, 5]
                )[0]
                if situation.consent == "not_obtained":
                    situation.consent_reason = "Could not be reached before the meeting."
                contact = at + timedelta(hours=rng.triangular(1, 60, 10))
                if rng.random() < 0.93 and contact < self.now:
                    situation.first_contact_at = contact
                returns = rng.choices(RETURNS, RETURN_WEIGHTS)[0]
                if presented_index + returns < len(days):
                    concluded = days[presented_index + returns]
                    situation.status = Status.CONCLUDED
                    situation.conclusion_reason_id = rng.choice(self.reasons)
                    situation.concluded_on = concluded
                    situation.concluded_at = self._at(concluded, 11)
                    purge_at = situation.concluded_at + timedelta(days=site.retention_days)
                    if purge_at <= self.now:
                        situation.identity_purged_at = purge_at
                else:
                    situation.status = Status.OPEN
                    returns = len(days) - 1 - presented_index
            else:
                situation.status = Status.REJECTED
                situation.rejection_reason = "not_aer"
                situation.identity_purged_at = at
            situations.append((situation, presented_index, returns))
        # New situations waiting for the next meeting.
        for _ in range(SUBMITTED_PER_SITE):
            situations.append((self._submitted(site, agencies, staff, sequences), None, 0))

        Situation.objects.bulk_create([s for s, _, _ in situations], batch_size=BATCH)
        # created_at is auto_now_add; history was created when it was submitted.
        Situation.objects.filter(site=site).update(created_at=F("submitted_at"))
        ReferenceSequence.objects.bulk_create(
            ReferenceSequence(site=site, year=year, last_number=n) for year, n in sequences.items()
        )
        self.counts["situations"] += len(situations)

        links, assisting, persons, attempts, updates, items, reminders = [], [], [], [], [], [], []
        seats = {"lead": staff, "chairs": chairs}
        for situation, presented_index, returns in situations:
            for factor in rng.sample(self.factors, rng.randint(3, 9)):
                links.append(SituationRiskFactor(situation=situation, factor_id=factor))
            for n in range(rng.choice([1, 1, 1, 2, 3])):
                persons.append(
                    AffectedPerson(
                        situation=situation,
                        label=f"Person {chr(65 + n)}",
                        age_group=situation.age_group,
                        gender=situation.gender,
                    )
                )
            if presented_index is None:
                continue
            meeting = meetings[days[presented_index]]
            items.append(
                AgendaItem(
                    meeting=meeting,
                    situation=situation,
                    kind=AgendaItem.Kind.NEW,
                    position=1000,
                    outcome=AgendaItem.Outcome.ACCEPTED
                    if situation.accepted_at
                    else AgendaItem.Outcome.REJECTED,
                    decided_at=situation.decided_at,
                    decided_by_id=chairs[0],
                )
            )
            if not situation.accepted_at:
                continue
            helpers = [a for a in agencies if a.pk != situation.lead_agency_id]
            for helper in rng.sample(helpers, min(len(helpers), rng.choice([0, 1, 1, 2, 3]))):
                assisting.append(
                    Situation.assisting_agencies.through(situation=situation, agency=helper)
                )
            attempts += self._attempts(situation, staff)
            reminders += self._reminders(situation, seats)
            for r in range(1, returns + 1):
                day = days[presented_index + r]
                last = situation.status == Status.CONCLUDED and r == returns
                items.append(
                    AgendaItem(
                        meeting=meetings[day],
                        situation=situation,
                        kind=AgendaItem.Kind.RETURNING,
                        position=r,
                        outcome=AgendaItem.Outcome.CONCLUDED
                        if last
                        else AgendaItem.Outcome.KEPT_OPEN,
                        decided_at=self._at(day, 11),
                        decided_by_id=chairs[0],
                    )
                )
                updates.append(
                    SituationUpdate(
                        situation=situation,
                        agency=situation.lead_agency,
                        text="Benchmark update for the table.",
                        proposes_conclusion=last,
                        proposed_reason_id=situation.conclusion_reason_id if last else None,
                        created_by_id=staff[situation.lead_agency_id][0].pk,
                    )
                )
            if situation.status == Status.OPEN:
                plans.append(
                    InterventionPlan(
                        situation=situation,
                        who="Two workers from the lead agency",
                        planned_for=situation.accepted_at + timedelta(hours=20),
                        how="Joint visit.",
                        updated_by_id=staff[situation.lead_agency_id][0].pk,
                    )
                )

        SituationRiskFactor.objects.bulk_create(links, batch_size=BATCH)
        Situation.assisting_agencies.through.objects.bulk_create(assisting, batch_size=BATCH)
        AffectedPerson.objects.bulk_create(persons, batch_size=BATCH)
        IdentifyingDetails.objects.bulk_create(
            IdentifyingDetails(
                person=person,
                full_name=f"Bench Person {person.pk}",
                approximate_age="30s",
                location="Somewhere in the division",
            )
            for person in persons
            if person.situation.identity_purged_at is None
        )
        ContactAttempt.objects.bulk_create(attempts, batch_size=BATCH)
        SituationUpdate.objects.bulk_create(updates, batch_size=BATCH)
        AgendaItem.objects.bulk_create(items, batch_size=BATCH)
        InterventionPlan.objects.bulk_create(plans)
        Reminder.objects.bulk_create(reminders, batch_size=BATCH)
        Attendance.objects.bulk_create(
            (
                Attendance(meeting=meetings[day], user=user, status=status)
                for day in days[-ATTENDED_MEETINGS:]
                for user in people
                if (status := rng.choices(["present", "apologies", None], [70, 10, 20])[0])
            ),
            batch_size=BATCH,
        )
        for key, rows in [
            ("links", links),
            ("persons", persons),
            ("attempts", attempts),
            ("updates", updates),
            ("items", items),
            ("reminders", reminders),
        ]:
            self.counts[key] += len(rows)

    def _submitted(self, site, agencies, staff, sequences) -> Situation:
        rng = self.rng
        submitted = self.now - timedelta(hours=rng.randint(2, 120))
        year = timezone.localdate(submitted).year
        sequences[year] = sequences.get(year, 0) + 1
        origin = rng.choice(agencies)
        return Situation(
            site=site,
            reference=f"{site.code}-{year}-{sequences[year]:04d}",
            status=Status.SUBMITTED,
            subject_type=SubjectType.values[0],
            age_group=rng.choice([a for a in AgeGroup.values if a not in ("na", "unknown")]),
            gender=rng.choice(Gender.values[:3]),
            originating_agency=origin,
            narrative="Benchmark situation awaiting the table.",
            submitted_at=submitted,
            created_by_id=staff[origin.pk][0].pk,
        )

    def _attempts(self, situation, staff) -> list[ContactAttempt]:
        """Failed tries, then the first contact (if there was one), by the lead agency."""
        rng, lead = self.rng, situation.lead_agency_id
        contact = situation.first_contact_at
        end = contact or self.now
        rows = [
            ContactAttempt(
                situation=situation,
                agency_id=lead,
                attempted_at=situation.accepted_at + (end - situation.accepted_at) * (n + 1) / 4,
                method=rng.choice(["door_knock", "phone", "office"]),
                outcome="not_found",
                logged_by_id=staff[lead][0].pk,
            )
            for n in range(rng.choice([0, 0, 1, 2]))
        ]
        if contact:
            rows.append(
                ContactAttempt(
                    situation=situation,
                    agency_id=lead,
                    attempted_at=contact,
                    method=rng.choice(["door_knock", "phone", "office"]),
                    outcome="contacted",
                    logged_by_id=staff[lead][-1].pk,
                )
            )
        return rows

    def _reminders(self, situation, seats) -> list[Reminder]:
        """The ladder rungs that fell due before first contact, already sent."""
        rows = []
        contact = situation.first_contact_at or self.now
        for rung in Rung:
            due = rung_due_at(rung, situation.accepted_at, situation.response_due_at)
            if due >= contact:
                continue
            lead = [u.pk for u in seats["lead"][situation.lead_agency_id]]
            recipients = {Rung.LEAD: lead, Rung.CHAIR: seats["chairs"]}.get(
                rung, lead + seats["chairs"]
            )
            rows += [
                Reminder(
                    situation=situation,
                    rung=rung,
                    recipient_id=user_id,
                    due_at=due,
                    enqueued_at=due,
                    sent_at=due + timedelta(minutes=1),
                    attempts=1,
                )
                for user_id in sorted(set(recipients))
            ]
        return rows

    # ---- Now -------------------------------------------------------------------------------

    def _meeting_in_progress(self, site: Site, people) -> None:
        """The first site is meeting right now: its returning situations, then new ones, to
        MEETING_ITEMS in all, as the chair's sync_agenda builds it."""
        staff = {}
        for user in people:
            staff.setdefault(user.agency_id, []).append(user)
        agencies = list(Agency.objects.filter(pk__in=staff).order_by("pk"))
        waiting = Situation.objects.filter(site=site, status__in=[Status.OPEN, Status.SUBMITTED])
        missing = MEETING_ITEMS - waiting.count()
        if missing > 0:
            sequences = dict(
                ReferenceSequence.objects.filter(site=site).values_list("year", "last_number")
            )
            rows = [self._submitted(site, agencies, staff, sequences) for _ in range(missing)]
            Situation.objects.bulk_create(rows)
            for year, number in sequences.items():
                ReferenceSequence.objects.update_or_create(
                    site=site, year=year, defaults={"last_number": number}
                )
            AffectedPerson.objects.bulk_create(
                AffectedPerson(situation=s, label="Person A", age_group=s.age_group) for s in rows
            )
            self.counts["situations"] += missing
        started = self.now - timedelta(minutes=30)
        Meeting.objects.filter(site=site, held_on=timezone.localdate(started)).delete()
        meeting = Meeting.objects.create(
            site=site,
            starts_at=started,
            started_at=started,
            status=Meeting.Status.IN_PROGRESS,
            chair=people[0],
        )
        sync_agenda(meeting)
        first = meeting.items.order_by("position").first()
        Meeting.objects.filter(pk=meeting.pk).update(current_item=first)
        self.counts["items"] += meeting.items.count()

    def _grants(self) -> None:
        """Need-to-know grants for every situation that still holds identifying details."""
        live = Situation.objects.filter(identity_purged_at__isnull=True).prefetch_related(
            "assisting_agencies"
        )
        for situation in live.iterator(chunk_size=2000):
            sync_grants(situation)
