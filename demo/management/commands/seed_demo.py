from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.policy import needs_second_factor
from agencies.models import Agency, Membership, Site, User
from demo import people as demo
from demo.people import demo_totp_key, demo_totp_secret


class Command(BaseCommand):
    help = "Create or refresh the demo sites, agencies and people (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo passwords are public: never on real data).",
        )

    @transaction.atomic
    def handle(self, *args, allow_production: bool = False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("seed_demo creates accounts with public passwords; DEBUG is off.")
        sites = {}
        for code, name, divisions, weekday, start in demo.SITES:
            sites[code], _ = Site.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "police_divisions": divisions,
                    "meeting_weekday": weekday,
                    "meeting_time": start,
                },
            )
        agencies = {}
        for short, name, sector in demo.AGENCIES:
            agency = Agency.objects.filter(short_name=short).first() or Agency(short_name=short)
            agency.name, agency.sector, agency.active = name, sector, True
            agency.save()
            agencies[short] = agency

        names = self._names()
        people = []
        people.append(self._person("admin", next(names), None, administrator=True))
        people.append(self._person("privacy", next(names), None, privacy_officer=True))
        people.append(self._person("steering", next(names), None, steering=True))
        people.append(self._person("steering2", next(names), None, steering=True))
        for code, site in sites.items():
            lower = code.lower()
            seats = [(f"chair.{lower}", "SDO", Membership.Role.CHAIR)]
            seats.append((f"cochair.{lower}", "MPS", Membership.Role.CO_CHAIR))
            for short in [*demo.TABLE_AGENCIES[2:], demo.LOCAL_AGENCY[code]]:
                seats.append(
                    (f"rep.{lower}.{short.lower()}", short, Membership.Role.REPRESENTATIVE)
                )
            seats.append((f"rep.{lower}.police", "MPS", Membership.Role.REPRESENTATIVE))
            for username, short, role in seats:
                person = self._person(username, next(names), agencies[short])
                Membership.objects.update_or_create(user=person, site=site, defaults={"role": role})
                people.append(person)
        # One person sits at two tables, as outreach workers often do.
        roamer = self._person("rep.roaming", next(names), agencies["CAC"])
        for code in ("REX", "BLC"):
            Membership.objects.update_or_create(
                user=roamer, site=sites[code], defaults={"role": Membership.Role.REPRESENTATIVE}
            )
        people.append(roamer)
        from demo.situations import seed_site

        situations = sum(seed_site(site) for site in sites.values())
        from demo.barriers import seed_site as seed_barriers
        from meetings.services import schedule_all

        for site in sites.values():
            seed_barriers(site)
        schedule_all()
        self.stdout.write(
            f"Demo ready: {len(sites)} sites, {len(agencies)} agencies, {len(people)} people, "
            f"{situations} new situations. "
            f"Every demo password is {demo.DEMO_PASSWORD!r}."
        )
        accounts = (
            "admin",
            "privacy",
            "steering",
            "chair.rex",
            "cochair.rex",
            "rep.rex.comh",
            "rep.sca.cac",
        )
        self.stdout.write("Try: " + ", ".join(accounts))
        self.stdout.write(
            "Two-step sign-in: every demo person has an authenticator key. Add one to an "
            "authenticator app, or print the current code with "
            "`python manage.py demo_totp USERNAME`. Keys of the accounts above:"
        )
        for username in accounts:
            self.stdout.write(f"  {username:14} {demo_totp_secret(username)}")

    def _names(self):
        for i in range(10_000):
            first = demo.FIRST_NAMES[i % len(demo.FIRST_NAMES)]
            last = demo.LAST_NAMES[(i * 7) % len(demo.LAST_NAMES)]
            yield first, last

    def _person(
        self,
        username,
        name,
        agency=None,
        *,
        steering=False,
        administrator=False,
        privacy_officer=False,
    ) -> User:
        first, last = name
        person = User.objects.filter(username=username).first() or User(username=username)
        person.first_name, person.last_name = first, last
        person.email = f"{username}@demo.focus.invalid"
        person.agency, person.is_active = agency, True
        person.is_steering, person.is_administrator = steering, administrator
        person.is_privacy_officer = privacy_officer
        if not person.check_password(demo.DEMO_PASSWORD):
            person.set_password(demo.DEMO_PASSWORD)
        person.save()
        if needs_second_factor(person):
            TOTPDevice.objects.update_or_create(
                user=person,
                name="authenticator",
                defaults={"key": demo_totp_key(username), "confirmed": True},
            )
        return person
