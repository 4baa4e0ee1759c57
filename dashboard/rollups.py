"""Monthly figures per site, so that the steering committee's first view after a change costs a
recomputation of the site-months that change touched, not of the whole period.

The committee reads whole months, quarters and fiscal years of every site (dashboard/metrics.py,
"Which periods"): each is a union of (site, month) cells, and every raw figure the publication
needs is a sum over those cells -- counts add up, and the values behind a median or a 90th
percentile are kept as lists, so merging them gives the exact percentile, not an estimate.

**When a cell is stale.** A situation counts in up to three months of its site: the month it
was first presented, the month it was accepted and the month it was concluded. For each cell a
fingerprint is read from those three groupings (how many situations, their latest
`updated_at`, and how many running clocks have passed their deadline, which the response
promise counts from then): one grouped query per grouping for the whole period. A cell whose
fingerprint differs from the stored one is recomputed; a change at one site in one month
recomputes that cell only. Every service that changes a situation saves it, so `updated_at`
moves with every change that matters (the same fact the dashboard's data version rests on);
a situation that moves out of a month lowers that month's count. The agencies' sectors are
read into the figures too: their digest is part of every key.

**Where cells live.** In the cache ("rollups" alias: Redis when there is one), never in the
database: a GET stores nothing but what the policy allows (tests/test_permission_matrix.py),
and a lost cell is only recomputed. A cell holds counts, never a row or a name.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import caches
from django.db.models import Count, F, Max, Q
from django.db.models.functions import ExtractMonth, ExtractYear, TruncMonth
from django.utils import timezone

from agencies.models import Agency
from situations.models import (
    ConclusionReason,
    RiskCategory,
    Situation,
    SituationRiskFactor,
    Status,
)

from . import metrics

# Bump when what a cell holds changes: every stored cell is then recomputed.
VERSION = 3
# A cell nobody reads goes away in time; one that is read is checked on every read anyway.
CELL_SECONDS = 14 * 24 * 3600
DECIDED = [Status.OPEN, Status.REJECTED, Status.CONCLUDED]
FEW_SITES = 10


def _cache():
    return caches["rollups"]


# The counts every cell has, in a fixed order: a cell stores them as a tuple, so that adding
# up a fiscal year of 150 tables (1,800 cells) is a sum of columns, not of dictionaries.
FIXED = (
    "presented",
    "accepted",
    "rejected",
    "new",
    "on_time",
    "resolved",
    "concluded",
    "factor_pairs",
    *(
        f"{key}__{value}"
        for key, _field, choices, _accepted in metrics.BREAKDOWNS
        for value, _label in choices
    ),
)
INDEX = {name: i for i, name in enumerate(FIXED)}


@dataclass
class Cell:
    """One site's month: counts by name, and the values behind the medians. Categories and
    conclusion reasons are few per cell and open-ended: counted by id."""

    counts: Counter = field(default_factory=Counter)
    contact_hours: list[float] = field(default_factory=list)
    days_open: list[int] = field(default_factory=list)

    def stored(self) -> tuple:
        return (
            tuple(self.counts.get(name, 0) for name in FIXED),
            {k: n for k, n in self.counts.items() if k not in INDEX},
            self.contact_hours,
            self.days_open,
        )


@dataclass
class Gathered:
    raw: metrics.Raw
    cells: int
    recomputed: int


def whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1 and start <= end


def _month(value) -> date:
    return value.date() if hasattr(value, "date") else value


def _month_range(start: date, end: date) -> list[date]:
    return metrics._months(start, end)


def _last_day(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _accepted_between(start: date, end: date) -> Q:
    """Accepted on a local day from start to end, as a range the index on accepted_at can
    serve (the same situations as accepted_at__date__range)."""
    zone = timezone.get_current_timezone()
    return Q(
        accepted_at__gte=datetime.combine(start, time.min, zone),
        accepted_at__lt=datetime.combine(end + timedelta(days=1), time.min, zone),
    )


def _situations(site_ids):
    """A few sites (the cells a change made stale) are read through the site's index; many
    are not filtered in SQL at all: with 150 sites listed, PostgreSQL reads every situation
    through the site's index instead of the period through the date's. Rows are grouped by
    site anyway, and other sites' cells are dropped in Python."""
    if len(site_ids) <= FEW_SITES:
        return Situation.objects.filter(site_id__in=site_ids)
    return Situation.objects.all()


def _sectors_digest() -> str:
    rows = Agency.objects.order_by("pk").values_list("pk", "sector")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:16]


def fingerprints(site_ids, start: date, end: date) -> dict[tuple[int, date], str]:
    """Each (site, month) cell of the period that any situation counts in, and what its
    figures depend on: three grouped queries for the whole period."""
    now = timezone.now()
    base = _situations(site_ids)
    parts: dict[tuple[int, date], list[str]] = defaultdict(lambda: ["-", "-", "-"])
    groupings = [
        (
            base.filter(status__in=DECIDED, first_presented_on__range=(start, end)),
            "first_presented_on",
            {},
        ),
        (
            base.filter(_accepted_between(start, end)),
            "accepted_at",
            # Counted on a column the index holds (never NULL where the filter holds).
            {
                "due": Count(
                    "response_due_at",
                    filter=Q(first_contact_at__isnull=True, response_due_at__lte=now),
                )
            },
        ),
        (
            base.filter(status=Status.CONCLUDED, concluded_on__range=(start, end)),
            "concluded_on",
            {},
        ),
    ]
    for index, (queryset, date_field, extra) in enumerate(groupings):
        # Year and month as numbers: no date conversion per row (5,400 rows for a fiscal
        # year of 150 tables).
        rows = (
            queryset.annotate(y=ExtractYear(date_field), m=ExtractMonth(date_field))
            .values("site_id", "y", "m")
            # COUNT(*), not COUNT(id): the month indexes include every column read here
            # but the id, and an index-only scan halves the time of each grouping.
            .annotate(n=Count("*"), last=Max("updated_at"), **extra)
            .order_by()
        )
        for row in rows:
            stamp = row["last"].timestamp() if row["last"] else 0
            parts[(row["site_id"], date(row["y"], row["m"], 1))][index] = (
                f"{row['n']}:{stamp}:{row.get('due', '')}"
            )
    wanted = set(site_ids)
    return {cell: "|".join(values) for cell, values in parts.items() if cell[0] in wanted}


def compute_cells(site_ids, months: list[date]) -> dict[tuple[int, date], Cell]:
    """The figures of every (site, month) for the given sites and months, from the rows."""
    start, end = months[0], _last_day(months[-1])
    wanted = set(months)
    cells: dict[tuple[int, date], Cell] = defaultdict(Cell)
    base = _situations(site_ids)

    presented = base.filter(status__in=DECIDED, first_presented_on__range=(start, end))
    annotations = {
        "presented": Count("pk"),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "rejected": Count("pk", filter=Q(status=Status.REJECTED)),
    }
    for key, field_name, choices, accepted_only in metrics.BREAKDOWNS:
        for value, _label in choices:
            condition = Q(**{field_name: value})
            if accepted_only:
                condition &= Q(accepted_at__isnull=False)
            annotations[f"{key}__{value}"] = Count("pk", filter=condition)
    rows = (
        presented.annotate(month=TruncMonth("first_presented_on"))
        .values("site_id", "month")
        .annotate(**annotations)
        .order_by()
    )
    for row in rows:
        counts = cells[(row["site_id"], _month(row["month"]))].counts
        counts.update({name: row[name] for name in annotations if row[name]})

    factor_rows = SituationRiskFactor.objects.filter(
        person__isnull=True, situation__in=presented.filter(accepted_at__isnull=False)
    ).annotate(site_id=F("situation__site_id"), month=TruncMonth("situation__first_presented_on"))
    for row in (
        factor_rows.values("site_id", "month", "factor__category_id")
        .annotate(n=Count("situation_id", distinct=True))
        .order_by()
    ):
        key = f"category:{row['factor__category_id']}"
        cells[(row["site_id"], _month(row["month"]))].counts[key] += row["n"]
    for row in factor_rows.values("site_id", "month").annotate(n=Count("pk")).order_by():
        cells[(row["site_id"], _month(row["month"]))].counts["factor_pairs"] += row["n"]

    accepted = base.filter(_accepted_between(start, end))
    now = timezone.now()
    for row in (
        accepted.annotate(month=TruncMonth("accepted_at"))
        .values("site_id", "month")
        .annotate(
            new=Count("pk"),
            on_time=Count(
                "pk",
                filter=Q(
                    first_contact_at__isnull=False, first_contact_at__lte=F("response_due_at")
                ),
            ),
            resolved=Count(
                "pk", filter=Q(first_contact_at__isnull=False) | Q(response_due_at__lte=now)
            ),
        )
        .order_by()
    ):
        counts = cells[(row["site_id"], _month(row["month"]))].counts
        counts.update({k: row[k] for k in ("new", "on_time", "resolved") if row[k]})
    for site_id, accepted_at, first_contact_at in accepted.filter(
        first_contact_at__isnull=False
    ).values_list("site_id", "accepted_at", "first_contact_at"):
        month = timezone.localtime(accepted_at).date().replace(day=1)
        hours = (first_contact_at - accepted_at).total_seconds() / 3600
        cells[(site_id, month)].contact_hours.append(hours)

    concluded = base.filter(status=Status.CONCLUDED, concluded_on__range=(start, end))
    for row in (
        concluded.annotate(month=TruncMonth("concluded_on"))
        .values("site_id", "month", "conclusion_reason_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts = cells[(row["site_id"], _month(row["month"]))].counts
        counts["concluded"] += row["n"]
        counts[f"reason:{row['conclusion_reason_id']}"] += row["n"]
    for site_id, concluded_on, accepted_at in concluded.filter(
        accepted_at__isnull=False
    ).values_list("site_id", "concluded_on", "accepted_at"):
        days = (concluded_on - timezone.localtime(accepted_at).date()).days
        cells[(site_id, concluded_on.replace(day=1))].days_open.append(days)

    sites = set(site_ids)
    return {key: cell for key, cell in cells.items() if key[1] in wanted and key[0] in sites}


def _key(sectors: str, site_id: int, year: int) -> str:
    # A site's year of cells under one key: a fiscal year of 150 tables is 300 reads, not
    # 1,800.
    return f"rollup:{VERSION}:{sectors}:{site_id}:{year}"


def cells_for(sites, start: date, end: date) -> tuple[dict[tuple[int, date], tuple], int]:
    """The period's cells, recomputing only the stale ones and storing them; with how many
    were recomputed."""
    site_ids = [site.pk for site in sites]
    current = fingerprints(site_ids, start, end)
    sectors = _sectors_digest()
    keys = {cell: _key(sectors, cell[0], cell[1].year) for cell in current}
    stored = _cache().get_many(sorted(set(keys.values())))
    cells, stale = {}, []
    for cell, key in keys.items():
        entry = stored.get(key, {}).get(cell[1])
        if entry is not None and entry[0] == current[cell]:
            cells[cell] = entry[1]
        else:
            stale.append(cell)
    if stale:
        stale_sites = sorted({site for site, _month in stale})
        stale_months = sorted({month for _site, month in stale})
        fresh = compute_cells(stale_sites, _month_range(stale_months[0], stale_months[-1]))
        updates: dict[str, dict] = {}
        for cell in stale:
            cells[cell] = fresh.get(cell, Cell()).stored()
            bucket = updates.setdefault(keys[cell], dict(stored.get(keys[cell], {})))
            bucket[cell[1]] = (current[cell], cells[cell])
        # Two processes refreshing months of one site-year at once may each keep only their
        # own: a lost cell is recomputed on the next read, never served stale.
        _cache().set_many(updates, timeout=CELL_SECONDS)
    return cells, len(stale)


def gather(sites, start: date, end: date) -> Gathered:
    """The raw figures of a period of whole months over `sites`, added up from their cells;
    equal to `metrics.from_rows` for the same situations (tests/test_rollups.py)."""
    cells, recomputed = cells_for(sites, start, end)
    columns = [0] * len(FIXED)
    others: Counter = Counter()
    contact: list[float] = []
    days: list[int] = []
    by_site: Counter = Counter()
    by_month: dict[date, dict[str, int]] = {}
    concluded_by_month: Counter = Counter()
    presented, accepted, rejected, concluded = (
        INDEX[name] for name in ("presented", "accepted", "rejected", "concluded")
    )
    vectors = []
    for (site_id, month), (vector, other, hours, days_open) in cells.items():
        vectors.append(vector)
        if other:
            others.update(other)
        contact += hours
        days += days_open
        if vector[presented]:
            by_site[f"site__{site_id}"] += vector[presented]
            row = by_month.setdefault(month, {"presented": 0, "accepted": 0, "rejected": 0})
            row["presented"] += vector[presented]
            row["accepted"] += vector[accepted]
            row["rejected"] += vector[rejected]
        if vector[concluded]:
            concluded_by_month[month] += vector[concluded]
    if vectors:
        columns = [sum(column) for column in zip(*vectors, strict=True)]
    total = dict(zip(FIXED, columns, strict=True))

    raw = metrics.Raw(
        presented=total["presented"],
        accepted=total["accepted"],
        rejected=total["rejected"],
        new=total["new"],
        concluded=total["concluded"],
        on_time=total["on_time"],
        resolved=total["resolved"],
        factor_count=total["factor_pairs"],
    )
    raw.contact = (len(contact), metrics._median(contact))
    days.sort()
    raw.days = (len(days), metrics._median(days), metrics._percentile(days, 90))
    reason_names = dict(ConclusionReason.objects.values_list("pk", "name"))
    raw.reasons = metrics.by_count(
        (reason_names.get(int(pk)) if pk != "None" else None, n)
        for key, n in others.items()
        if key.startswith("reason:") and n
        for pk in [key.split(":", 1)[1]]
    )
    category_names = dict(RiskCategory.objects.values_list("pk", "name"))
    raw.categories = metrics.by_count(
        (category_names[int(key.split(":", 1)[1])], n)
        for key, n in others.items()
        if key.startswith("category:") and n
    )
    raw.breakdown = metrics.labelled_breakdown({**total, **by_site}, sites)
    raw.by_month = dict(sorted(by_month.items()))
    raw.concluded_by_month = dict(concluded_by_month)
    return Gathered(raw, len(cells), recomputed)
