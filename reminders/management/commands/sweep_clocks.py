from django.core.management.base import BaseCommand

from reminders import services


class Command(BaseCommand):
    help = "Run one sweep of the response clocks: create due reminders and queue their delivery."

    def add_arguments(self, parser):
        parser.add_argument(
            "--deliver",
            action="store_true",
            help="Also deliver the claimed reminders in this process (no worker needed).",
        )

    def handle(self, *args, deliver: bool = False, **options):
        result = services.sweep(enqueue=not deliver)
        delivered = {}
        if deliver:
            for pk in result.enqueued:
                try:
                    outcome = services.deliver(pk)
                except services.DeliveryFailed:
                    outcome = "retry"
                delivered[outcome] = delivered.get(outcome, 0) + 1
        self.stdout.write(
            f"Created {result.created} reminder(s); {len(result.enqueued)} claimed for delivery"
            + (f"; delivered: {delivered}" if deliver else ".")
        )
