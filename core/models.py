from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a periodic job last ran: the dead-man switch behind /readyz and the staff banner."""

    name = models.SlugField(_("name"), max_length=50, unique=True)
    last_run_at = models.DateTimeField(_("last run at"))
    runs = models.PositiveBigIntegerField(_("runs"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def beat(cls, name: str) -> None:
        now = timezone.now()
        updated = cls.objects.filter(name=name).update(last_run_at=now, runs=models.F("runs") + 1)
        if not updated:
            cls.objects.get_or_create(name=name, defaults={"last_run_at": now, "runs": 1})

    @classmethod
    def age(cls, name: str) -> timedelta | None:
        last = cls.objects.filter(name=name).values_list("last_run_at", flat=True).first()
        return None if last is None else timezone.now() - last

    @classmethod
    def is_stale(cls, name: str) -> bool:
        """For the staff banner, on every page a chair opens. A heartbeat only moves forward,
        so one found fresh stays fresh until its age passes the limit, whatever happens next:
        that much is remembered in the process (at most a minute) instead of read each time.
        A stale one is read again on every page, so the banner goes as soon as a job runs."""
        fresh = caches["fragments"]
        key = f"heartbeat-fresh:{name}"
        if fresh.get(key):
            return False
        age = cls.age(name)
        if age is None or age > settings.HEARTBEAT_MAX_AGE:
            return True
        left = (settings.HEARTBEAT_MAX_AGE - age).total_seconds()
        fresh.set(key, True, timeout=min(left, 60))
        return False
