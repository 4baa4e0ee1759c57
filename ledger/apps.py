from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Disclosure ledger")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers models with auditlog)
