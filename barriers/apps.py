from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class BarriersConfig(AppConfig):
    name = "barriers"
    verbose_name = _("System-level barriers")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Barrier, BarrierAction, BarrierLink

        auditlog.register(Barrier, exclude_fields=["version", "updated_at"], m2m_fields={"sites"})
        auditlog.register(BarrierAction)
        auditlog.register(BarrierLink)


# The names Django derived for audited models and fields that have no verbose name of their
# own: catalogue entries, so the audit pages read them in French (core/templatetags/records.py).
AUDIT_NAMES = [
    gettext_noop("barrier actions"),
    gettext_noop("barrier links"),
    gettext_noop("ID"),
    gettext_noop("version"),
    gettext_noop("raised by"),
    gettext_noop("created at"),
    gettext_noop("updated at"),
    gettext_noop("barrier action"),
    gettext_noop("barrier"),
    gettext_noop("kind"),
    gettext_noop("text"),
    gettext_noop("actor"),
    gettext_noop("at"),
    gettext_noop("barrier link"),
    gettext_noop("situation"),
    gettext_noop("linked by"),
    gettext_noop("linked at"),
]
