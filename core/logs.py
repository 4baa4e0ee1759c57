"""Keep password-reset and invitation tokens out of every log line.

A reset link (and an invitation, which is the same link) carries the person's id and a token
in its path, /accounts/reset/<uidb64>/<token>/: whoever reads a log line with it could set the
person's password until the link expires. gunicorn's access log, runserver's request log
(django.server) and Django's own warnings (django.request: "Not Found: <path>", with the
resolver's message in the traceback) would all print it. RedactTokens rewrites such a record
before any handler writes it; settings.LOGGING puts it on every handler, and
core/gunicorn_logging.py on gunicorn's two loggers.

Only pure standard library here: gunicorn's master process imports this before Django starts.
"""

import logging
import re

REDACTED = "[redacted]"

# Everything after accounts/reset/ (Django's password_reset_confirm, under accounts/ in
# focus/urls.py) up to the end of the path, except the "done" page. Slashes may come encoded
# in a raw request line, and the resolver's message has no leading slash.
TOKEN_IN_PATH = re.compile(
    r"(accounts(?:/|%2F)reset(?:/|%2F))(?!done(?:/|%2F|[\s?#\"']|$))[^\s?#&\"'\\]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}/", text)


class RedactTokens(logging.Filter):
    """Replaces a record's message (and its traceback text) with the redacted version."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call: logging reports it as it would have
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format it here, redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
