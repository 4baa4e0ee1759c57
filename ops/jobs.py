"""The duration of every periodic job (the clock sweep, the retention purge, the meeting
scheduler, the heartbeat), timed around the Celery task that runs it.

Celery's task signals fire in the worker process that runs the task, so the jobs' own code
stays as it is. Only tasks that beat schedules are recorded: one row each, updated in place.
"""

import time
from datetime import UTC, datetime

from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import models

_started: dict[str, tuple[float, datetime]] = {}


def periodic_tasks() -> set[str]:
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def _on_prerun(task_id=None, task=None, **kwargs) -> None:
    if task is not None and task.name in periodic_tasks():
        _started[task_id] = (time.monotonic(), datetime.now(UTC))


def _on_postrun(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    if started is None:
        return
    record(task.name, started[1], time.monotonic() - started[0], succeeded=state == "SUCCESS")


def record(name: str, started_at: datetime, seconds: float, *, succeeded: bool) -> None:
    from .models import JobRun

    failed = 0 if succeeded else 1
    updated = JobRun.objects.filter(name=name).update(
        started_at=started_at,
        duration_seconds=seconds,
        succeeded=succeeded,
        runs=models.F("runs") + 1,
        failures=models.F("failures") + failed,
    )
    if not updated:
        JobRun.objects.get_or_create(
            name=name,
            defaults={
                "started_at": started_at,
                "duration_seconds": seconds,
                "succeeded": succeeded,
                "runs": 1,
                "failures": failed,
            },
        )


def connect() -> None:
    task_prerun.connect(_on_prerun, dispatch_uid="ops.jobs.prerun", weak=False)
    task_postrun.connect(_on_postrun, dispatch_uid="ops.jobs.postrun", weak=False)
