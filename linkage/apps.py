from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "linkage"
    verbose_name = _("Repeat detection")

    def ready(self) -> None:
        from . import audit, checks, receivers  # noqa: F401
