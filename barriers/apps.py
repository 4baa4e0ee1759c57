from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BarriersConfig(AppConfig):
    name = "barriers"
    verbose_name = _("System-level barriers")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Barrier, BarrierAction, BarrierLink

        auditlog.register(Barrier, exclude_fields=["version", "updated_at"], m2m_fields={"sites"})
        auditlog.register(BarrierAction)
        auditlog.register(BarrierLink)
