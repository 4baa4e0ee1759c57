from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from situations.signals import clock_reopened, first_contact_made, situation_changed

        from .services import follow_situation

        situation_changed.connect(
            lambda sender, situation, event, **kw: follow_situation(situation, event),
            dispatch_uid="meetings.follow_situation",
            weak=False,
        )
        # A clock that stops or starts again changes what the agenda shows.
        for signal, event in ((first_contact_made, "contact"), (clock_reopened, "contact")):
            signal.connect(
                lambda sender, situation, _event=event, **kw: follow_situation(situation, _event),
                dispatch_uid=f"meetings.follow_{signal is clock_reopened}",
                weak=False,
            )
