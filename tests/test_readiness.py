from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.models import Heartbeat
from core.tasks import HEARTBEAT, heartbeat
from focus.celery import app as celery_app
from reminders.services import sweep


@pytest.fixture
def beat(db):
    heartbeat()  # run in-process: records the beat
    sweep()  # and the clock's sweep
    return Heartbeat.objects.get(name=HEARTBEAT)


def test_healthz_is_alive(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ok_with_database_broker_and_a_fresh_heartbeat(client, beat):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "ok",
        "heartbeat": "ok",
        "clock_sweep": "ok",
        "reminder_backlog": "ok",
    }


def test_readyz_fails_when_the_broker_is_unreachable(client, beat, monkeypatch):
    # A port nothing listens on: the broker is down.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] != "ok"
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_fails_when_the_heartbeat_is_stale(client, beat):
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["heartbeat"].startswith("stale")


def test_readyz_fails_when_the_beat_never_ran(client, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["heartbeat"] == "never ran"


def test_each_beat_advances_the_heartbeat(beat):
    first = beat.last_run_at
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        heartbeat()
    beat.refresh_from_db()
    assert beat.last_run_at > first
    assert beat.runs == 2


def test_chairs_and_administrators_see_a_banner_when_the_clock_sweep_is_stale(client, cast):
    for person in (cast.carol, cast.adam):
        client.force_login(person)
        assert "Background jobs have not run" in client.get("/").content.decode()
    sweep()
    assert "Background jobs have not run" not in client.get("/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        client.force_login(cast.carol)
        assert "Background jobs have not run" in client.get("/").content.decode()


def test_readyz_fails_when_the_clock_sweep_is_stale(client, beat):
    Heartbeat.objects.filter(name="sweep").update(last_run_at=timezone.now() - timedelta(hours=1))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["clock_sweep"].startswith("stale")


def test_representatives_are_not_bothered_by_the_banner(client, cast):
    client.force_login(cast.alice)
    assert "Background jobs have not run" not in client.get("/").content.decode()


def test_production_refuses_to_start_without_its_secrets():
    from types import SimpleNamespace

    from django.core.exceptions import ImproperlyConfigured

    from focus.startup import require_production_settings

    conf = SimpleNamespace(
        DEBUG=False,
        SECRET_KEY="x" * 50,
        EMAIL_HOST="smtp.example.org",
        FIELD_ENCRYPTION_KEYS=[],
        LINKAGE_KEYS=["l"],
    )
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        require_production_settings(conf)
    conf.FIELD_ENCRYPTION_KEYS = ["k"]
    require_production_settings(conf)  # all set: it starts
    conf.SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        require_production_settings(conf)
    conf.SECRET_KEY, conf.LINKAGE_KEYS = "x" * 50, []
    with pytest.raises(ImproperlyConfigured, match="LINKAGE_KEY"):
        require_production_settings(conf)
