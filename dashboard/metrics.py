"""The dashboard's numbers, computed with a fixed number of aggregate queries.

Definitions (written down so an evaluator can check them):
- presented: decided situations (accepted or rejected) first presented in the period;
- new: accepted in the period; concluded: concluded in the period; open: accepted by the end
  of the period and not concluded by then;
- time to first contact: acceptance to the first successful contact, for situations accepted in
  the period; "on time" means by the site's deadline; situations whose deadline is still ahead
  and that have no contact yet are left out;
- days open: acceptance to conclusion, for situations concluded in the period;
- risk categories: how many accepted situations (presented in the period) have at least one
  factor in the category; factors per situation counts distinct factors.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Sector
from situations.models import (
    MINOR_AGE_GROUPS,
    AgeGroup,
    Consent,
    Gender,
    RiskCategory,
    SituationRiskFactor,
    Status,
    SubjectType,
)

from .suppression import Cell, share, suppress, suppress_total


@dataclass
class Table:
    key: str
    title: str
    rows: list[tuple[str, Cell]]
    total: Cell | None = None
    note: str = ""

    @property
    def max_value(self) -> int:
        return max([c.value for _, c in self.rows if not c.suppressed] or [0])

    def bars(self) -> list[dict]:
        """Rows for a horizontal bar chart; a withheld value draws no bar."""
        top = self.max_value or 1
        return [
            {
                "label": label,
                "display": cell.display,
                "width": 0 if cell.suppressed else round(300 * cell.value / top),
                "y": 28 * index,
            }
            for index, (label, cell) in enumerate(self.rows)
        ]

    @property
    def chart_height(self) -> int:
        return 28 * len(self.rows) + 4


@dataclass
class Figure:
    label: str
    value: str | None
    note: str = ""


@dataclass
class Metrics:
    period_start: date
    period_end: date
    suppressed: bool
    headline: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _fmt(value: float | None, unit: str, n: int, suppressed: bool) -> str | None:
    if value is None:
        return None
    if suppressed and 0 < n < 5:
        return "<5"
    return f"{value:.1f} {unit}"


BREAKDOWNS = [
    # key, field, choices, over accepted situations only
    ("subject", "subject_type", SubjectType.choices, False),
    ("age", "age_group", AgeGroup.choices, False),
    ("gender", "gender", Gender.choices, False),
    ("origin", "originating_agency__sector", Sector.choices, False),
    ("lead", "lead_agency__sector", Sector.choices, True),
    ("consent", "consent", Consent.choices, True),
]


def _breakdowns(presented) -> dict[str, list[tuple[str, int]]]:
    """Every categorical breakdown in one scan, with a filtered count per value."""
    annotations = {}
    for key, field_name, choices, accepted_only in BREAKDOWNS:
        for value, _label in choices:
            condition = Q(**{field_name: value})
            if accepted_only:
                condition &= Q(accepted_at__isnull=False)
            annotations[f"{key}__{value}"] = Count("pk", filter=condition)
    counts = presented.aggregate(**annotations)
    return {
        key: [(str(label), counts[f"{key}__{value}"]) for value, label in choices]
        for key, _field, choices, _accepted in BREAKDOWNS
    }


def _percentiles(queryset, expression_sql: str, python_value, percents=(50, 90)):
    """Percentiles (linear interpolation, like statistics' "inclusive" method) of a value per
    situation. PostgreSQL computes them in the database; elsewhere Python does."""
    if connection.vendor == "postgresql":
        inner, params = queryset.values("pk").query.sql_with_params()
        fractions = ", ".join(str(p / 100) for p in percents)
        sql = (
            f"SELECT COUNT(*), percentile_cont(ARRAY[{fractions}]) WITHIN GROUP "  # noqa: S608  # nosec B608
            f"(ORDER BY {expression_sql}) FROM situations_situation WHERE id IN ({inner})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count, values = cursor.fetchone()
        if not count:
            return 0, [None] * len(percents)
        return count, [float(v) for v in values]
    values = sorted(python_value(row) for row in queryset)
    if not values:
        return 0, [None] * len(percents)
    return len(values), [float(_percentile(values, pct)) for pct in percents]


def _table(key, title, rows, suppressed, total=None, note="") -> Table:
    values = [n for _, n in rows]
    cells = suppress(values) if suppressed else [Cell(v) for v in values]
    total_value = sum(values) if total is None else total
    total_cell = suppress_total(total_value) if suppressed else Cell(total_value)
    return Table(
        key, title, list(zip([label for label, _ in rows], cells, strict=True)), total_cell, note
    )


def compute(base, start: date, end: date, *, suppressed: bool) -> Metrics:
    """`base` is the Situation queryset the viewer may count (their sites)."""
    metrics = Metrics(start, end, suppressed)
    decided = base.filter(status__in=[Status.OPEN, Status.REJECTED, Status.CONCLUDED])
    presented = decided.filter(first_presented_on__range=(start, end))
    accepted_presented = presented.filter(accepted_at__isnull=False)
    concluded = base.filter(status=Status.CONCLUDED, concluded_on__range=(start, end))

    head = presented.aggregate(
        total=Count("pk"),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        minors=Count("pk", filter=Q(age_group__in=MINOR_AGE_GROUPS)),
        police_originated=Count("pk", filter=Q(originating_agency__sector=Sector.POLICE)),
        police_led=Count("pk", filter=Q(lead_agency__sector=Sector.POLICE)),
        consent_obtained=Count("pk", filter=Q(consent=Consent.OBTAINED)),
        consent_recorded=Count("pk", filter=~Q(consent="") & Q(accepted_at__isnull=False)),
    )
    flow = base.aggregate(
        new=Count("pk", filter=Q(accepted_at__date__range=(start, end))),
        concluded=Count("pk", filter=Q(status=Status.CONCLUDED, concluded_on__range=(start, end))),
        open=Count(
            "pk",
            filter=Q(accepted_at__date__lte=end)
            & (Q(concluded_on__isnull=True) | Q(concluded_on__gt=end))
            & Q(status__in=[Status.OPEN, Status.CONCLUDED]),
        ),
    )
    s = suppressed
    decision = _table(
        "decision",
        _("AER decision"),
        [(str(_("Accepted")), head["accepted"]), (str(_("Rejected")), head["rejected"])],
        s,
    )
    metrics.tables.append(decision)
    metrics.tables.append(
        _table(
            "flow",
            _("Situations in the period"),
            [
                (str(_("New (accepted)")), flow["new"]),
                (str(_("Concluded")), flow["concluded"]),
                (str(_("Open at the end")), flow["open"]),
            ],
            s,
            total=None,
        )
    )
    # The flow rows do not add up to a total, so each is suppressed on its own.
    flow_table = metrics.tables[-1]
    flow_table.rows = [
        (label, suppress_total(cell.value) if s else cell) for label, cell in flow_table.rows
    ]
    flow_table.total = None

    # The response promise.
    accepted_in_period = base.filter(accepted_at__date__range=(start, end))
    promise = accepted_in_period.aggregate(
        on_time=Count(
            "pk",
            filter=Q(first_contact_at__isnull=False, first_contact_at__lte=F("response_due_at")),
        ),
        resolved=Count(
            "pk",
            filter=Q(first_contact_at__isnull=False) | Q(response_due_at__lte=timezone.now()),
        ),
    )
    on_time, resolved = promise["on_time"], promise["resolved"]
    contact_n, (contact_median,) = _percentiles(
        accepted_in_period.filter(first_contact_at__isnull=False).only(
            "accepted_at", "first_contact_at"
        ),
        "EXTRACT(EPOCH FROM first_contact_at - accepted_at) / 3600",
        lambda s: (s.first_contact_at - s.accepted_at).total_seconds() / 3600,
        percents=(50,),
    )
    days_n, (days_median, days_p90) = _percentiles(
        concluded.filter(accepted_at__isnull=False).only("accepted_at", "concluded_on"),
        f"concluded_on - (accepted_at AT TIME ZONE '{settings.TIME_ZONE}')::date",
        lambda s: (s.concluded_on - timezone.localtime(s.accepted_at).date()).days,
    )
    metrics.headline = [
        Figure(
            _("Situations presented"), str(suppress_total(head["total"]) if s else head["total"])
        ),
        Figure(_("Accepted"), share(head["accepted"], head["total"], suppressed=s)),
        Figure(
            _("First contact, median"),
            _fmt(contact_median, str(_("hours")), contact_n, s),
            _("from acceptance"),
        ),
        Figure(
            _("First contact within the promise"),
            share(on_time, resolved, suppressed=s),
            _("share of situations whose deadline has passed"),
        ),
        Figure(
            _("Days open until conclusion, median"),
            _fmt(days_median, str(_("days")), days_n, s),
        ),
        Figure(
            _("Days open, 90th percentile"),
            _fmt(days_p90, str(_("days")), days_n, s),
        ),
        Figure(_("Minors (under 18)"), share(head["minors"], head["total"], suppressed=s)),
        Figure(
            _("Originated by police"), share(head["police_originated"], head["total"], suppressed=s)
        ),
        Figure(_("Police-led"), share(head["police_led"], head["accepted"], suppressed=s)),
        Figure(
            _("Consent obtained"),
            share(head["consent_obtained"], head["accepted"], suppressed=s),
            _("of accepted situations; consent is recorded for every acceptance"),
        ),
    ]

    metrics.tables.append(
        _table(
            "conclusion",
            _("Conclusion reasons"),
            list(
                concluded.values_list("conclusion_reason__name")
                .annotate(n=Count("pk"))
                .order_by("-n", "conclusion_reason__name")
            ),
            s,
        )
    )
    factor_rows = SituationRiskFactor.objects.filter(
        person__isnull=True, situation__in=accepted_presented.values("pk")
    )
    # A situation counts once per category: distinct (situation, category) pairs, counted.
    per_category = factor_rows.values("situation_id", "factor__category_id").distinct()
    inner, params = per_category.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "factor__category_id", COUNT(*) FROM ({inner}) AS pairs '  # noqa: S608  # nosec B608
            'GROUP BY "factor__category_id"',
            params,
        )
        by_category = dict(cursor.fetchall())
    names = dict(RiskCategory.objects.filter(pk__in=by_category).values_list("pk", "name"))
    categories = sorted(
        ((names[pk], n) for pk, n in by_category.items()), key=lambda row: (-row[1], row[0])
    )[:10]
    # Categories overlap (a situation has several), so no total is shown or implied.
    category_table = _table("categories", _("Top risk categories"), categories, False)
    # One row per (situation, factor) without a person, by the unique constraint.
    factors = list(
        factor_rows.values_list("factor__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "factor__name")[:10]
    )
    factor_table = _table("factors", _("Top risk factors"), factors, False)
    for table in (category_table, factor_table):
        table.total = None
        table.note = str(_("A situation counts once in each category or factor it has."))
        if s:
            table.rows = [(label, suppress_total(c.value)) for label, c in table.rows]
    metrics.tables += [category_table, factor_table]
    factor_count = factor_rows.count()
    metrics.headline.append(
        Figure(
            _("Risk factors per accepted situation, average"),
            f"{factor_count / head['accepted']:.1f}"
            if head["accepted"] and not (s and 0 < head["accepted"] < 5)
            else ("<5" if head["accepted"] else None),
        )
    )

    breakdown = _breakdowns(presented)
    titles = {
        "subject": _("Subject types"),
        "age": _("Age groups"),
        "gender": _("Gender"),
        "origin": _("Originating sector"),
        "lead": _("Lead sector"),
        "consent": _("Consent at acceptance"),
    }
    for key, title in titles.items():
        metrics.tables.append(_table(key, title, breakdown[key], s))

    # Monthly trends.
    by_month = (
        presented.annotate(month=TruncMonth("first_presented_on"))
        .values("month")
        .annotate(
            presented=Count("pk"),
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        )
        .order_by("month")
    )
    concluded_by_month = dict(
        concluded.annotate(month=TruncMonth("concluded_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    months = {row["month"]: row for row in by_month}
    for month in sorted(set(months) | set(concluded_by_month)):
        row = months.get(month, {"presented": 0, "accepted": 0, "rejected": 0})
        values = [
            row["presented"],
            row["accepted"],
            row["rejected"],
            concluded_by_month.get(month, 0),
        ]
        if s:
            accepted_rejected = suppress([row["accepted"], row["rejected"]])
            cells = [suppress_total(values[0]), *accepted_rejected, suppress_total(values[3])]
        else:
            cells = [Cell(v) for v in values]
        metrics.months.append(
            {
                "month": month,
                "presented": cells[0],
                "accepted": cells[1],
                "rejected": cells[2],
                "concluded": cells[3],
            }
        )
    return metrics


def single_counts(key: str, title, rows: list[tuple[str, int]], suppressed: bool) -> Table:
    """A table of counts that do not add up to a shown total: each cell is suppressed alone."""
    cells = [suppress_total(n) if suppressed else Cell(n) for _label, n in rows]
    return Table(key, title, list(zip([label for label, _n in rows], cells, strict=True)), None)
