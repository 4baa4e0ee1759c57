from access import policy
from core.models import Heartbeat

from .services import SWEEP_HEARTBEAT, unread_count


def reminders(request) -> dict:
    """The notification count beside the bell, and the banner that says reminders may be late
    (the clock's sweep is the dead-man switch)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    can = policy.capabilities(user)
    return {
        "unread_notifications": unread_count(user) if can["notifications"] else None,
        "beat_stale": can["watch_clock"] and Heartbeat.is_stale(SWEEP_HEARTBEAT),
    }
