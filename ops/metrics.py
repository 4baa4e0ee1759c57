"""What an operator watches (docs/operations.md, "What to watch"), read at each scrape.

Request latency by view comes from django-prometheus's middleware, per process (gunicorn's
workers share it through prometheus_client's multiprocess files). Everything here is read
from PostgreSQL and the broker when /metrics is scraped, so every replica reports the same
truth, whichever worker did the work and however often processes restart. Only counts,
ages and durations: no reference, no name, no label that could say which situation.
"""

from __future__ import annotations

from datetime import timedelta

from celery import current_app as celery_app
from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from core.models import Heartbeat
from reminders.models import PENDING, Reminder
from situations.models import Situation, Status

from .models import JobRun

# The same line /readyz draws for its reminder backlog: a reminder still queued after this
# long means delivery is stuck (no worker, a broker losing messages, a refusing mail server).
QUEUED_TOO_LONG = timedelta(minutes=10)


def _reminders(now):
    cutoff = now - QUEUED_TOO_LONG
    figures = Reminder.objects.aggregate(
        created=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        failed=Count("pk", filter=Q(failed_at__isnull=False)),
        cancelled=Count("pk", filter=Q(cancelled_at__isnull=False)),
        queued=Count("pk", filter=PENDING),
        queued_too_long=Count("pk", filter=PENDING & Q(queued_at__lte=cutoff)),
    )
    for outcome in ("created", "sent", "failed", "cancelled"):
        yield CounterMetricFamily(
            f"focus_reminders_{outcome}",
            f"Reminders {outcome}, ever (rows in the database).",
            value=figures[outcome],
        )
    yield GaugeMetricFamily(
        "focus_reminders_queued", "Reminders waiting to be sent.", value=figures["queued"]
    )
    yield GaugeMetricFamily(
        "focus_reminders_queued_too_long",
        f"Reminders queued for more than {int(QUEUED_TOO_LONG.total_seconds() // 60)} "
        "minutes without being sent (the /readyz backlog).",
        value=figures["queued_too_long"],
    )


def _clocks(now):
    running = Situation.objects.filter(status=Status.OPEN, first_contact_at__isnull=True)
    figures = running.aggregate(
        running=Count("pk"), overdue=Count("pk", filter=Q(response_due_at__lt=now))
    )
    yield GaugeMetricFamily(
        "focus_clocks_running",
        "Accepted situations still waiting for a first contact.",
        value=figures["running"],
    )
    yield GaugeMetricFamily(
        "focus_clocks_overdue",
        "Accepted situations past their response deadline with no first contact.",
        value=figures["overdue"],
    )


def _jobs(now):
    age = GaugeMetricFamily(
        "focus_heartbeat_age_seconds",
        "Seconds since each periodic job last finished (sweep: the clock sweep; "
        "beat: Celery beat's own heartbeat; purge: the retention purge).",
        labels=["job"],
    )
    for name, last in Heartbeat.objects.values_list("name", "last_run_at"):
        age.add_metric([name], (now - last).total_seconds())
    yield age
    duration = GaugeMetricFamily(
        "focus_job_duration_seconds",
        "How long each periodic Celery task took, its last run.",
        labels=["task"],
    )
    runs = CounterMetricFamily("focus_job_runs", "Runs of each periodic task.", labels=["task"])
    failures = CounterMetricFamily(
        "focus_job_failures", "Runs of each periodic task that raised.", labels=["task"]
    )
    for job in JobRun.objects.all():
        duration.add_metric([job.name], job.duration_seconds)
        runs.add_metric([job.name], job.runs)
        failures.add_metric([job.name], job.failures)
    yield from (duration, runs, failures)


def _broker():
    """Messages waiting in each queue the workers consume. The broker is asked, so a queue
    that grows while workers are gone shows here before any reminder is late."""
    queues = [celery_app.conf.task_default_queue]
    up = GaugeMetricFamily("focus_broker_up", "1 if the broker answered this scrape.")
    length = GaugeMetricFamily(
        "focus_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
    )
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            channel = conn.default_channel
            for queue in queues:
                try:
                    declared = channel.queue_declare(queue=queue, passive=True)
                    count = declared.message_count
                except Exception:  # noqa: BLE001 - a queue never declared has no messages
                    channel = conn.channel()
                    count = 0
                length.add_metric([queue], count)
    except Exception:  # noqa: BLE001 - a broker that does not answer is the figure
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    yield length


class DatabaseCollector:
    """A prometheus_client collector: figures computed when scraped, never stored."""

    def collect(self):
        now = timezone.now()
        yield from _reminders(now)
        yield from _clocks(now)
        yield from _jobs(now)
        yield from _broker()
        yield GaugeMetricFamily(
            "focus_heartbeat_max_age_seconds",
            "Age past which /readyz calls a periodic job stale.",
            value=settings.HEARTBEAT_MAX_AGE.total_seconds(),
        )
