"""Reminders are never doubled by us, and a repeat is one mail systems can drop (issue 14,
item 7): against a real SMTP server (aiosmtpd) on this machine."""

import asyncio
import socket
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller

from reminders import services as reminders
from reminders.models import Reminder
from tests.test_clock import T0, opened_at

H = timedelta(hours=1)


def _with_own_connection(step):
    """The server's side of the database: another thread, another connection, committed data."""
    from django.db import connection

    try:
        return step()
    finally:
        connection.close()


class Recorder:
    """Keeps what the server accepted, and what the database said at the final "."."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.handed_over_at_acceptance: list = []
        self.on_rcpt = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.on_rcpt:
            await asyncio.to_thread(_with_own_connection, self.on_rcpt)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.handed_over_at_acceptance.append(
            await asyncio.to_thread(
                _with_own_connection,
                lambda: list(Reminder.objects.values_list("handed_over_at", flat=True)),
            )
        )
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:  # a free port on the loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield recorder
    controller.stop()


def _message_id(raw: bytes) -> str:
    from email import message_from_bytes

    return message_from_bytes(raw)["Message-ID"]


def _due_reminder(cast):
    opened_at(cast)
    with time_machine.travel(T0 + 24 * H, tick=False):
        (pk,) = reminders.sweep(enqueue=False).enqueued
    return pk


@pytest.mark.django_db(transaction=True)
def test_the_send_is_recorded_before_the_server_accepts_it(cast, smtp):
    pk = _due_reminder(cast)
    with time_machine.travel(T0 + 24 * H, tick=False):
        assert reminders.deliver(pk) == "sent"
    # When the server had the whole message, the hand-over was already committed.
    assert smtp.handed_over_at_acceptance == [[T0 + 24 * H]]
    reminder = Reminder.objects.get(pk=pk)
    assert reminder.sent_at == T0 + 24 * H
    assert _message_id(smtp.messages[0]) == f"<reminder.{reminder.key}@127.0.0.1>"


@pytest.mark.django_db(transaction=True)
def test_a_resend_after_a_lost_confirmation_carries_the_same_message_id(cast, smtp):
    pk = _due_reminder(cast)
    with time_machine.travel(T0 + 24 * H, tick=False):
        reminders.deliver(pk)
    # The worker died after the server accepted and before sent_at was committed: the row
    # reads as handed over, unconfirmed. The next delivery sends it again, as the same message.
    Reminder.objects.filter(pk=pk).update(sent_at=None)
    with time_machine.travel(T0 + 24 * H + reminders.CLAIM_LASTS + timedelta(seconds=1)):
        assert reminders.deliver(pk) == "sent"
    assert len(smtp.messages) == 2
    assert _message_id(smtp.messages[0]) == _message_id(smtp.messages[1])


@pytest.mark.django_db(transaction=True)
def test_a_contact_logged_during_the_conversation_stops_the_message_before_it_leaves(cast, smtp):
    from situations import services

    situation = _due_reminder(cast) and Reminder.objects.get().situation

    def contact_logged_now():
        # Another request, on its own connection, logs the first contact mid-conversation.
        services.log_contact(
            cast.bob,
            situation,
            attempted_at=T0 + 23 * H,
            method="phone",
            outcome="contacted",
        )

    smtp.on_rcpt = contact_logged_now
    with time_machine.travel(T0 + 24 * H, tick=False):
        assert reminders.deliver(Reminder.objects.get().pk) == "withheld"
    assert smtp.messages == []  # the server never had the final "."
    reminder = Reminder.objects.get()
    assert reminder.handed_over_at is None and reminder.sent_at is None
    assert reminder.status == "cancelled"


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_reminder_send_it_once(cast, smtp):
    pk = _due_reminder(cast)
    with time_machine.travel(T0 + 24 * H, tick=False):
        assert reminders.deliver(pk) == "sent"
        assert reminders.deliver(pk) == "skipped"
    assert len(smtp.messages) == 1
