"""The 0–48 h clock and its reminders, driven with time-machine."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection

from reminders import services as reminders
from reminders.models import Reminder
from situations import services
from situations.clock import ClockState, clock_for
from situations.models import Situation
from tests.conftest import MARKER, make_situation

T0 = datetime(2026, 12, 1, 11, 0, tzinfo=ZoneInfo("America/Toronto"))


def opened_at(cast, when=T0):
    from agencies.models import Agency

    with time_machine.travel(when - timedelta(hours=1), tick=False):
        submitted = services.submit(cast.alice, make_situation(cast))
    with time_machine.travel(when, tick=False):
        return services.accept(
            cast.carol,
            submitted,
            services.Assignment(
                lead=Agency.objects.get(short_name="CAC"),
                assisting=[Agency.objects.get(short_name="CSHO")],
            ),
            "obtained",
        )


def sweep_and_deliver(at):
    with time_machine.travel(at, tick=False):
        result = reminders.sweep(enqueue=False)
        outcomes = [reminders.deliver(pk) for pk in result.enqueued]
    return result, outcomes


def rows():
    return sorted(Reminder.objects.values_list("rung", "recipient__username"))


def test_each_rung_fires_at_its_moment_and_only_once(cast):
    opened_at(cast)
    h = timedelta(hours=1)
    assert sweep_and_deliver(T0 + 24 * h - timedelta(seconds=1))[0].created == 0
    result, outcomes = sweep_and_deliver(T0 + 24 * h)
    assert rows() == [("lead", "bob")] and outcomes == ["sent"]
    assert sweep_and_deliver(T0 + 30 * h)[0].created == 0
    sweep_and_deliver(T0 + 40 * h)
    assert rows() == [("chair", "carol"), ("lead", "bob")]
    sweep_and_deliver(T0 + 48 * h)
    assert rows() == [("chair", "carol"), ("lead", "bob"), ("overdue", "bob"), ("overdue", "carol")]
    sweep_and_deliver(T0 + 60 * h)
    assert len(mail.outbox) == 4
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bob@example.invalid",
        "bob@example.invalid",
        "carol@example.invalid",
        "carol@example.invalid",
    ]
    assert all(r.status == "sent" for r in Reminder.objects.all())


def test_logging_contact_stops_the_rest(cast):
    situation = opened_at(cast)
    h = timedelta(hours=1)
    with time_machine.travel(T0 + 25 * h, tick=False):
        queued = reminders.sweep(enqueue=False).enqueued  # queued, not yet delivered
        services.log_contact(
            cast.bob,
            situation,
            attempted_at=T0 + 25 * h,
            method="door_knock",
            outcome="contacted",
        )
        assert reminders.deliver(queued[0]) == "skipped"  # cancelled when contact came
    for hours in (41, 49, 80):
        assert sweep_and_deliver(T0 + hours * h)[0].created == 0
    assert mail.outbox == []
    situation.refresh_from_db()
    assert situation.first_contact_at == T0 + 25 * h
    assert clock_for(situation).state == ClockState.MET


def test_an_unsuccessful_attempt_does_not_stop_the_clock(cast):
    situation = opened_at(cast)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        services.log_contact(
            cast.dave,
            situation,
            attempted_at=T0 + timedelta(hours=2),
            method="phone",
            outcome="not_found",
        )
    sweep_and_deliver(T0 + timedelta(hours=24))
    assert rows() == [("lead", "bob")]


def test_an_assisting_agency_contact_stops_the_clock_too(cast):
    situation = opened_at(cast)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        services.log_contact(
            cast.dave,
            situation,
            attempted_at=T0 + timedelta(hours=3),
            method="phone",
            outcome="contacted",
        )
    sweep_and_deliver(T0 + timedelta(hours=50))
    assert rows() == []


def test_beat_down_for_hours_catches_up_and_sends_each_reminder_once(cast):
    opened_at(cast)
    # Nothing ran between T0 and T0+50 h: one sweep catches up on all three rungs.
    result, outcomes = sweep_and_deliver(T0 + timedelta(hours=50))
    assert result.created == 4 and outcomes == ["sent"] * 4
    result, outcomes = sweep_and_deliver(T0 + timedelta(hours=51))
    assert result.created == 0 and result.enqueued == []
    assert len(mail.outbox) == 4


def test_a_lost_delivery_is_enqueued_again_and_sent_once(cast):
    opened_at(cast)
    with time_machine.travel(T0 + timedelta(hours=24), tick=False):
        first = reminders.sweep(enqueue=False).enqueued  # the task went to a worker that died
    with time_machine.travel(T0 + timedelta(hours=24, minutes=2), tick=False):
        assert reminders.sweep(enqueue=False).enqueued == []  # too soon to call it lost
    result, outcomes = sweep_and_deliver(T0 + timedelta(hours=24, minutes=6))
    assert result.enqueued == first and outcomes == ["sent"]
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_retried_then_recorded_as_failed(cast, settings):
    opened_at(cast)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with time_machine.travel(T0 + timedelta(hours=24), tick=False):
        (pk,) = reminders.sweep(enqueue=False).enqueued
        for _ in range(reminders.MAX_ATTEMPTS - 1):
            with pytest.raises(reminders.DeliveryFailed):
                reminders.deliver(pk)
        assert reminders.deliver(pk) == "failed"
    reminder = Reminder.objects.get(pk=pk)
    assert reminder.status == "failed" and reminder.attempts == reminders.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in reminder.last_error


def test_reminder_emails_carry_a_link_and_never_identifying_details(cast):
    situation = opened_at(cast)
    sweep_and_deliver(T0 + timedelta(hours=50))
    for message in mail.outbox:
        assert MARKER not in message.body and MARKER not in message.subject
        assert situation.get_absolute_url() in message.body
        assert situation.reference in message.subject


@pytest.mark.parametrize(
    ("hours", "state", "text"),
    [
        (1, ClockState.ON_TIME, "On time · 47 hours left"),
        (46.5, ClockState.AT_RISK, "At risk · 1 hour left"),
        (48, ClockState.OVERDUE, "Overdue"),
    ],
)
def test_the_clock_state_is_computed_from_timestamps(cast, hours, state, text):
    situation = opened_at(cast)
    clock = clock_for(situation, T0 + timedelta(hours=hours))
    assert (clock.state, str(clock)) == (state, text)


def test_contact_after_the_deadline_reads_as_met_late(cast):
    situation = opened_at(cast)
    with time_machine.travel(T0 + timedelta(hours=50), tick=False):
        services.log_contact(
            cast.bob,
            situation,
            attempted_at=T0 + timedelta(hours=50),
            method="phone",
            outcome="contacted",
        )
    situation.refresh_from_db()
    assert clock_for(situation).state == ClockState.MISSED


def test_the_site_window_sets_the_clock(cast):
    cast.rex.response_window_hours = 24
    cast.rex.save()
    situation = opened_at(cast)
    assert situation.response_due_at == T0 + timedelta(hours=24)
    sweep_and_deliver(T0 + timedelta(hours=12))
    assert rows() == [("lead", "bob")]


def test_the_in_app_bell_counts_unread_reminders(client, cast):
    opened_at(cast)
    sweep_and_deliver(T0 + timedelta(hours=24))
    with time_machine.travel(T0 + timedelta(hours=24, minutes=1), tick=False):
        client.force_login(cast.bob)
        body = client.get("/").content.decode()
        assert 'class="bell-count">1' in body
        page = client.get("/notifications/").content.decode()
        assert "no first contact logged yet" in page and MARKER not in page
        client.post("/notifications/read/")
        assert "bell-count" not in client.get("/").content.decode()


def test_sweep_clocks_command_runs_one_sweep(cast):
    from django.core.management import call_command

    opened_at(cast)
    with time_machine.travel(T0 + timedelta(hours=24), tick=False):
        call_command("sweep_clocks", "--deliver", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_on_postgresql_send_no_duplicate(cast):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL (CI runs it)")
    for _ in range(5):
        opened_at(cast)
    at = T0 + timedelta(hours=50)
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = []
    outcomes: list[str] = []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            result = reminders.sweep(at, enqueue=False)
            claimed.append(result.enqueued)
            barrier.wait()
            # Both threads try to deliver everything, as two workers given the same ids would.
            for pk in sorted(Reminder.objects.values_list("pk", flat=True)):
                outcomes.append(reminders.deliver(pk, at))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    total = Reminder.objects.count()
    assert total == 5 * 4
    assert sorted(pk for batch in claimed for pk in batch) == sorted(
        Reminder.objects.values_list("pk", flat=True)
    )
    assert outcomes.count("sent") == total
    assert len(mail.outbox) == total
    assert len({(m.to[0], m.subject) for m in mail.outbox}) == total
    assert not Situation.objects.filter(reminders__sent_at__isnull=True).exists()
