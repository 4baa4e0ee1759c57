from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SituationsConfig(AppConfig):
    name = "situations"
    verbose_name = _("Situations")

    def ready(self) -> None:
        from . import (
            audit,  # noqa: F401  (registers models with auditlog)
            receivers,
        )

        receivers.connect()
