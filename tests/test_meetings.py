from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from meetings import services
from meetings.models import AgendaItem, Meeting
from situations import services as situation_services
from situations.models import ConclusionReason, Status
from tests.conftest import MARKER, accept, make_situation


@pytest.fixture
def meeting(cast):
    """REX's next meeting, today: most tests here are about what happens during it."""
    return Meeting.objects.create(site=cast.rex, starts_at=timezone.now() + timedelta(minutes=30))


def _items(meeting):
    return [(i.situation.reference, i.kind) for i in meeting.items.select_related("situation")]


def test_the_next_meeting_follows_the_site_cadence(cast):
    meeting = services.ensure_next_meeting(cast.rex)
    assert meeting.starts_at == cast.rex.next_meeting_at()
    assert services.ensure_next_meeting(cast.rex) == meeting  # idempotent


def test_the_agenda_puts_returning_first_overdue_first_then_new(cast, meeting):
    on_time = accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    overdue = accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    overdue.response_due_at = timezone.now() - timedelta(hours=1)
    overdue.save()
    new = situation_services.submit(cast.alice, make_situation(cast))
    make_situation(cast)  # a draft never reaches the agenda
    services.start(cast.carol, meeting, move_to_today=True)
    assert _items(meeting) == [
        (overdue.reference, "returning"),
        (on_time.reference, "returning"),
        (new.reference, "new"),
    ]
    assert Meeting.objects.get(pk=meeting.pk).current_item.situation == overdue


def test_deferring_moves_the_item_to_the_next_meeting(cast, meeting):
    new = situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    item = meeting.items.get()
    following = services.defer(cast.carol, item, item.version)
    assert following.starts_at > meeting.starts_at
    assert following.items.get().situation == new
    services.sync_agenda(meeting)
    assert meeting.items.get().outcome == AgendaItem.Outcome.DEFERRED  # not pulled back


def test_the_second_of_two_chairs_gets_a_clear_refusal(cast, meeting):
    from core.concurrency import ConcurrentEdit

    situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    item = meeting.items.get()
    stale_version = item.version
    services.decide_new(cast.carol, item, stale_version, rejection_reason="not_aer")
    co_chair_view = AgendaItem.objects.get(pk=item.pk)
    with pytest.raises(ConcurrentEdit):
        services.decide_new(
            cast.carol,
            co_chair_view,
            stale_version,
            acceptance=services.Acceptance(
                situation_services.Assignment(lead=Agency.objects.get(short_name="CAC")),
                "obtained",
            ),
        )
    assert (
        co_chair_view.situation.__class__.objects.get(pk=item.situation_id).status
        == Status.REJECTED
    )


def test_followers_poll_cheaply_and_get_news_when_the_revision_moves(client, cast, meeting):
    situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    meeting.refresh_from_db()
    url = reverse("meeting_agenda", kwargs={"code": "rex", "key": meeting.key})
    client.force_login(cast.erin)
    assert client.get(url, {"since": meeting.revision}).status_code == 204
    item = meeting.items.get()
    services.decide_new(cast.carol, item, item.version, rejection_reason="not_aer")
    response = client.get(url, {"since": meeting.revision})
    assert response.status_code == 200 and "Rejected" in response.content.decode()


def test_a_meeting_of_another_site_is_404(client, cast, meeting):
    client.force_login(cast.charlie)
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get("/sites/rex/meetings.ics").status_code == 404


def test_only_chairs_run_the_meeting(client, cast, meeting):
    client.force_login(cast.erin)
    assert (
        client.post(
            reverse("meeting_start", kwargs={"code": "rex", "key": meeting.key})
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("meeting_live", kwargs={"code": "rex", "key": meeting.key})).status_code
        == 404
    )
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.SCHEDULED


def test_a_returning_item_is_concluded_with_an_update(cast, meeting):
    opened = accept(cast, situation_services.submit(cast.alice, make_situation(cast)))
    services.start(cast.carol, meeting, move_to_today=True)
    item = meeting.items.get()
    services.record_returning(
        cast.carol,
        item,
        item.version,
        update_text="Housed and connected.",
        conclusion=ConclusionReason.objects.filter(outcome="lowered")[0],
    )
    opened.refresh_from_db()
    assert opened.status == Status.CONCLUDED
    assert opened.updates.get().agency.short_name == "CAC"  # filed under the lead agency


def test_bad_decision_input_is_explained_and_keeps_what_was_typed(client, cast, meeting):
    situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    item = meeting.items.get()
    client.force_login(cast.carol)
    url = reverse(
        "item_decide",
        kwargs={"code": "rex", "key": meeting.key, "reference": item.situation.reference},
    )
    response = client.post(
        url,
        {"action": "accept", "accept-version": item.version, "accept-consent": "not_obtained"},
        follow=True,
    )
    body = response.content.decode()
    assert "Say why consent was not obtained." in body
    assert "This field is required." in body  # the lead agency
    assert AgendaItem.objects.get(pk=item.pk).outcome == AgendaItem.Outcome.PENDING


def test_minutes_are_de_identified_and_agency_lists_hold_only_own_identities(client, cast, meeting):
    opened = situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    item = meeting.items.get()
    services.decide_new(
        cast.carol,
        item,
        item.version,
        acceptance=services.Acceptance(
            situation_services.Assignment(lead=Agency.objects.get(short_name="CAC")), "obtained"
        ),
    )
    services.close(cast.carol, meeting)
    kwargs = {"code": "rex", "key": meeting.key}
    for who in ("erin", "bob", "carol"):
        client.force_login(getattr(cast, who))
        minutes = client.get(reverse("meeting_minutes", kwargs=kwargs)).content.decode()
        assert opened.reference in minutes and MARKER not in minutes
    client.force_login(cast.bob)  # lead agency: sees who
    assert MARKER in client.get(reverse("agency_minutes", kwargs=kwargs)).content.decode()
    client.force_login(cast.erin)  # not involved: an empty list
    body = client.get(reverse("agency_minutes", kwargs=kwargs)).content.decode()
    assert MARKER not in body and "no actions" in body
    pdf = client.get(reverse("meeting_minutes", kwargs=kwargs), {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.force_login(cast.bob)
    pdf = client.get(reverse("agency_minutes", kwargs=kwargs), {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")


def test_closing_schedules_the_next_meeting(cast, meeting):
    services.start(cast.carol, meeting, move_to_today=True)
    services.close(cast.carol, meeting)
    upcoming = services.ensure_next_meeting(cast.rex)
    assert upcoming != meeting and upcoming.status == Meeting.Status.SCHEDULED


def test_attendance_lists_only_people_of_the_table(client, cast, meeting):
    client.force_login(cast.carol)
    url = reverse("meeting_attendance", kwargs={"code": "rex", "key": meeting.key})
    client.post(
        url,
        {
            f"att-{cast.alice.pk}": "present",
            f"att-{cast.bob.pk}": "apologies",
            f"att-{cast.charlie.pk}": "present",
        },
    )
    statuses = dict(meeting.attendance.values_list("user__username", "status"))
    assert statuses == {"alice": "present", "bob": "apologies"}


MEETING_URLS = [
    ("meeting_detail", "get"),
    ("meeting_agenda", "get"),
    ("meeting_live", "get"),
    ("meeting_attendance", "get"),
    ("meeting_minutes", "get"),
    ("agency_minutes", "get"),
    ("meeting_start", "post"),
    ("meeting_close", "post"),
    ("meeting_sync", "post"),
]


@pytest.mark.parametrize("who", ["charlie", "steve", "adam"])
def test_people_outside_the_table_get_404_on_every_meeting_url(client, cast, meeting, who):
    new = situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    client.force_login(getattr(cast, who))
    kwargs = {"code": "rex", "key": meeting.key}
    for name, method in MEETING_URLS:
        assert getattr(client, method)(reverse(name, kwargs=kwargs)).status_code == 404, name
    for name in ("item_move", "item_defer", "item_current", "item_decide"):
        url = reverse(name, kwargs={**kwargs, "reference": new.reference})
        assert client.post(url).status_code == 404, name
    assert client.get(reverse("meeting_list", kwargs={"code": "rex"})).status_code == 404


def test_representatives_follow_but_cannot_steer(client, cast, meeting):
    new = situation_services.submit(cast.alice, make_situation(cast))
    services.start(cast.carol, meeting, move_to_today=True)
    client.force_login(cast.erin)
    kwargs = {"code": "rex", "key": meeting.key}
    assert client.get(reverse("meeting_detail", kwargs=kwargs)).status_code == 200
    for name in ("item_move", "item_defer", "item_current", "item_decide"):
        url = reverse(name, kwargs={**kwargs, "reference": new.reference})
        assert client.post(url, {"action": "reject"}).status_code == 404, name
    assert AgendaItem.objects.get().outcome == AgendaItem.Outcome.PENDING
