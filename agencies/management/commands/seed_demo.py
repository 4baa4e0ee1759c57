from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import demo
from agencies.demo import demo_totp_key, demo_totp_secret
from agencies.models import Agency, Membership, Site, User
from core.security import mfa_required


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
        people.append(self._person("admin", next(names), None, User.Role.ADMIN))
        people.append(self._person("steering", next(names), None, User.Role.STEERING))
        people.append(self._person("steering2", next(names), None, User.Role.STEERING))
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
                person = self._person(username, next(names), agencies[short], User.Role.MEMBER)
                Membership.objects.update_or_create(user=person, site=site, defaults={"role": role})
                people.append(person)
        # One person sits at two tables, as outreach workers often do.
        roamer = self._person("rep.roaming", next(names), agencies["CAC"], User.Role.MEMBER)
        for code in ("REX", "BLC"):
            Membership.objects.update_or_create(
                user=roamer, site=sites[code], defaults={"role": Membership.Role.REPRESENTATIVE}
            )
        people.append(roamer)
        from situations.demo import seed_site

        situations = sum(seed_site(site) for site in sites.values())
        from barriers.demo import seed_site as seed_barriers
        from meetings.services import ensure_next_meeting

        for site in sites.values():
            ensure_next_meeting(site)
            seed_barriers(site)
        self.stdout.write(
            f"Demo ready: {len(sites)} sites, {len(agencies)} agencies, {len(people)} people, "
            f"{situations} new situations. "
            f"Every demo password is {demo.DEMO_PASSWORD!r}."
        )
        self.stdout.write("Try: admin, steering, chair.rex, cochair.rex, rep.rex.comh, rep.sca.cac")
        self.stdout.write(
            "Two-step sign-in: every demo person except the steering committee has an "
            "authenticator key. Add one to an authenticator app, or print the current code with "
            "`python manage.py demo_totp USERNAME`. Keys of the accounts above:"
        )
        for username in ("admin", "chair.rex", "cochair.rex", "rep.rex.comh", "rep.sca.cac"):
            self.stdout.write(f"  {username:14} {demo_totp_secret(username)}")

    def _names(self):
        for i in range(10_000):
            first = demo.FIRST_NAMES[i % len(demo.FIRST_NAMES)]
            last = demo.LAST_NAMES[(i * 7) % len(demo.LAST_NAMES)]
            yield first, last

    def _person(self, username, name, agency, role) -> User:
        first, last = name
        person = User.objects.filter(username=username).first() or User(username=username)
        person.first_name, person.last_name = first, last
        person.email = f"{username}@demo.focus.invalid"
        person.agency, person.role, person.is_active = agency, role, True
        if not person.check_password(demo.DEMO_PASSWORD):
            person.set_password(demo.DEMO_PASSWORD)
        person.save()
        if mfa_required(person):
            TOTPDevice.objects.update_or_create(
                user=person,
                name="authenticator",
                defaults={"key": demo_totp_key(username), "confirmed": True},
            )
        return person
