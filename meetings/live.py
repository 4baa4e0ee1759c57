"""A follower's screen hears of a decision at once (long-polling on the meeting's revision).

Every change anyone at a meeting should see bumps its revision (Meeting.bump). With Redis
configured, the bump is published on the meeting's channel once its transaction commits, and
a follower's request for the agenda waits on that channel (up to WAIT_SECONDS) instead of
asking again every second: one request per change or per WAIT_SECONDS, an answer as soon as
the decision is committed. Without Redis (the embedded default) the request answers at once
and the page asks again a second later, as before. A lost message costs at most WAIT_SECONDS:
the follower then asks again with its revision and gets the change.
"""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

WAIT_SECONDS = 20
_clients: dict[str, redis.Redis] = {}


def _client() -> redis.Redis | None:
    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2)
    return _clients[url]


def _channel(meeting_pk: int) -> str:
    return f"focus:meeting:{meeting_pk}"


def announce(meeting_pk: int) -> None:
    """Tell whoever waits on this meeting that it changed (after the change committed)."""
    client = _client()
    if client is None:
        return
    try:
        client.publish(_channel(meeting_pk), "1")
    except redis.RedisError as exc:
        # Followers still get the change when their wait runs out: later, not never.
        log.warning("meeting %s: change not announced (%s)", meeting_pk, type(exc).__name__)


def wait_for_change(meeting_pk: int, since: str, read_revision) -> bool:
    """Wait until the meeting's revision is no longer `since`, or WAIT_SECONDS pass. Returns
    False at once when there is nothing to wait on (no Redis): the caller asks again later."""
    client = _client()
    if client is None:
        return False
    try:
        listener = client.pubsub(ignore_subscribe_messages=True)
        listener.subscribe(_channel(meeting_pk))
    except redis.RedisError:
        return False
    try:
        # A change committed between the caller's read and the subscription would otherwise
        # be missed until the wait runs out.
        if str(read_revision()) != since:
            return True
        # Hold no database connection while waiting: a meeting has dozens of followers.
        connection.close()
        deadline = time.monotonic() + WAIT_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            if listener.get_message(timeout=min(left, 1.0)) is not None:
                return True
        return True
    except redis.RedisError:
        return False
    finally:
        listener.close()
