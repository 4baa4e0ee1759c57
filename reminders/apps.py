from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from situations.signals import first_contact_made

        from .services import cancel_pending

        first_contact_made.connect(
            lambda sender, situation, **kw: cancel_pending(situation),
            dispatch_uid="reminders.cancel_on_contact",
            weak=False,
        )
