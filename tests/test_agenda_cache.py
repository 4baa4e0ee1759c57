"""The rendered agenda is cached (meetings/views.py _agenda_html): never served to someone who
may see or do something else, never with another person's CSRF token, never stale after a
change the agenda shows."""

import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from situations import services as situation_services
from tests.conftest import make_situation


@pytest.fixture(autouse=True)
def _empty_fragments():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


@pytest.fixture
def running(cast):
    meeting = Meeting.objects.create(site=cast.rex, starts_at=timezone.now() + timedelta(minutes=5))
    first = situation_services.submit(cast.alice, make_situation(cast))
    second = situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    meeting.refresh_from_db()
    return meeting, first, second


def _agenda(client, who, meeting):
    client.force_login(who)
    return client.get(meeting.get_absolute_url()).content.decode()


def test_viewers_of_different_agencies_and_rights_never_share_a_cached_agenda(
    client, cast, running
):
    meeting, first, second = running
    # Alice's agency takes one back during the meeting: it stays on her agenda only.
    situation_services.withdraw(cast.alice, second)
    meeting.refresh_from_db()
    chair = _agenda(client, cast.carol, meeting)  # warms the cache with the chair's controls
    assert f"Move {first.reference} up" in chair and second.reference not in chair
    alice = _agenda(client, cast.alice, meeting)
    assert second.reference in alice  # her agency's own, withdrawn
    assert f"Move {first.reference} up" not in alice  # no chair's controls
    erin = _agenda(client, cast.erin, meeting)
    assert second.reference not in erin and f"Move {first.reference} up" not in erin
    assert "Move" in _agenda(client, cast.carol, meeting)  # the chair's, from the cache


def test_each_viewer_gets_their_own_csrf_token_in_a_cached_agenda(client, cast, running):
    meeting, first, _ = running
    from agencies.models import Membership

    Membership.objects.filter(user=cast.dave, site=cast.rex).update(role=Membership.Role.CO_CHAIR)
    cast.dave.__dict__.pop("seats", None)
    tokens = {}
    for who in (cast.carol, cast.dave):  # two chairs: the same key
        body = _agenda(client, who, meeting)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        tokens[who.username] = (token, client.cookies["csrftoken"].value)
        assert "<!--csrf-->" not in body
    assert tokens["carol"][0] != tokens["dave"][0]
    # Each person's token is good for that person's own session: a POST with it is accepted.
    from django.middleware.csrf import _does_token_match

    for token, secret in tokens.values():
        assert _does_token_match(token, secret)


def test_a_change_the_agenda_shows_is_seen_at_once_despite_the_cache(client, cast, running):
    meeting, first, _ = running
    opened = situation_services.accept(
        cast.carol,
        first,
        situation_services.Assignment(lead=cast.bob.agency, assisting=[]),
        "obtained",
    )
    meeting.refresh_from_db()
    assert "Housing is found" not in _agenda(client, cast.erin, meeting)
    situation_services.add_update(cast.bob, opened, "Housing is found.")
    meeting.refresh_from_db()
    assert "Housing is found" in _agenda(client, cast.erin, meeting)
    situation_services.log_contact(
        cast.bob, opened, attempted_at=timezone.now(), method="phone", outcome="contacted"
    )
    meeting.refresh_from_db()
    assert "Met on time" in _agenda(client, cast.erin, meeting)
