"""/metrics: what an operator watches, behind a token, read after a sweep and a delivery."""

import hmac
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from focus.celery import app as celery_app
from reminders.models import Reminder
from reminders.services import MAX_ATTEMPTS, deliver
from reminders.tasks import sweep_clocks
from tests.conftest import MARKER
from tests.test_worker import _accepted_situation_past_its_deadline

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-tests-0123456789"  # noqa: S105


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def get(authorization=f"Bearer {TOKEN}"):
        headers = {"Authorization": authorization} if authorization else {}
        return client.get("/metrics", headers=headers)

    return get


def _samples(body: str) -> dict[tuple, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def _purge_queue() -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)


def test_there_is_no_endpoint_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", TOKEN],
)
def test_a_missing_or_wrong_token_is_refused(scrape, authorization):
    response = scrape(authorization)
    assert response.status_code == 401
    assert b"focus_" not in response.content


def test_the_token_is_compared_in_constant_time(scrape, monkeypatch):
    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert scrape().status_code == 200
    assert scrape("Bearer nope").status_code == 401
    assert compared == [(TOKEN.encode(), TOKEN.encode()), (b"nope", TOKEN.encode())]


def test_the_figures_after_a_sweep_and_a_delivery(
    client, cast, scrape, settings, mailoutbox, django_capture_on_commit_callbacks
):
    situation = _accepted_situation_past_its_deadline(cast)
    _purge_queue()
    with django_capture_on_commit_callbacks(execute=True):
        sweep_clocks.apply()  # as beat runs it: through Celery's task machinery
    reminders = list(Reminder.objects.order_by("pk"))
    assert len(reminders) == 4
    sent, failing, late = reminders[0], reminders[1], reminders[2]
    assert deliver(sent.pk) == "sent"
    # The last attempt at a mail server that does not answer: failed for good.
    Reminder.objects.filter(pk=failing.pk).update(attempts=MAX_ATTEMPTS - 1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    assert deliver(failing.pk) == "failed"
    Reminder.objects.filter(pk=late.pk).update(queued_at=timezone.now() - timedelta(minutes=11))
    client.force_login(cast.carol)
    assert client.get("/").status_code == 200

    response = scrape()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    figures = _samples(body)

    def value(name, **labels):
        return figures[(name, tuple(sorted(labels.items())))]

    assert value("focus_reminders_created_total") == 4
    assert value("focus_reminders_sent_total") == 1
    assert value("focus_reminders_failed_total") == 1
    assert value("focus_reminders_queued") == 2
    assert value("focus_reminders_queued_too_long") == 1
    assert value("focus_clocks_running") == 1
    assert value("focus_clocks_overdue") == 1
    assert 0 <= value("focus_heartbeat_age_seconds", job="sweep") < 60
    task = "reminders.tasks.sweep_clocks"
    assert 0 < value("focus_job_duration_seconds", task=task) < 30
    assert value("focus_job_runs_total", task=task) == 1
    assert value("focus_job_failures_total", task=task) == 0
    # The sweep's one delivery message waits in the broker: no worker runs here.
    assert value("focus_broker_up") == 1
    assert value("focus_celery_queue_length", queue="celery") == 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert value(latency, view="home", method="GET") >= 1
    # Counts and names of views only: nothing that says which situation, or who.
    assert situation.reference not in body and MARKER not in body
    assert not any(label in body for label in ('reference="', 'user="', 'site="'))
    _purge_queue()


def test_a_broker_that_does_not_answer_is_a_figure_not_an_error(scrape, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = scrape()
    assert response.status_code == 200
    figures = _samples(response.content.decode())
    assert figures[("focus_broker_up", ())] == 0
    assert "127.0.0.1:9" not in response.content.decode()


def test_the_token_comes_from_the_environment():
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.METRICS_TOKEN)"
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            **os.environ,
            "METRICS_TOKEN": "from-the-env",
            "DJANGO_SETTINGS_MODULE": "focus.settings",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "from-the-env"
    assert django_settings.METRICS_TOKEN != "from-the-env"
