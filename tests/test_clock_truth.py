"""The clock tells the truth whatever order contacts are logged, corrected or deleted in, and
a stopped clock shows its result everywhere, never a countdown (issue 14, item 1)."""

from datetime import date, timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from core.errors import NotFound
from dashboard import metrics
from reminders.models import Reminder
from reminders.services import unread_count
from situations import services
from situations.clock import ClockState, clock_for
from situations.models import ConclusionReason, ContactAttempt, Situation
from tests.test_clock import T0, opened_at, sweep_and_deliver

H = timedelta(hours=1)


def log(person, situation, at, outcome="contacted", notes=""):
    with time_machine.travel(T0 + 60 * H, tick=False):
        return services.log_contact(
            person, situation, attempted_at=at, method="phone", outcome=outcome, notes=notes
        )


def first_contact(situation):
    return Situation.objects.get(pk=situation.pk).first_contact_at


def test_an_earlier_contact_logged_later_moves_first_contact_back(cast):
    situation = opened_at(cast)
    log(cast.bob, situation, T0 + 28 * H)
    log(cast.dave, situation, T0 + 1.1 * H)  # the assisting agency's, logged a day later
    assert first_contact(situation) == T0 + 1.1 * H
    assert clock_for(Situation.objects.get(pk=situation.pk)).state == ClockState.MET


def test_the_same_contact_logged_twice_changes_nothing(cast):
    situation = opened_at(cast)
    log(cast.bob, situation, T0 + 3 * H)
    log(cast.bob, situation, T0 + 3 * H)
    assert first_contact(situation) == T0 + 3 * H
    assert ContactAttempt.objects.count() == 2


def test_failed_attempts_logged_before_a_success_do_not_count(cast):
    situation = opened_at(cast)
    log(cast.bob, situation, T0 + 1 * H, outcome="not_found")
    log(cast.bob, situation, T0 + 30 * H)
    log(cast.bob, situation, T0 + 2 * H, outcome="refused")
    assert first_contact(situation) == T0 + 30 * H


def test_correcting_the_time_moves_first_contact_both_ways(cast):
    situation = opened_at(cast)
    entry = log(cast.bob, situation, T0 + 50 * H)
    assert clock_for(Situation.objects.get(pk=situation.pk)).state == ClockState.MISSED
    with time_machine.travel(T0 + 60 * H, tick=False):
        services.edit_contact(
            cast.bob, entry, attempted_at=T0 + 5 * H, method="door_knock", outcome="contacted"
        )
    assert first_contact(situation) == T0 + 5 * H
    assert clock_for(Situation.objects.get(pk=situation.pk)).state == ClockState.MET


def test_correcting_the_outcome_of_the_only_success_reopens_the_clock(cast):
    situation = opened_at(cast)
    entry = log(cast.bob, situation, T0 + 5 * H)
    with time_machine.travel(T0 + 6 * H, tick=False):
        services.edit_contact(
            cast.bob, entry, attempted_at=T0 + 5 * H, method="phone", outcome="not_found"
        )
    assert first_contact(situation) is None
    clock = clock_for(Situation.objects.get(pk=situation.pk), T0 + 6 * H)
    assert clock.state == ClockState.ON_TIME and not clock.final


def test_deleting_the_earliest_success_falls_back_to_the_next(cast):
    situation = opened_at(cast)
    early = log(cast.bob, situation, T0 + 2 * H)
    log(cast.bob, situation, T0 + 40 * H)
    with time_machine.travel(T0 + 60 * H, tick=False):
        services.delete_contact(cast.bob, early)
    assert first_contact(situation) == T0 + 40 * H


def test_deleting_the_last_success_reopens_the_clock_and_its_reminders(cast):
    situation = opened_at(cast)
    with time_machine.travel(T0 + 24 * H, tick=False):
        from reminders import services as reminders

        queued = reminders.sweep(enqueue=False).enqueued  # the lead's rung, not yet sent
    entry = log(cast.bob, situation, T0 + 25 * H)
    assert Reminder.objects.get(pk=queued[0]).status == "cancelled"
    with time_machine.travel(T0 + 26 * H, tick=False):
        services.delete_contact(cast.bob, entry)
    assert first_contact(situation) is None
    assert Reminder.objects.get(pk=queued[0]).status == "queued"
    # The clock runs again: the next sweep sends what is due, and the ladder goes on.
    _, outcomes = sweep_and_deliver(T0 + 41 * H)
    assert sorted(outcomes) == ["sent", "sent"]  # the lead's, restored, and the chair's


def test_only_the_agency_that_logged_an_attempt_corrects_it_and_only_while_open(cast):
    situation = opened_at(cast)
    entry = log(cast.bob, situation, T0 + 2 * H)
    for outsider in (cast.dave, cast.alice, cast.carol, cast.erin, cast.charlie):
        with pytest.raises(NotFound):
            services.delete_contact(outsider, entry)
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    with time_machine.travel(T0 + 60 * H, tick=False):
        services.conclude(cast.carol, situation, reason)
        # Concluded: the agency no longer writes the log (its grant is gone), as for new entries.
        with pytest.raises(NotFound):
            services.edit_contact(
                cast.bob, entry, attempted_at=T0 + 3 * H, method="phone", outcome="refused"
            )
    assert ContactAttempt.objects.filter(pk=entry.pk, outcome="contacted").exists()


def test_corrections_are_audited_with_the_notes_masked(cast):
    situation = opened_at(cast)
    entry = log(cast.bob, situation, T0 + 2 * H, notes="Spoke with Zyxwquarq at the door")
    with time_machine.travel(T0 + 3 * H, tick=False):
        services.edit_contact(
            cast.bob,
            entry,
            attempted_at=T0 + 2 * H,
            method="phone",
            outcome="contacted",
            notes="Spoke with Zyxwquarq by phone",
        )
        services.delete_contact(cast.bob, entry)
    entries = LogEntry.objects.filter(object_repr=f"contact attempt #{entry.pk}")
    assert sorted(e.action for e in entries) == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.DELETE,
    ]
    assert all(e.actor == cast.bob for e in entries)
    assert "Zyxwquarq" not in str([e.changes for e in entries])


# ---- a stopped clock shows its result -------------------------------------------------------


def conclude(cast, situation, at):
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    with time_machine.travel(at, tick=False):
        return services.conclude(cast.carol, situation, reason)


def test_a_situation_concluded_without_contact_reads_not_met_for_good(cast):
    situation = conclude(cast, opened_at(cast), T0 + 7 * H)
    for later in (T0 + 8 * H, T0 + 100 * H, T0 + 1000 * H):
        clock = clock_for(situation, later)
        assert (clock.state, str(clock), clock.final) == (ClockState.NOT_MET, "Not met", True)


def test_a_situation_concluded_after_contact_keeps_its_result(cast):
    situation = opened_at(cast)
    log(cast.bob, situation, T0 + 3 * H)
    situation = conclude(cast, Situation.objects.get(pk=situation.pk), T0 + 7 * H)
    assert str(clock_for(situation, T0 + 100 * H)) == "Met on time"


def test_the_detail_responses_and_my_pages_show_no_countdown_once_concluded(client, cast):
    situation = conclude(cast, opened_at(cast), T0 + 7 * H)
    client.force_login(cast.bob)
    kwargs = {"code": "rex", "reference": situation.reference}
    with time_machine.travel(T0 + 8 * H, tick=False):
        for url in (
            situation.get_absolute_url(),
            reverse("situation_responses", kwargs=kwargs),
        ):
            body = client.get(url).content.decode()
            assert "Not met" in body, url
            assert "hours left" not in body and "On time" not in body, url


def test_the_agenda_and_the_action_list_show_the_final_result(client, cast):
    from meetings.models import AgendaItem, Meeting

    situation = conclude(cast, opened_at(cast), T0 + 7 * H)
    with time_machine.travel(T0 + 8 * H, tick=False):
        meeting = Meeting.objects.filter(site=cast.rex).order_by("starts_at").first()
        AgendaItem.objects.get_or_create(
            meeting=meeting, situation=situation, defaults={"kind": "returning"}
        )
        client.force_login(cast.bob)
        kwargs = {"code": "rex", "key": meeting.key}
        for name in ("meeting_detail", "agency_minutes"):
            body = client.get(reverse(name, kwargs=kwargs)).content.decode()
            assert situation.reference in body, name
            assert "Not met" in body, name
            assert "hours left" not in body and "On time" not in body, name


# ---- notifications about a stopped clock ------------------------------------------------------


def test_notifications_about_a_clock_stopped_by_contact_are_no_longer_new(client, cast):
    situation = opened_at(cast)
    sweep_and_deliver(T0 + 24 * H)  # bob's lead reminder is sent
    assert unread_count(cast.bob) == 1
    log(cast.bob, situation, T0 + 25 * H)
    assert unread_count(cast.bob) == 0
    client.force_login(cast.bob)
    with time_machine.travel(T0 + 26 * H, tick=False):
        assert "bell-count" not in client.get("/").content.decode()
        page = client.get("/notifications/").content.decode()
    assert "Resolved:" in page and "New:" not in page


def test_notifications_about_a_concluded_situation_are_resolved(cast):
    situation = opened_at(cast)
    sweep_and_deliver(T0 + 48 * H)  # every rung: bob and carol
    assert unread_count(cast.carol) == 2
    conclude(cast, situation, T0 + 49 * H)
    assert unread_count(cast.carol) == 0 and unread_count(cast.bob) == 0


# ---- the dashboard's figures follow the data ------------------------------------------------


def test_the_dashboards_first_contact_figures_use_the_earliest_contact(cast):
    late_first = opened_at(cast)
    log(cast.bob, late_first, T0 + 28 * H)
    log(cast.bob, late_first, T0 + 1.1 * H)
    missed_then_corrected = opened_at(cast, T0 + 2 * H)
    log(cast.dave, missed_then_corrected, T0 + 2 * H + 50 * H)
    log(cast.dave, missed_then_corrected, T0 + 2 * H + 3.1 * H)
    with time_machine.travel(T0 + 60 * H, tick=False):
        result = metrics.compute(
            Situation.objects.filter(site=cast.rex),
            date(2026, 12, 1),
            date(2026, 12, 31),
            suppressed=False,
        )
    figures = {str(f.label): f.value for f in result.headline}
    assert figures["First contact, median"] == "2.1 hours"  # (1.1 + 3.1) / 2, not 39 h
    assert figures["First contact within the promise"] == "100%"
