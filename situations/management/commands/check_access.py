from django.core.management.base import BaseCommand, CommandError

from situations.services import grant_drift


class Command(BaseCommand):
    help = "Compare need-to-know grants with the access policy; exit non-zero on any drift."

    def handle(self, *args, **options):
        drift = 0
        for reference, problem, permission, holder in grant_drift():
            holder_kind = "person" if problem == "personal" else "agency"
            self.stdout.write(f"{reference}: {problem} {permission} for {holder_kind} {holder}")
            drift += 1
        if drift:
            raise CommandError(f"{drift} grant(s) differ from the policy.")
        self.stdout.write("Grants match the policy.")
