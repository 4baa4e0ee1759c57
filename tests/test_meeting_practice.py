"""The meeting as chairs run it: scheduling, minutes with actions, worklists, confirmations.

Each "Wrong" finding of issue 14 that is about the meeting is a test here that fails on the
code before it and passes after.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from core.errors import NotFound, WrongState
from meetings import services
from meetings.models import ActionItem, AgendaItem, Meeting
from situations import services as situation_services
from situations.models import ConclusionReason, Status
from tests.conftest import MARKER, accept, make_situation

TORONTO = ZoneInfo("America/Toronto")
WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=TORONTO)  # REX meets on Tuesdays at 10:00


@pytest.fixture
def tuesdays(cast):
    cast.rex.meeting_weekday = 1
    cast.rex.save()
    return cast.rex


def _lowered():
    return ConclusionReason.objects.filter(outcome="lowered").first()


# ---- Scheduling -------------------------------------------------------------------------------


def test_starting_next_weeks_meeting_today_asks_and_then_moves_it_to_today(cast, tuesdays):
    with time_machine.travel(WEDNESDAY):
        meeting = services.ensure_next_meeting(cast.rex)
        assert meeting.held_on.isoformat() == "2026-12-08"
        with pytest.raises(WrongState, match="scheduled for"):
            services.start(cast.carol, meeting)
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.SCHEDULED  # nothing happened
        started = services.start(cast.carol, meeting, move_to_today=True)
        assert started.held_on.isoformat() == "2026-12-02"  # the day the decisions are made
        assert started.rescheduled_from.date().isoformat() == "2026-12-08"
        services.close(cast.carol, started)
        following = services.ensure_next_meeting(cast.rex)
    # The meeting that was "next Tuesday" happened today: next Tuesday gets a new meeting.
    assert following.held_on.isoformat() == "2026-12-08" and following.pk != started.pk


def test_the_minutes_carry_the_day_the_meeting_was_held(client, cast, tuesdays):
    with time_machine.travel(WEDNESDAY):
        meeting = services.ensure_next_meeting(cast.rex)
        services.start(cast.carol, meeting, move_to_today=True)
        services.close(cast.carol, meeting)
        client.force_login(cast.erin)
        body = client.get("/sites/rex/meetings/2026-12-02/minutes/").content.decode()
    assert "Wednesday 2 December 2026" in body
    assert "Originally scheduled for Tuesday 8 December 2026" in body


def test_home_and_the_meeting_list_show_the_same_next_meeting_after_a_close(client, cast, tuesdays):
    with time_machine.travel(WEDNESDAY):
        meeting = services.ensure_next_meeting(cast.rex)
        services.start(cast.carol, meeting, move_to_today=True)
        services.close(cast.carol, meeting)
        client.force_login(cast.alice)
        home = client.get("/").content.decode()
        listing = client.get("/sites/rex/meetings/").content.decode()
    for body in (home, listing):
        assert "Tuesday 8 December 2026, 10:00" in body
        assert "Tuesday 15 December" not in body.split("Next meeting:")[1][:200]


def test_an_old_link_to_a_moved_meeting_still_opens_it(client, cast, tuesdays):
    with time_machine.travel(WEDNESDAY):
        meeting = services.ensure_next_meeting(cast.rex)
        services.reschedule(
            cast.carol, meeting, datetime(2026, 12, 9, 13, 0, tzinfo=TORONTO), "Holiday"
        )
        client.force_login(cast.alice)
        response = client.get("/sites/rex/meetings/2026-12-08/")
    assert response.status_code == 200
    assert "Wednesday 9 December 2026, 13:00" in response.content.decode()


def test_rescheduling_moves_the_agenda_and_tells_members_why(client, cast, tuesdays):
    with time_machine.travel(WEDNESDAY):
        new = situation_services.submit(cast.alice, make_situation(cast))
        meeting = services.ensure_next_meeting(cast.rex)
        assert meeting.items.get().situation == new
        with pytest.raises(ValidationError):  # a reason is required
            services.reschedule(cast.carol, meeting, WEDNESDAY + timedelta(days=8), "  ")
        with pytest.raises(ValidationError):  # not in the past
            services.reschedule(cast.carol, meeting, WEDNESDAY - timedelta(days=2), "Holiday")
        moved = services.reschedule(
            cast.carol, meeting, datetime(2026, 12, 10, 9, 0, tzinfo=TORONTO), "Statutory holiday"
        )
        assert moved.items.get().situation == new
        client.force_login(cast.erin)
        body = client.get("/sites/rex/meetings/").content.decode()
    assert "Statutory holiday" in body and "Thursday 10 December 2026, 09:00" in body


def test_a_meeting_cannot_move_onto_a_day_that_has_one(cast, tuesdays):
    with time_machine.travel(WEDNESDAY):
        first = services.ensure_next_meeting(cast.rex)
        extra = services.add_meeting(
            cast.carol, cast.rex, datetime(2026, 12, 4, 10, tzinfo=TORONTO)
        )
        with pytest.raises(ValidationError, match="already a meeting"):
            services.reschedule(cast.carol, first, extra.starts_at + timedelta(hours=2), "Room")


def test_cancelling_moves_the_agenda_to_the_following_meeting_and_keeps_the_day(
    client, cast, tuesdays
):
    with time_machine.travel(WEDNESDAY):
        new = situation_services.submit(cast.alice, make_situation(cast))
        meeting = services.ensure_next_meeting(cast.rex)
        following = services.cancel(cast.carol, meeting, "Holiday Monday week")
        assert following.held_on.isoformat() == "2026-12-15"
        assert following.items.get().situation == new
        assert not meeting.items.exists()
        assert services.ensure_next_meeting(cast.rex) == following  # not back on the 8th
        client.force_login(cast.alice)
        home = client.get("/").content.decode()
        listing = client.get("/sites/rex/meetings/").content.decode()
    assert "Tuesday 15 December 2026" in home
    assert "Cancelled" in listing and "Holiday Monday week" in listing


def test_an_extra_meeting_takes_only_what_the_chair_brings_to_it(cast, tuesdays):
    with time_machine.travel(WEDNESDAY):
        urgent = situation_services.submit(cast.alice, make_situation(cast))
        other = situation_services.submit(cast.alice, make_situation(cast))
        regular = services.ensure_next_meeting(cast.rex)
        extra = services.add_meeting(
            cast.carol, cast.rex, WEDNESDAY + timedelta(hours=3), "An urgent situation"
        )
        assert extra.kind == Meeting.Kind.EXTRA and not extra.items.exists()
        services.pull_in(cast.carol, extra, urgent)
        services.start(cast.carol, extra)
        assert [i.situation for i in extra.items.all()] == [urgent]
        assert [i.situation for i in regular.items.all()] == [other]  # left where it was
    with pytest.raises(NotFound):
        services.add_meeting(cast.alice, cast.rex, WEDNESDAY + timedelta(days=1))


def test_a_submission_after_the_cutoff_waits_for_the_meeting_after_unless_pulled_in(
    client, cast, tuesdays
):
    cast.rex.agenda_cutoff_hours = 24
    cast.rex.save()
    monday_noon = datetime(2026, 12, 7, 12, 0, tzinfo=TORONTO)  # 22 hours before the meeting
    with time_machine.travel(WEDNESDAY):
        early = situation_services.submit(cast.alice, make_situation(cast))
        late = make_situation(cast)
    with time_machine.travel(monday_noon):
        late = situation_services.submit(cast.alice, late)
        meeting = services.ensure_next_meeting(cast.rex)
        assert [i.situation for i in meeting.items.all()] == [early]
        following = services.meeting_after(meeting)
        assert [i.situation for i in following.items.all()] == [late]
        client.force_login(cast.carol)
        page = client.get(meeting.get_absolute_url()).content.decode()
        assert "Submitted after the agenda closed" in page and late.reference in page
        services.pull_in(cast.carol, meeting, late)
        assert {i.situation for i in meeting.items.all()} == {early, late}
        assert not following.items.exists()


def test_the_chair_sets_the_cutoff_and_bad_input_is_explained(client, cast):
    client.force_login(cast.carol)
    response = client.post("/sites/rex/meetings/", {"hours": "9999"})
    assert response.status_code == 200 and "less than or equal to 336" in response.content.decode()
    assert client.post("/sites/rex/meetings/", {"hours": "24"}).status_code == 302
    cast.rex.refresh_from_db()
    assert cast.rex.agenda_cutoff_hours == 24
    client.force_login(cast.alice)
    assert client.post("/sites/rex/meetings/", {"hours": "0"}).status_code == 404


# ---- The live meeting ---------------------------------------------------------------------------


@pytest.fixture
def today(cast):
    return Meeting.objects.create(site=cast.rex, starts_at=timezone.now() + timedelta(minutes=5))


def test_defer_moves_on_to_the_next_item_like_every_decision(cast, today):
    first = situation_services.submit(cast.alice, make_situation(cast))
    second = situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, today, move_to_today=True)
    today.refresh_from_db()
    item = today.current_item
    assert item.situation == first
    services.defer(cast.carol, item, item.version)
    today.refresh_from_db()
    assert today.current_item.situation == second


def test_a_follower_is_sent_to_the_minutes_when_the_meeting_closes(client, cast, today):
    services.start(cast.carol, today, move_to_today=True)
    today.refresh_from_db()
    client.force_login(cast.erin)
    url = reverse("meeting_agenda", kwargs={"code": "rex", "key": today.key})
    assert client.get(url, {"since": today.revision}).status_code == 204
    services.close(cast.carol, today)
    response = client.get(url, {"since": today.revision}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse(
        "meeting_minutes", kwargs={"code": "rex", "key": today.key}
    )


def test_keeping_open_needs_the_leads_update(client, cast, today):
    opened = accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    services.start(cast.carol, today, move_to_today=True)
    item = today.items.get(situation=opened)
    client.force_login(cast.carol)
    url = reverse(
        "item_decide", kwargs={"code": "rex", "key": today.key, "reference": opened.reference}
    )
    response = client.post(
        url,
        {
            "action": "returning",
            "returning-version": item.version,
            "returning-decision": "keep_open",
        },
    )
    assert response.status_code == 400
    assert "Record the lead agency" in response.content.decode()
    item.refresh_from_db()
    assert item.outcome == AgendaItem.Outcome.PENDING


def test_the_leads_proposal_prefills_the_chairs_conclusion(client, cast, today):
    opened = accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    reason = _lowered()
    situation_services.add_update(cast.bob, opened, "Housed.", True, reason)
    services.start(cast.carol, today, move_to_today=True)
    client.force_login(cast.carol)
    body = client.get(reverse("meeting_live", kwargs={"code": "rex", "key": today.key})).content
    body = body.decode()
    assert 'value="conclude" id="id_returning-decision_1" checked' in body or (
        'value="conclude"' in body and "checked" in body.split('value="conclude"')[1][:60]
    )
    assert f'<option value="{reason.pk}" selected>' in body


def test_no_reason_or_outcome_is_chosen_in_advance(client, cast, today):
    situation_services.submit(cast.alice, make_situation(cast))
    accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    services.start(cast.carol, today, move_to_today=True)
    client.force_login(cast.carol)
    live = reverse("meeting_live", kwargs={"code": "rex", "key": today.key})
    for _ in range(2):
        body = client.get(live).content.decode()
        assert " checked" not in body  # neither "keep open" nor "conclude", nor a consent
        assert '<option value="" selected>' in body  # the reason starts empty
        today.refresh_from_db()
        services.set_current(cast.carol, today.items.exclude(pk=today.current_item_id).first())


# ---- Confirmations ---------------------------------------------------------------------------


def test_reject_close_and_conclude_ask_before_acting(client, cast, today):
    new = situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, today, move_to_today=True)
    item = today.items.get(situation=new)
    client.force_login(cast.carol)
    decide = reverse(
        "item_decide", kwargs={"code": "rex", "key": today.key, "reference": new.reference}
    )
    data = {
        "action": "reject",
        "reject-version": item.version,
        "reject-rejection_reason": "not_aer",
    }
    asked = client.post(decide, data)
    assert asked.status_code == 200
    assert "cannot be recovered" in asked.content.decode()
    new.refresh_from_db()
    assert new.status == Status.SUBMITTED and new.affected_persons.exists()  # nothing deleted
    assert client.post(decide, {**data, "confirmed": "yes"}).status_code == 302
    new.refresh_from_db()
    assert new.status == Status.REJECTED

    close = reverse("meeting_close", kwargs={"code": "rex", "key": today.key})
    assert "cannot be reopened" in client.post(close).content.decode()
    today.refresh_from_db()
    assert today.status == Meeting.Status.IN_PROGRESS
    assert client.post(close, {"confirmed": "yes"}).status_code == 302
    today.refresh_from_db()
    assert today.status == Meeting.Status.CLOSED


def test_concluding_from_the_situation_page_asks_first(client, cast, story):
    client.force_login(cast.carol)
    url = reverse("situation_conclude", kwargs={"code": "rex", "reference": story.open.reference})
    data = {"conclusion_reason": _lowered().pk, "concluded_on": timezone.localdate().isoformat()}
    assert "Conclude this situation?" in client.post(url, data).content.decode()
    story.open.refresh_from_db()
    assert story.open.status == Status.OPEN
    assert client.post(url, {**data, "confirmed": "yes"}).status_code == 302
    story.open.refresh_from_db()
    assert story.open.status == Status.CONCLUDED


def test_the_reject_form_starts_with_no_reason(client, cast, story):
    client.force_login(cast.carol)
    url = reverse(
        "situation_reject", kwargs={"code": "rex", "reference": story.submitted.reference}
    )
    body = client.get(url).content.decode()
    assert '<option value="" selected>' in body
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()


# ---- Minutes and actions ------------------------------------------------------------------------


def _action(cast, meeting, item=None, days=7, owner="CAC", text="Find a youth shelter bed."):
    return services.add_action(
        cast.carol,
        meeting,
        services.Action(
            text, Agency.objects.get(short_name=owner), timezone.localdate() + timedelta(days=days)
        ),
        item,
    )


def test_notes_and_actions_reach_the_minutes_and_return_on_the_next_agenda(client, cast, today):
    opened = accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    services.start(cast.carol, today, move_to_today=True)
    item = today.items.get(situation=opened)
    services.save_notes(cast.carol, item, "Shelter beds full; outreach continues.", item.version)
    action = _action(cast, today, item)
    services.record_returning(
        cast.carol, AgendaItem.objects.get(pk=item.pk), item.version + 1, update_text="Seen twice."
    )
    services.close(cast.carol, today)
    client.force_login(cast.erin)
    minutes = client.get(reverse("meeting_minutes", kwargs={"code": "rex", "key": today.key}))
    body = minutes.content.decode()
    assert "Shelter beds full" in body and "Find a youth shelter bed." in body
    assert "Draft:" in body
    following = services.ensure_next_meeting(cast.rex)
    agenda = client.get(following.get_absolute_url()).content.decode()
    assert opened.reference in agenda and "Find a youth shelter bed." in agenda
    assert action.is_open


def test_the_owner_closes_an_action_and_not_possible_needs_a_reason(client, cast, today):
    services.start(cast.carol, today, move_to_today=True)
    action = _action(cast, today)
    url = reverse("action_close", kwargs={"key": action.key})
    client.force_login(cast.dave)  # not the owner, not a chair
    assert client.get(url).status_code == 404
    client.force_login(cast.bob)  # his agency owns it
    response = client.post(url, {"status": "not_possible"})
    assert (
        response.status_code == 200 and "Say why it was not possible." in response.content.decode()
    )
    assert (
        client.post(url, {"status": "not_possible", "note": "No bed anywhere."}).status_code == 302
    )
    action.refresh_from_db()
    assert action.status == ActionItem.Status.NOT_POSSIBLE and action.closed_by == cast.bob
    with pytest.raises(WrongState):  # closed once
        services.close_action(cast.bob, action, ActionItem.Status.DONE)


def test_overdue_actions_are_flagged_on_the_owners_home(client, cast, today):
    services.start(cast.carol, today, move_to_today=True)
    action = _action(cast, today, days=0)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        client.force_login(cast.bob)
        body = client.get("/").content.decode()
    assert action.text in body and "overdue" in body


def test_minutes_are_approved_at_the_next_meeting_then_locked(client, cast, today):
    services.start(cast.carol, today, move_to_today=True)
    services.close(cast.carol, today)
    with pytest.raises(WrongState):  # approval happens at a meeting in progress
        services.approve_minutes(cast.carol, today, services.ensure_next_meeting(cast.rex))
    following = services.ensure_next_meeting(cast.rex)
    with time_machine.travel(following.starts_at):  # a week later, at the next meeting
        services.start(cast.carol, following)
        following.refresh_from_db()
        assert services.minutes_to_approve(following) == today
        services.approve_minutes(cast.carol, today, following)
    today.refresh_from_db()
    assert today.minutes_approved and today.minutes_approved_in == following
    with pytest.raises(WrongState):  # locked: no new action on approved minutes
        _action(cast, today)
    services.add_addendum(cast.carol, today, "The shelter is in Etobicoke.")
    client.force_login(cast.erin)
    body = client.get(reverse("meeting_minutes", kwargs={"code": "rex", "key": today.key})).content
    assert b"Approved at the meeting of" in body and b"The shelter is in Etobicoke." in body


def test_notes_never_reach_the_audit_trail(cast, today):
    from auditlog.models import LogEntry

    opened = accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    services.start(cast.carol, today, move_to_today=True)
    item = today.items.get(situation=opened)
    services.save_notes(cast.carol, item, f"Spoke of {MARKER}.", item.version)
    _action(cast, today, item, text=f"Call {MARKER}")
    assert not any(MARKER in str(e.changes) for e in LogEntry.objects.all())


# ---- Worklists and the situation list ----------------------------------------------------------


def test_the_chairs_home_lists_what_needs_them(client, cast, story, today):
    opened = story.open
    opened.response_due_at = timezone.now() - timedelta(hours=1)  # overdue
    opened.save()
    situation_services.add_update(cast.bob, opened, "Housed.", True, _lowered())
    services.start(cast.carol, today, move_to_today=True)
    _action(cast, today)
    services.close(cast.carol, today)
    client.force_login(cast.carol)
    body = client.get("/").content.decode()
    for expected in (
        "1 situation waits for the table",
        story.submitted.reference,
        "Response clocks overdue or at risk",
        "The lead agency proposes to conclude",
        "Open actions at this table",
        "Minutes waiting for approval",
    ):
        assert expected in body, expected
    client.force_login(cast.charlie)  # another table: none of it
    other = client.get("/").content.decode()
    assert story.submitted.reference not in other and "Find a youth shelter bed." not in other


def test_a_representatives_home_shows_the_agencys_clocks_and_actions(client, cast, story, today):
    services.start(cast.carol, today, move_to_today=True)
    _action(cast, today, owner="CAC")
    client.force_login(cast.bob)
    body = client.get("/").content.decode()
    assert story.open.reference in body and "Find a youth shelter bed." in body
    client.force_login(cast.erin)  # no clock and no action of hers
    body = client.get("/").content.decode()
    assert story.open.reference not in body and "No open action." in body


def test_the_site_list_shows_clocks_sorts_by_time_left_and_searches_deidentified_text(
    client, cast, story
):
    urgent = accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    urgent.response_due_at = timezone.now() + timedelta(hours=2)
    urgent.save()
    client.force_login(cast.erin)
    body = client.get("/sites/rex/situations/?sort=clock").content.decode()
    assert body.index(urgent.reference) < body.index(story.open.reference)
    assert "At risk" in body
    factor = story.open.risk_factors.select_related("factor").first().factor
    found = client.get("/sites/rex/situations/", {"q": factor.name[:8]}).content.decode()
    assert story.open.reference in found
    by_agency = client.get("/sites/rex/situations/", {"q": "Crisis Outreach"}).content.decode()
    assert story.submitted.reference in by_agency
    assert (
        story.open.reference
        not in client.get(
            "/sites/rex/situations/",
            {"q": "youth at risk"},  # the narrative is not searched
        ).content.decode()
    )
