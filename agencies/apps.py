from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("People and agencies")

    def ready(self) -> None:
        from . import (
            audit,  # noqa: F401  (registers models with auditlog)
            language,  # noqa: F401  (adopts a language chosen before sign-in)
        )
