"""Sending one reminder so that a repeat is harmless and the send is recorded before the mail
server is committed to it (README, "Reminders are sent at least once").

SMTP lets the client hold back the end of a message: everything up to the final "." is sent,
the server waits, and only the final "." makes it accept (RFC 5321 §4.1.1.4). The send is
recorded in that pause. If recording fails (the database is gone, or contact was logged a
moment ago), the transaction is reset and the server throws the message away. Other backends
(the console, the test outbox) have no such point of no return: the send is recorded first,
then the message handed over.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

# What SMTP needs of a message body: CRLF line ends, and a leading "." doubled so that no
# line of the message reads as its end (smtplib's data() does the same in one step).
_BARE_EOL = re.compile(rb"(?:\r\n|\n|\r(?!\n))")
_LEADING_DOT = re.compile(rb"(?m)^\.")


class HandOverRefused(Exception):
    """The caller's record of the send failed: nothing was handed over."""


class MailRejected(Exception):
    """The mail server answered, and did not accept the message."""


def message_id(key, domain: str) -> str:
    """A fixed Message-ID for one reminder: every attempt to send it carries the same one, so
    a mail system that sees it twice may drop the repeat (RFC 5322 §3.6.4)."""
    return f"<reminder.{key}@{domain}>"


def send(message: EmailMessage, before_handover: Callable[[], None]) -> None:
    """Send one message. `before_handover` runs (and must commit its record) after the server
    has everything but the final ".", or, on a backend that is not SMTP, just before the
    message is given to it. If it raises, nothing is sent and HandOverRefused is raised."""
    connection = message.connection or get_connection()
    if not isinstance(connection, SMTPBackend):
        try:
            before_handover()
        except Exception as exc:
            raise HandOverRefused(str(exc)) from exc
        connection.send_messages([message])
        return
    _send_smtp(connection, message, before_handover)


def _abandon(backend: SMTPBackend) -> None:
    """Drop the connection without QUIT: in the middle of DATA a QUIT would be read as part of
    the message, and the server would wait for the rest. A server throws away a transaction
    whose connection is gone without its final "."."""
    if backend.connection is not None:
        backend.connection.close()
        backend.connection = None


def _send_smtp(backend: SMTPBackend, message: EmailMessage, before_handover) -> None:
    # As Django's SMTP backend does in _send(), up to the DATA command.
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sender = sanitize_address(message.from_email, encoding)
    recipients = [sanitize_address(addr, encoding) for addr in message.recipients()]
    payload = message.message().as_bytes(linesep="\r\n")
    backend.open()
    smtp = backend.connection
    try:
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            raise MailRejected(f"MAIL {code}")
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise MailRejected(f"RCPT {code}")
        code, reply = smtp.docmd("DATA")
        if code != 354:
            raise MailRejected(f"DATA {code}")
        body = _LEADING_DOT.sub(b"..", _BARE_EOL.sub(b"\r\n", payload))
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        smtp.send(body)
        try:
            before_handover()
        except Exception as exc:
            _abandon(backend)  # without the final ".": the server discards the message
            raise HandOverRefused(str(exc)) from exc
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        if code != 250:
            raise MailRejected(f"end of data {code}")
    except HandOverRefused:
        raise
    except Exception:
        _abandon(backend)
        raise
    backend.close()
