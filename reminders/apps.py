from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Lifecycle steps after which no clock runs: nothing still queued about it goes out.
CLOCK_ENDS = ("concluded", "rejected", "withdrawn")


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from core import readiness
        from situations.signals import clock_reopened, first_contact_made, situation_changed

        from .services import backlog, cancel_pending, restore_cancelled

        first_contact_made.connect(
            lambda sender, situation, **kw: cancel_pending(situation),
            dispatch_uid="reminders.cancel_on_contact",
            weak=False,
        )
        clock_reopened.connect(
            lambda sender, situation, **kw: restore_cancelled(situation),
            dispatch_uid="reminders.restore_on_reopen",
            weak=False,
        )
        situation_changed.connect(
            lambda sender, situation, event, **kw: (
                cancel_pending(situation) if event in CLOCK_ENDS else None
            ),
            dispatch_uid="reminders.cancel_on_end",
            weak=False,
        )
        # /readyz (core, which knows no domain app) runs the checks registered with it.
        readiness.register("reminder_backlog", backlog)
