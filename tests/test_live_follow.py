"""Followers hear of a decision at once: their request waits on Redis for the meeting's next
revision (meetings/live.py). Real Redis and real database transactions, another thread."""

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from meetings import live, services
from meetings.models import Meeting
from situations import services as situation_services
from tests.conftest import VerifiedClient, make_situation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def running(cast):
    meeting = Meeting.objects.create(site=cast.rex, starts_at=timezone.now() + timedelta(minutes=5))
    situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    meeting.refresh_from_db()
    return meeting


def _agenda(meeting, wait):
    url = reverse("meeting_agenda", kwargs={"code": "rex", "key": meeting.key})
    return f"{url}?since={meeting.revision}" + ("&wait=1" if wait else "")


def test_a_waiting_follower_gets_the_decision_within_a_second(cast, running):
    if not settings.REDIS_URL:
        pytest.skip("long-polling needs Redis (CI has it)")
    follower = VerifiedClient()
    follower.force_login(cast.erin)
    answer = {}

    def wait():
        started = time.monotonic()
        answer["response"] = follower.get(_agenda(running, wait=True))
        answer["after"] = time.monotonic() - started

    waiting = threading.Thread(target=wait)
    waiting.start()
    time.sleep(1.0)  # the follower is now waiting on the channel
    assert waiting.is_alive()
    decided_at = time.monotonic()
    item = running.items.get()
    services.decide_new(cast.carol, item, item.version, rejection_reason="not_aer")
    waiting.join(timeout=10)
    assert answer["response"].status_code == 200
    assert time.monotonic() - decided_at < 1.0
    assert "Rejected" in answer["response"].content.decode()


def test_without_a_change_the_wait_ends_with_nothing_to_swap(cast, running, monkeypatch):
    if not settings.REDIS_URL:
        pytest.skip("long-polling needs Redis (CI has it)")
    monkeypatch.setattr(live, "WAIT_SECONDS", 1)
    follower = VerifiedClient()
    follower.force_login(cast.erin)
    response = follower.get(_agenda(running, wait=True))
    assert response.status_code == 204 and response["X-Follow-Again"] == "now"


def test_without_redis_the_page_asks_again_a_second_later(cast, running, settings):
    settings.REDIS_URL = ""
    follower = VerifiedClient()
    follower.force_login(cast.erin)
    started = time.monotonic()
    response = follower.get(_agenda(running, wait=True))
    assert response.status_code == 204 and response["X-Follow-Again"] == "later"
    assert time.monotonic() - started < 1.0  # nothing to wait on: no request held open
