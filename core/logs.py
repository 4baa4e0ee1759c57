"""Keep password-reset and invitation tokens, and calendar addresses, out of every log line.

A reset link (and an invitation, which is the same link) carries the person's id and a token
in its path, /accounts/reset/<uidb64>/<token>/: whoever reads a log line with it could set the
person's password until the link expires. gunicorn's access log, runserver's request log
(django.server) and Django's own warnings (django.request: "Not Found: <path>", with the
resolver's message in the traceback) would all print it. RedactTokens rewrites such a record
before any handler writes it; settings.LOGGING puts it on every handler, and
core/gunicorn_logging.py on gunicorn's two loggers.

Only pure standard library here: gunicorn's master process imports this before Django starts.
"""

import json
import logging
import re
from datetime import UTC, datetime

REDACTED = "[redacted]"

# Everything after accounts/reset/ (Django's password_reset_confirm, under accounts/ in
# focus/urls.py) up to the end of the path, except the "done" page. Slashes may come encoded
# in a raw request line, and the resolver's message has no leading slash.
TOKEN_IN_PATH = re.compile(
    r"(accounts(?:/|%2F)reset(?:/|%2F))(?!done(?:/|%2F|[\s?#\"']|$))[^\s?#&\"'\\]+",
    re.IGNORECASE,
)


# A person's calendar address (meetings/urls.py, calendar_feed) is a secret too: whoever reads
# it follows the person's meetings until it is revoked.
CALENDAR_IN_PATH = re.compile(r"(calendar(?:/|%2F))[^\s?#&\"'\\/]+?(\.ics)", re.IGNORECASE)


def redact(text: str) -> str:
    text = TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}/", text)
    return CALENDAR_IN_PATH.sub(rf"\g<1>{REDACTED}\g<2>", text)


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


# Attributes a record may carry that a JSON line keeps, besides its time, level, logger and
# message. Anything else a caller attached (Django puts the whole request on some records,
# and its repr holds the path) stays out: a line has only what is named here.
STRUCTURED = (
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "bytes",
    "remote",
)


class JSONFormatter(logging.Formatter):
    """One JSON object per line, for a log collector to parse without guessing.

    The standard library rather than python-json-logger or structlog: the fields are a fixed
    list (a library's default is to serialise every extra attribute, the request included),
    and gunicorn's master imports this module before Django, where less is better. Every
    text it writes passes through redact(), so the tokens stay out even if a record reaches
    it without the filter.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in STRUCTURED:
            value = getattr(record, name, None)
            if value not in (None, "", "-"):
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
