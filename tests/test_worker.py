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
