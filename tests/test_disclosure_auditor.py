"""The auditor (tests/auditor.py) against the real steering dashboard and its CSV: for
generated data sets and the demo data, no period a steering member can ask for lets any "<5"
be narrowed below 1..4; and with secondary suppression switched off, it does."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import disclosure
from dashboard.forms import closed_periods
from situations.models import Situation
from tests import auditor
from tests.auditor import FIRST, LAST, TODAY, TODAY_DATE, TZ, situation
from tests.auditor import seed as _seed


def _periods(first: date, last: date, today: date) -> list[dict]:
    """Every closed period a steering member can choose that overlaps the data; the others
    publish nothing but zeros."""
    chosen = []
    for kind, periods in closed_periods(today).items():
        for value, _label, period in periods:
            if period.start <= last and period.end >= first:
                chosen.append({"kind": kind, kind: value})
    return chosen


def _audit(client, cast, first=FIRST, last=LAST + timedelta(days=60), today=TODAY_DATE):
    """Every leak found, and how many "<5" cells were bounded."""
    client.force_login(cast.steve)
    found, bounded = [], 0
    for params in _periods(first, last, today):
        publication = auditor.read(client, params)
        bounded += list(publication.cells.values()).count("<5")
        found += [(params, *leak) for leak in auditor.exposed(publication)]
    return found, bounded


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,  # the same examples in every run, so CI is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(situation, min_size=1, max_size=40))
def test_no_period_lets_a_small_count_be_worked_out(client, cast, rows):
    with time_machine.travel(TODAY, tick=False), transaction.atomic():
        cache.clear()
        _seed(cast, rows)
        assert _audit(client, cast)[0] == []
        transaction.set_rollback(True)


def test_nor_on_the_demo_data(client, cast, settings):
    """The demo's situations are accepted, concluded and rejected today; audited once the
    fiscal year they fall in has closed."""
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    today = date.today()
    later = datetime(today.year + 1, 4, 15, 9, tzinfo=TZ)
    assert Situation.objects.filter(first_presented_on__isnull=False).exists()
    with time_machine.travel(later, tick=False):
        cache.clear()
        found, bounded = _audit(client, cast, today - timedelta(days=31), today, later.date())
    assert found == [] and bounded > 0


# Two tables, one quarter: the issue's page (Accepted *, Rejected <5, total 8) and its
# four routes to the hidden count.
ISSUE = [
    {
        "site": i % 2,
        "day": 10 + i,
        "accepted": True if i < 6 else None,
        "subject": "person",
        "age": "12-17" if i < 5 else "40-59",
        "gender": "woman" if i < 5 else "man",
        "origin": 0 if i < 6 else 1,
        "lead": 0 if i < 3 else 2,
        "consent": "obtained",
        "factors": [0],
        "contact_hours": 20,
        "concluded_after": None,
    }
    for i in range(8)
]


@pytest.fixture
def issue_data(cast):
    with time_machine.travel(TODAY, tick=False):
        _seed(cast, ISSUE)


def test_with_secondary_suppression_off_the_auditor_finds_the_hidden_count(
    client, cast, issue_data, monkeypatch
):
    with time_machine.travel(TODAY, tick=False):
        cache.clear()
        monkeypatch.setattr(disclosure, "SECONDARY", False)
        found, _bounded = _audit(client, cast)
        assert found, "primary suppression alone must leak"
        assert any(key == ("decision", "Rejected") for _p, key, _lo, _hi in found)
        monkeypatch.setattr(disclosure, "SECONDARY", True)
        cache.clear()
        assert _audit(client, cast)[0] == []
