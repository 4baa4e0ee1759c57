"""Outcomes that last, on the dashboard: repeats (SafeLives: a new presentation within 12
months of the last) and re-referrals within 90 days of a conclusion, by conclusion reason,
checked against a data set counted by hand. Only links a chair made count."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from dashboard import metrics
from linkage.models import RepeatLink
from situations.models import ConclusionReason, Situation, Status


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


@pytest.fixture
def world(cast):
    engaged = ConclusionReason.objects.get(kind="engaged")
    declined = ConclusionReason.objects.get(kind="declined")
    made = {}

    def situation(name, presented, concluded=None, reason=None):
        made[name] = Situation.objects.create(
            site=cast.rex,
            reference=f"REX-T-{name}",
            status=Status.CONCLUDED if concluded else Status.OPEN,
            subject_type="person",
            originating_agency=cast.alice.agency,
            narrative="",
            submitted_at=_at(presented),
            first_presented_on=presented,
            accepted_at=_at(presented),
            response_due_at=_at(presented),
            concluded_on=concluded,
            concluded_at=_at(concluded) if concluded else None,
            conclusion_reason=reason,
        )

    def link(later, earlier, decision=RepeatLink.Decision.LINKED):
        RepeatLink.objects.create(
            situation=made[later],
            earlier=made[earlier],
            decision=decision,
            decided_by=cast.carol,
            decided_at=timezone.now(),
        )

    situation("s1", date(2025, 6, 1), date(2025, 7, 1), engaged)
    situation("s2", date(2026, 1, 10))  # repeats s1 (223 days): a repeat; s1 not re-referred
    situation("s3", date(2024, 12, 1), date(2025, 1, 1), engaged)
    situation("s4", date(2026, 2, 1))  # repeats s3 after 427 days: not a repeat
    situation("s5", date(2026, 1, 5), date(2026, 1, 20), declined)
    situation("s6", date(2026, 3, 1))  # s5's person, 40 days after: repeat and re-referral
    situation("s7", date(2026, 2, 10))  # dismissed as s1's person: counts for nothing
    situation("s8", date(2026, 1, 15), date(2026, 2, 1), engaged)
    situation("s9", date(2026, 6, 1))  # s8's person, 120 days after: not a re-referral
    link("s2", "s1")
    link("s4", "s3")
    link("s6", "s5")
    link("s7", "s1", RepeatLink.Decision.DISMISSED)
    link("s9", "s8")
    return made


def _count(result, key, label=None):
    table = result.table(key)
    rows = dict(table.rows)
    return (rows[label] if label else table.rows[0][1]).value


def test_the_repeat_figures_are_those_counted_by_hand(cast, world):
    result = metrics.compute(
        Situation.objects.filter(site=cast.rex),
        date(2026, 1, 1),
        date(2026, 3, 31),
        suppressed=False,
    )
    # Presented in Q1: s2, s4, s5, s6, s7, s8 (six). Repeats: s2 and s6.
    assert result.table("repeats").total.value == 6
    assert _count(result, "repeats") == 2
    # Concluded in Q1: s5 (declined, re-referred by s6) and s8 (engaged, s9 too late).
    declined = ConclusionReason.objects.get(kind="declined").name
    engaged = ConclusionReason.objects.get(kind="engaged").name
    assert _count(result, "rereferral", declined) == 1
    assert _count(result, "rereferral", engaged) == 0
    assert result.table("rereferral").total.value == 1
    rates = dict(result.table("rereferral").rates)
    assert rates == {declined: "100%", engaged: "0%"}
    headline = {str(f.label): f.value for f in result.headline}
    assert headline["Repeat presentations"] == "33%"
    assert headline["Re-referred within 90 days"] == "50%"


def test_the_steering_committee_sees_them_under_the_same_small_cell_control(cast, world):
    result = metrics.compute(
        Situation.objects.filter(site=cast.rex),
        date(2026, 1, 1),
        date(2026, 3, 31),
        suppressed=True,
        sites=[cast.rex],
    )
    if result.withheld:
        return  # too few to publish anything: nothing about repeats either
    cell = result.table("repeats").rows[0][1]
    assert cell.suppressed and str(cell) in ("<5", "*", "withheld")
    headline = {str(f.label): f.value for f in result.headline}
    assert headline["Repeat presentations"] == "withheld"
