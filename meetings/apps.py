from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from situations.signals import situation_changed

        from .services import follow_situation

        situation_changed.connect(
            lambda sender, situation, event, **kw: follow_situation(situation, event),
            dispatch_uid="meetings.follow_situation",
            weak=False,
        )
