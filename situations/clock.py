"""The 0–48 hour response clock (docs/design.md §4). State is derived from timestamps, never stored,
so a stopped worker delays emails but never the truth on screen."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class ClockState(StrEnum):
    # Running: no first contact yet and the situation is open.
    ON_TIME = "on_time"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    # Stopped: the final result, which no longer changes with the time of day.
    MET = "met"  # first contact by the deadline
    MISSED = "missed"  # first contact came, but after the deadline
    NOT_MET = "not_met"  # the situation left "open" (concluded) with no contact logged


LABELS = {
    ClockState.ON_TIME: _("On time"),
    ClockState.AT_RISK: _("At risk"),
    ClockState.OVERDUE: _("Overdue"),
    ClockState.MET: _("Met on time"),
    ClockState.MISSED: _("Met late"),
    ClockState.NOT_MET: _("Not met"),
}

FINAL_STATES = frozenset({ClockState.MET, ClockState.MISSED, ClockState.NOT_MET})


@dataclass(frozen=True)
class Clock:
    state: ClockState
    due_at: datetime
    # Running: the time left (negative when overdue). Stopped: from when it stopped (first
    # contact, or the conclusion when there was none) to the deadline, fixed from then on.
    remaining: timedelta

    @property
    def label(self):
        return LABELS[self.state]

    @property
    def final(self) -> bool:
        """The clock has stopped: its result is shown, never a countdown."""
        return self.state in FINAL_STATES

    @property
    def hours_left(self) -> int:
        return int(self.remaining.total_seconds() // 3600)

    def as_html(self) -> SafeString:
        """The clock as every page shows it (templates/situations/_clock.html and the site
        list's rows, situations/rows.py)."""
        return format_html('<span class="clock clock-{}">{}</span>', self.state, str(self))

    def __str__(self) -> str:
        # Built here rather than in a template: a meeting shows 40 clocks, and a
        # {% blocktranslate count %} per clock was a tenth of the page's time.
        if self.final or self.state == ClockState.OVERDUE:
            return str(self.label)
        hours = self.hours_left
        left = ngettext("%(hours)d hour left", "%(hours)d hours left", hours) % {"hours": hours}
        return f"{self.label} · {left}"


# The one status in which a clock without a first contact still runs. Compared as a string:
# the clock knows the record's fields, not its model (situations.models imports nothing here).
RUNNING_STATUS = "open"


def clock_for(situation, now: datetime | None = None) -> Clock | None:
    """The clock of an accepted situation; None for one the table never accepted (a draft,
    a submitted, rejected or withdrawn one has no clock to show)."""
    if situation.accepted_at is None or situation.response_due_at is None:
        return None
    now = now or timezone.now()
    due = situation.response_due_at
    if situation.first_contact_at is not None:
        met = situation.first_contact_at <= due
        return Clock(
            ClockState.MET if met else ClockState.MISSED, due, due - situation.first_contact_at
        )
    if situation.status != RUNNING_STATUS:
        # Concluded (or otherwise closed) with no contact: the result is final. The margin is
        # counted to when it stopped, so it reads the same tomorrow as today.
        stopped = situation.concluded_at or due
        return Clock(ClockState.NOT_MET, due, due - stopped)
    remaining = due - now
    if remaining <= timedelta(0):
        state = ClockState.OVERDUE
    elif remaining <= timedelta(hours=settings.CLOCK_AT_RISK_HOURS):
        state = ClockState.AT_RISK
    else:
        state = ClockState.ON_TIME
    return Clock(state, due, remaining)


# The reminder ladder (docs/domain.md §6) for a 48-hour window: lead agency at T+24 h, chair at
# T+40 h, overdue at T+48 h. Other windows scale: half-way, 8 hours before, at the deadline.
class Rung(StrEnum):
    LEAD = "lead"
    CHAIR = "chair"
    OVERDUE = "overdue"


def rung_due_at(rung: Rung, accepted_at: datetime, due_at: datetime) -> datetime:
    window = due_at - accepted_at
    if rung == Rung.LEAD:
        return accepted_at + window / 2
    if rung == Rung.CHAIR:
        return max(due_at - timedelta(hours=8), accepted_at + window / 2)
    return due_at


# How far ahead of the deadline the earliest rung can fall, for the sweep's indexed range.
def earliest_rung_lead(max_window_hours: int) -> timedelta:
    return timedelta(hours=max_window_hours) / 2
