"""The 0–48 hour response clock (docs/design.md §4). State is derived from timestamps, never stored,
so a stopped worker delays emails but never the truth on screen."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class ClockState(StrEnum):
    ON_TIME = "on_time"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"  # first contact came, but after the deadline


LABELS = {
    ClockState.ON_TIME: _("On time"),
    ClockState.AT_RISK: _("At risk"),
    ClockState.OVERDUE: _("Overdue"),
    ClockState.MET: _("Met"),
    ClockState.MISSED: _("Met late"),
}


@dataclass(frozen=True)
class Clock:
    state: ClockState
    due_at: datetime
    remaining: timedelta  # negative when overdue

    @property
    def label(self):
        return LABELS[self.state]

    @property
    def hours_left(self) -> int:
        return int(self.remaining.total_seconds() // 3600)

    def __str__(self) -> str:
        # Built here rather than in a template: a meeting shows 40 clocks, and a
        # {% blocktranslate count %} per clock was a tenth of the page's time.
        if self.state not in (ClockState.ON_TIME, ClockState.AT_RISK):
            return str(self.label)
        hours = self.hours_left
        left = ngettext("%(hours)d hour left", "%(hours)d hours left", hours) % {"hours": hours}
        return f"{self.label} · {left}"


def clock_for(situation, now: datetime | None = None) -> Clock | None:
    if situation.accepted_at is None or situation.response_due_at is None:
        return None
    now = now or timezone.now()
    due = situation.response_due_at
    if situation.first_contact_at is not None:
        met = situation.first_contact_at <= due
        return Clock(
            ClockState.MET if met else ClockState.MISSED, due, due - situation.first_contact_at
        )
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
