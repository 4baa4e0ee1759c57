"""A person's calendar: a secret, revocable address a calendar program reads without signing in.
Nothing about any situation, and no text a chair typed, ever goes out this way."""

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import CalendarFeed, Meeting
from situations import services as situation_services
from tests.conftest import make_situation


def _address(client, who) -> str:
    client.force_login(who)
    body = client.post(reverse("my_calendar"), {"do": "new"}).content.decode()
    return re.search(r'value="(http[^"]+\.ics)"', body).group(1)


def test_a_calendar_program_reads_the_persons_meetings_without_signing_in(client, cast):
    situation = situation_services.submit(cast.alice, make_situation(cast))
    meeting = services.ensure_next_meeting(cast.rex)
    services.cancel(cast.carol, meeting, "Holiday for Ms Zyx's family")  # free text, a name
    address = _address(client, cast.erin)
    response = Client().get(address)  # no session at all
    body = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert "FOCUS Rexdale situation table" in body
    assert "STATUS:CANCELLED" in body and "STATUS:CONFIRMED" in body
    assert situation.reference not in body and "Zyx" not in body and "Holiday" not in body
    assert "FOCUS Scarborough" not in body  # erin sits at Rexdale only


def test_only_a_hash_of_the_address_is_kept_and_a_new_one_ends_the_old(client, cast):
    services.ensure_next_meeting(cast.rex)
    first = _address(client, cast.erin)
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in CalendarFeed.objects.get(user=cast.erin).token_hash
    second = _address(client, cast.erin)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    client.post(reverse("my_calendar"), {"do": "revoke"})
    assert Client().get(second).status_code == 404


def test_a_deactivated_persons_calendar_stops(client, cast):
    address = _address(client, cast.erin)
    cast.erin.is_active = False
    cast.erin.save()
    assert Client().get(address).status_code == 404


def test_a_moved_meeting_is_the_same_event(client, cast):
    meeting = services.ensure_next_meeting(cast.rex)
    address = _address(client, cast.erin)
    before = Client().get(address).content.decode()
    services.reschedule(cast.carol, meeting, meeting.starts_at + timedelta(days=1), "Room")
    after = Client().get(address).content.decode()
    uid = f"UID:meeting-{meeting.pk}@focus"
    assert uid in before and uid in after and before != after
    assert Meeting.objects.get(pk=meeting.pk).starts_at > timezone.now()


def test_guessing_an_address_finds_nothing(cast, db):
    for token in ("", "x" * 200, "not-a-token", "../../etc/passwd"):
        assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_the_calendar_address_never_reaches_a_log_line():
    from core.logs import redact

    line = '127.0.0.1 "GET /calendar/Zq3-_abc123DEF.ics HTTP/1.1" 200'
    assert "Zq3-_abc123DEF" not in redact(line)
