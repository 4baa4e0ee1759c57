from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agencies.models import Site

TORONTO = ZoneInfo("America/Toronto")


def test_a_representative_sees_only_their_own_sites(client, cast):
    client.force_login(cast.alice)
    body = client.get("/").content.decode()
    assert "FOCUS Rexdale" in body
    assert "FOCUS Scarborough" not in body


def test_a_representative_at_another_table_sees_that_table_only(client, cast):
    client.force_login(cast.charlie)
    body = client.get("/").content.decode()
    assert "FOCUS Scarborough" in body
    assert "FOCUS Rexdale" not in body


def test_the_steering_committee_sees_every_site_but_no_roster_link(client, cast):
    client.force_login(cast.steve)
    body = client.get("/").content.decode()
    assert "FOCUS Rexdale" in body and "FOCUS Scarborough" in body
    assert "/sites/rex/" not in body


def test_home_shows_the_next_meeting_from_the_site_cadence(client, cast):
    from meetings.services import schedule_all

    cast.rex.meeting_weekday = 1  # Tuesday
    cast.rex.save()
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=TORONTO)):  # a Wednesday
        schedule_all()  # what the beat does every ten minutes
        client.force_login(cast.alice)
        body = client.get("/").content.decode()
    assert "Tuesday 8 December 2026, 10:00" in body


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 1, 9, 59), datetime(2026, 12, 1, 10, 0)),  # later today
        (datetime(2026, 12, 1, 11, 0), datetime(2026, 12, 1, 10, 0)),  # under way now
        (datetime(2026, 12, 1, 12, 0), datetime(2026, 12, 8, 10, 0)),  # over: next week
        (datetime(2027, 3, 10, 8, 0), datetime(2027, 3, 16, 10, 0)),  # across the DST change
    ],
)
def test_next_meeting_follows_the_weekly_cadence(now, expected):
    site = Site(code="TST", name="t", meeting_weekday=1, meeting_minutes=120)
    got = site.next_meeting_at(now.replace(tzinfo=TORONTO))
    assert got == expected.replace(tzinfo=TORONTO)


def test_the_roster_is_for_members_of_the_site(client, cast):
    client.force_login(cast.alice)
    assert client.get("/sites/rex/").status_code == 200
    assert client.get("/sites/sca/").status_code == 404
    assert client.get("/sites/nope/").status_code == 404


def test_the_steering_committee_gets_no_roster(client, cast):
    client.force_login(cast.steve)
    assert client.get("/sites/rex/").status_code == 404
