from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """How long each periodic job last took, written by the worker that ran it (ops/jobs.py)
    and read by every web replica's /metrics: one truth whichever process is scraped."""

    name = models.CharField(_("job"), max_length=200, unique=True)
    started_at = models.DateTimeField(_("last started at"))
    duration_seconds = models.FloatField(_("last duration (seconds)"))
    succeeded = models.BooleanField(_("last run succeeded"))
    runs = models.PositiveBigIntegerField(_("runs"), default=0)
    failures = models.PositiveBigIntegerField(_("failures"), default=0)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return self.name
