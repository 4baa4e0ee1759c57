"""The real path: a task sent through the configured broker runs in a real Celery worker.

In CI the broker is Redis (REDIS_URL); with nothing set it is the filesystem transport.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from core.models import Heartbeat
from core.tasks import HEARTBEAT, heartbeat
from focus.celery import app as celery_app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_heartbeat_runs_through_a_real_worker():
    if settings.REDIS_URL:
        assert celery_app.conf.broker_url.startswith("redis")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        heartbeat.delay()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if Heartbeat.objects.filter(name=HEARTBEAT).exists():
                break
            time.sleep(0.1)
    assert Heartbeat.objects.filter(name=HEARTBEAT).exists()


def _wait_for(predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _flush_broker():
    """What a Redis restart without persistence does: every queued message is gone."""
    url = celery_app.conf.broker_url
    if url.startswith("redis"):
        import redis

        redis.Redis.from_url(url).flushdb()
    else:
        import pathlib

        folder = pathlib.Path(celery_app.conf.broker_transport_options["data_folder_in"])
        for message in folder.glob("*.msg"):
            message.unlink()


def _accepted_situation_past_its_deadline(cast):
    from datetime import timedelta

    from django.utils import timezone

    from agencies.models import Agency
    from situations import services
    from tests.conftest import make_situation

    submitted = services.submit(cast.alice, make_situation(cast))
    return services.accept(
        cast.carol,
        submitted,
        services.Assignment(lead=Agency.objects.get(short_name="CAC")),
        "obtained",
        at=timezone.now() - timedelta(hours=50),
    )


def test_reminders_survive_a_broker_flush_and_are_sent_once_by_a_real_worker(cast):
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from reminders.models import Reminder
    from reminders.services import sweep

    _accepted_situation_past_its_deadline(cast)
    result = sweep()  # rows in PostgreSQL, delivery tasks on the broker
    assert result.created == 4  # lead (bob), chair (carol), overdue (bob and carol)
    _flush_broker()  # Redis restarted: the queued delivery tasks are lost
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        time.sleep(1)
        assert Reminder.objects.filter(sent_at__isnull=False).count() == 0  # nothing to run
        # Five minutes later the sweep sees unsent rows and enqueues them again.
        Reminder.objects.update(enqueued_at=timezone.now() - timedelta(minutes=6))
        assert len(sweep().enqueued) == result.created
        assert _wait_for(lambda: not Reminder.objects.filter(sent_at__isnull=True).exists())
    assert len(mail.outbox) == result.created


def test_a_delivery_lost_with_its_worker_is_resent_when_a_worker_returns(cast):
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from reminders.models import Reminder
    from reminders.services import sweep

    _accepted_situation_past_its_deadline(cast)
    # A worker took the tasks and was killed before sending: rows claimed, nothing sent, and
    # (acks_late) the broker would redeliver; here the message is gone too, the worst case.
    claimed = sweep(enqueue=False).enqueued
    Reminder.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert sorted(sweep().enqueued) == sorted(claimed)
        assert _wait_for(lambda: not Reminder.objects.filter(sent_at__isnull=True).exists())
        sweep()  # a further sweep finds nothing to send
        time.sleep(0.5)
    assert len(mail.outbox) == len(claimed)


def test_a_reset_link_asked_for_in_a_request_is_sent_by_a_real_worker(cast):
    from django.core import mail
    from django.test import Client

    _flush_broker()  # nothing left queued by other tests runs here
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        response = Client().post("/accounts/password_reset/", {"email": "alice@example.invalid"})
        assert response.status_code == 302
        assert _wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == ["alice@example.invalid"]
    assert "/accounts/reset/" in mail.outbox[0].body
