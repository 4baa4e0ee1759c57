"""The steering committee's figures added up from monthly cells per site equal the figures read
from the rows, medians and 90th percentiles included; a change recomputes only the cells it
touched (dashboard/rollups.py)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone

from agencies.models import Site
from dashboard import metrics, rollups
from dashboard.forms import closed_periods
from situations.models import Situation, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cells():
    caches["rollups"].clear()
    yield
    caches["rollups"].clear()


@pytest.fixture
def province(db):
    """Three tables and three years of generated situations (the benchmark's generator)."""
    call_command("seed_scale", sites=3, situations=900, years=3, seed=7, verbosity=0)
    return list(Site.objects.order_by("pk"))


def _same(from_rows: metrics.Raw, gathered: metrics.Raw):
    for name, expected in vars(from_rows).items():
        if name in ("open", "factors"):
            continue  # exact figures only: never read from cells
        got = getattr(gathered, name)
        if name in ("contact", "days"):
            assert len(got) == len(expected), name
            for value, want in zip(got, expected, strict=True):
                assert value == (want if want is None else pytest.approx(want, rel=1e-9)), name
        elif name in ("reasons", "categories"):
            assert sorted(got, key=str) == sorted(expected, key=str), name
        else:
            assert got == expected, name


def _periods(today):
    periods = closed_periods(today)
    # Months with data, the quarters and the fiscal years.
    return (
        [period for _v, _l, period in periods["month"][:14:3]]
        + [period for _v, _l, period in periods["quarter"][:6]]
        + [period for _v, _l, period in periods["year"][:3]]
    )


def test_cells_add_up_to_the_rows(province):
    checked, most_days = 0, 0
    for period in _periods(timezone.localdate()):
        base = Situation.objects.filter(site__in=province)
        from_rows = metrics.from_rows(base, period.start, period.end, exact=False, sites=province)
        gathered = rollups.gather(province, period.start, period.end)
        _same(from_rows, gathered.raw)
        checked += from_rows.presented
        most_days = max(most_days, from_rows.days[0])
        # The published result is the same too, withheld cells and all.
        published = metrics.compute(
            base, period.start, period.end, suppressed=True, sites=province, raw=gathered.raw
        )
        direct = metrics.compute(base, period.start, period.end, suppressed=True, sites=province)
        assert [(f.label, f.value) for f in published.headline] == [
            (f.label, f.value) for f in direct.headline
        ]
        assert [(t.key, [(r, c.display) for r, c in t.rows]) for t in published.tables] == [
            (t.key, [(r, c.display) for r, c in t.rows]) for t in direct.tables
        ]
    assert checked > 300  # the periods hold enough situations for the medians to mean much
    # A fiscal year's median and 90th percentile were compared over many values.
    assert most_days > 100


def test_a_change_recomputes_the_cells_it_touched_only(province):
    year = closed_periods(timezone.localdate())["year"][0][2]
    first = rollups.gather(province, year.start, year.end)
    assert first.recomputed == first.cells > 12
    assert rollups.gather(province, year.start, year.end).recomputed == 0

    situation = Situation.objects.filter(
        status=Status.CONCLUDED,
        site=province[0],
        first_presented_on__range=(year.start, year.end),
        concluded_on__range=(year.start, year.end),
    ).first()
    # Concluded in another month: the month it left and the month it joined are recomputed.
    month = situation.concluded_on.replace(day=1)
    moved_to = month + timedelta(days=40) if month.month != 3 else month - timedelta(days=40)
    situation.concluded_on = moved_to
    situation.save()
    after = rollups.gather(province, year.start, year.end)
    cells_of_situation = {
        situation.first_presented_on.replace(day=1),
        timezone.localtime(situation.accepted_at).date().replace(day=1),
        month,
        moved_to.replace(day=1),
    }
    assert 2 <= after.recomputed <= len(cells_of_situation)
    _same(
        metrics.from_rows(
            Situation.objects.filter(site__in=province),
            year.start,
            year.end,
            exact=False,
            sites=province,
        ),
        after.raw,
    )


def test_a_deadline_passing_is_a_change(province):
    """The response promise counts a running clock once its deadline has passed: time alone
    makes a cell stale."""
    site = province[0]
    today = timezone.localdate()
    month_start = today.replace(day=1)
    running = Situation.objects.filter(site=site, status=Status.OPEN).first()
    running.accepted_at = timezone.now()
    running.response_due_at = running.accepted_at + timedelta(hours=48)
    running.first_contact_at = None
    running.save()
    end = (month_start + timedelta(days=40)).replace(day=1) + timedelta(days=31)
    end = end.replace(day=1) - timedelta(days=1)
    before = rollups.gather([site], month_start, end)
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        later = rollups.gather([site], month_start, end)
        assert later.recomputed >= 1
        assert later.raw.resolved == before.raw.resolved + 1
        _same(
            metrics.from_rows(
                Situation.objects.filter(site=site), month_start, end, exact=False, sites=[site]
            ),
            later.raw,
        )


def test_only_whole_months_are_read_from_cells():
    assert rollups.whole_months(date(2026, 4, 1), date(2027, 3, 31))
    assert rollups.whole_months(date(2026, 2, 1), date(2026, 2, 28))
    assert not rollups.whole_months(date(2026, 2, 2), date(2026, 2, 28))
    assert not rollups.whole_months(date(2026, 2, 1), date(2026, 2, 27))
