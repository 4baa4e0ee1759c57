from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """What an operator runs and watches: backups and their restore, /metrics, job timings."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from . import jobs

        jobs.connect()
