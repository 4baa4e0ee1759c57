from django.core.management.base import BaseCommand, CommandError

from situations.models import Situation
from situations.services import actual_grants, expected_grants


class Command(BaseCommand):
    help = "Compare guardian grants with agency participation; exit non-zero on any drift."

    def handle(self, *args, **options):
        drift = 0
        situations = Situation.objects.select_related("site").prefetch_related("assisting_agencies")
        for situation in situations.iterator(chunk_size=500):
            wanted, have = expected_grants(situation), actual_grants(situation)
            for agency_id, perm in sorted(have - wanted):
                self.stdout.write(f"{situation.reference}: extra {perm} for agency {agency_id}")
                drift += 1
            for agency_id, perm in sorted(wanted - have):
                self.stdout.write(f"{situation.reference}: missing {perm} for agency {agency_id}")
                drift += 1
        if drift:
            raise CommandError(f"{drift} grant(s) differ from participation.")
        self.stdout.write("Grants match participation.")
