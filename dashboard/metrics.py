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
  factor in the category; factors per situation counts distinct factors;
- repeat presentations (SafeLives' definition): situations presented in the period that a chair
  linked to a presentation of the same person in the 12 months before their own (linkage/);
- re-referred within 90 days: situations concluded in the period that a chair linked a later
  situation to, submitted within 90 days of the conclusion; by conclusion reason. A period
  less than 90 days old is not final.

Disclosure control (design.md §7; docs/threat-model.md, "Aggregates")
======================================================================
Chairs see exact figures for the sites they chair, for any dates. Everything the steering
committee sees goes through one step, `core.disclosure`, that treats the whole response -- every
table, share, median and percentile, chart, monthly row, headline figure and the barrier
tables; the page and its CSV alike, both rendered from the one result -- as one publication.

**Why secondary suppression, not controlled rounding.** Statistics Canada's rounding (every
count to a multiple of 5, totals rounded on their own) leaves no exact small count anywhere,
but it makes every figure approximate, including the large ones the committee reads most, and
shares or medians computed from unrounded data would undo it; rounding that keeps tables
additive (controlled rounding) needs a solver per linked set of tables and has no solution for
some of them. Suppression keeps every published number exact and only withholds what would let
a small count be worked out, which is what design.md promises ("<5"). Its known weakness --
a "<5" recovered by arithmetic on the other numbers -- is closed here by construction and
checked: `Publication.protect` withholds further counts ("*") until an integer program finds,
for every "<5", solutions of all published relations with that cell at 1 and at 4. The
relations given to it are the ones a reader can know: each breakdown adds up to its total
(situations presented, accepted, concluded), accepted and rejected add up to presented, the
months add up to the period and each month's accepted and rejected to its presented, the
situations presented by site add up to the total, each risk category is at most the accepted
situations, and "New (accepted)" is withheld with "Accepted" (they are nearly always the same
people). A share is published only when both of its counts are (so it tells nothing the counts
do not); a median, percentile or rate over counts that are never shown is withheld when it
rests on 1 to 4 situations. Withheld shares and medians read "withheld", never "<5" (it would
read as "under 5 hours"). When no choice of "*" can save a "<5" (a handful of situations,
where the "<5" cells themselves cap the totals), nothing is published for the period. Tables
sorted by size list withheld rows last, by name, so their
order gives nothing away. tests/test_disclosure_auditor.py requests the real pages and CSVs
and bounds every "<5" by integer programming over all their numbers.

**Which periods.** The committee reads closed calendar months, calendar quarters and Ontario
fiscal years (April to March), never arbitrary dates and never a period still running:
comparing two responses whose periods differ by one day, or the same running month on two
days, would isolate the few situations in between with their whole profile.

**Which sites.** None to choose: the committee's figures always cover every site of the
deployment (closed sites included, so closing one changes no past figure), with a by-site
count of situations presented inside the same publication. A site filter could not be made
safe one response at a time: {REX, SCA} minus {REX} is SCA, counted without the suppression
SCA's own response applies. With one scope there is nothing to subtract.

**What remains.** Periods of different kinds nest (a quarter is its three months), a closed
period changes when a late decision or a correction lands in it, and the dashboard's barrier
trend adds up the barrier pages' cells: two responses *can* still be combined there.
"Open at the end" chains one period to the next, so the committee is not shown it. Closing
the rest needs suppression decided once per closed period and kept (a release ledger);
docs/threat-model.md ("Aggregates") lists these risks.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from agencies.models import Sector
from core.disclosure import Cell, Publication, enough
from ledger.models import Basis, Disclosure, InfoClass, TellingRecord, Told
from linkage.services import repeat_condition, rereferred_condition
from situations.lists import label as list_label
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

WITHHELD = _("withheld")
REPEAT_DEFINITION = _(
    "Of situations presented: a chair linked the person to a presentation in the 12 months "
    "before (SafeLives' definition of a repeat)."
)
REREFERRAL_DEFINITION = _(
    "Of situations concluded: a chair linked a later situation about the person, submitted "
    "within 90 days of the conclusion. Not final until 90 days after the period."
)


@dataclass
class Table:
    key: str
    title: str
    rows: list[tuple[str, Cell]]
    total: Cell | None = None
    note: str = ""
    # Not broken down: its total is under 5 (the rows are left out, not just masked, since
    # which rows exist would say which are not zero).
    withheld: bool = False
    # Shares beside the rows (label, share), e.g. the re-referral rate by reason.
    rates: list[tuple[str, str | None]] = field(default_factory=list)

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
    # Too few situations to publish anything without revealing a small count.
    withheld: bool = False

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
    if suppressed and not enough(n):
        return str(WITHHELD)
    # The reader's decimal separator: 12.5 in English, 12,5 in French.
    return f"{number_format(value, 1)} {unit}"


def _share(numerator: int, denominator: int, published: bool) -> str | None:
    if denominator == 0:
        return None
    if not published:
        return str(WITHHELD)
    # French puts a (non-breaking) space before the sign: "40 %".
    return gettext("%(percent)s%%") % {
        "percent": number_format(round(100 * numerator / denominator))
    }


BREAKDOWNS = [
    # key, field, choices, over accepted situations only
    ("subject", "subject_type", SubjectType.choices, False),
    ("age", "age_group", AgeGroup.choices, False),
    ("gender", "gender", Gender.choices, False),
    ("origin", "originating_agency__sector", Sector.choices, False),
    ("lead", "lead_agency__sector", Sector.choices, True),
    ("consent", "consent", Consent.choices, True),
]


def _breakdowns(presented, sites) -> dict[str, list[tuple[str, str, int]]]:
    """Every categorical breakdown in one scan, with a filtered count per value: rows of
    (value, label, count)."""
    annotations = {}
    for key, field_name, choices, accepted_only in BREAKDOWNS:
        for value, _label in choices:
            condition = Q(**{field_name: value})
            if accepted_only:
                condition &= Q(accepted_at__isnull=False)
            annotations[f"{key}__{value}"] = Count("pk", filter=condition)
    for site in sites or ():
        annotations[f"site__{site.pk}"] = Count("pk", filter=Q(site_id=site.pk))
    return labelled_breakdown(presented.aggregate(**annotations), sites)


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


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _by_size(rows: list[tuple[str, Cell]]) -> list[tuple[str, Cell]]:
    """Largest first; withheld rows last and by name, so their place tells nothing about
    their size."""
    published = sorted((r for r in rows if not r[1].suppressed), key=lambda r: (-r[1].value, r[0]))
    withheld = sorted((r for r in rows if r[1].suppressed), key=lambda r: r[0])
    return published + withheld


@dataclass
class Raw:
    """Everything the publication is made of, before any protection: counts and the values
    behind the medians. Gathered from the situations' rows (`from_rows`) or added up from
    monthly rollups per site (dashboard/rollups.py); both give the same figures."""

    presented: int = 0
    accepted: int = 0
    rejected: int = 0
    new: int = 0
    concluded: int = 0
    open: int = 0
    on_time: int = 0
    resolved: int = 0
    contact: tuple[int, float | None] = (0, None)
    days: tuple[int, float | None, float | None] = (0, None, None)
    reasons: list[tuple[str, int]] = field(default_factory=list)
    # Outcomes that last (linkage/): repeats among the presented, re-referrals within 90 days
    # by conclusion reason (its name) among the concluded.
    repeats: int = 0
    rereferred: dict[str, int] = field(default_factory=dict)
    categories: list[tuple[str, int]] = field(default_factory=list)
    factors: list[tuple[str, int]] = field(default_factory=list)
    factor_count: int = 0
    breakdown: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    by_month: dict[date, dict[str, int]] = field(default_factory=dict)
    concluded_by_month: dict[date, int] = field(default_factory=dict)


def labelled_breakdown(counts, sites) -> dict[str, list[tuple[str, str, int]]]:
    """Rows of (value, label, count) for every breakdown, from counts keyed "key__value"."""
    result = {
        key: [(value, str(label), counts.get(f"{key}__{value}", 0)) for value, label in choices]
        for key, _field, choices, _accepted in BREAKDOWNS
    }
    result["site"] = [
        (site.code, site.name, counts.get(f"site__{site.pk}", 0)) for site in sites or ()
    ]
    return result


def by_count(rows) -> list[tuple[str, int]]:
    """Largest first, then by name (a missing name last)."""
    return sorted(rows, key=lambda row: (-row[1], row[0] is None, row[0] or ""))


def add_outcomes(raw: Raw, base, start: date, end: date) -> Raw:
    """Repeats and re-referrals, read from the rows for figures otherwise added up from
    monthly cells: a chair's link changes a past month's figures without touching its
    situations, so no cell fingerprint would see it."""
    decided = base.filter(status__in=[Status.OPEN, Status.REJECTED, Status.CONCLUDED])
    presented = decided.filter(first_presented_on__range=(start, end))
    raw.repeats = presented.filter(repeat_condition()).count()
    concluded = base.filter(status=Status.CONCLUDED, concluded_on__range=(start, end))
    raw.rereferred = dict(
        concluded.filter(rereferred_condition())
        .values_list("conclusion_reason__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return raw


def from_rows(base, start: date, end: date, *, exact: bool, sites=None) -> Raw:
    """The raw figures of a period, read from the situations' rows."""
    raw = Raw()
    decided = base.filter(status__in=[Status.OPEN, Status.REJECTED, Status.CONCLUDED])
    presented = decided.filter(first_presented_on__range=(start, end))
    accepted_presented = presented.filter(accepted_at__isnull=False)
    concluded = base.filter(status=Status.CONCLUDED, concluded_on__range=(start, end))

    head = presented.aggregate(
        total=Count("pk"),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        repeats=Count("pk", filter=repeat_condition()),
    )
    raw.presented, raw.accepted, raw.rejected = head["total"], head["accepted"], head["rejected"]
    raw.repeats = head["repeats"]
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
    raw.new, raw.concluded, raw.open = flow["new"], flow["concluded"], flow["open"]

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
    raw.on_time, raw.resolved = promise["on_time"], promise["resolved"]
    contact_n, (contact_median,) = _percentiles(
        accepted_in_period.filter(first_contact_at__isnull=False).only(
            "accepted_at", "first_contact_at"
        ),
        "EXTRACT(EPOCH FROM first_contact_at - accepted_at) / 3600",
        lambda s: (s.first_contact_at - s.accepted_at).total_seconds() / 3600,
        percents=(50,),
    )
    raw.contact = (contact_n, contact_median)
    days_n, (days_median, days_p90) = _percentiles(
        concluded.filter(accepted_at__isnull=False).only("accepted_at", "concluded_on"),
        f"concluded_on - (accepted_at AT TIME ZONE '{settings.TIME_ZONE}')::date",
        lambda s: (s.concluded_on - timezone.localtime(s.accepted_at).date()).days,
    )
    raw.days = (days_n, days_median, days_p90)

    reasons = list(
        concluded.values_list("conclusion_reason__name")
        .annotate(n=Count("pk"), rereferred=Count("pk", filter=rereferred_condition()))
        .order_by("-n", "conclusion_reason__name")
    )
    raw.reasons = [(name, n) for name, n, _r in reasons]
    raw.rereferred = {name: r for name, _n, r in reasons if r}

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
    raw.categories = by_count((names[pk], n) for pk, n in by_category.items())
    if exact:
        # One row per (situation, factor) without a person, by the unique constraint.
        raw.factors = list(
            factor_rows.values_list("factor__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "factor__name")[:10]
        )
    raw.factor_count = factor_rows.count()

    raw.breakdown = _breakdowns(presented, sites)

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
    raw.by_month = {
        row["month"]: {k: row[k] for k in ("presented", "accepted", "rejected")} for row in by_month
    }
    raw.concluded_by_month = dict(
        concluded.annotate(month=TruncMonth("concluded_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return raw


def _ledger(base, start: date, end: date) -> tuple[dict[str, int], dict[str, int]]:
    """Read from the ledger's rows, beside the cells: situations whose identity went to an
    agency other than the one that brought it, in the period (counted from the ledger's side,
    not by probing every situation), and how the lead answered "was the person told" for the
    situations concluded in the period."""
    out = (
        Disclosure.objects.filter(
            situation__in=base.values("pk"),
            info_class=InfoClass.IDENTITY,
            opened_at__date__range=(start, end),
        )
        .exclude(basis=Basis.OWN_RECORD)
        .values("situation_id")
        .distinct()
    )
    shared = {"total": out.count(), "acute": out.filter(basis=Basis.ACUTE_RISK).count()}
    concluded = base.filter(status=Status.CONCLUDED, concluded_on__range=(start, end))
    # From the records' side, in one pass: a subquery per concluded situation took most of
    # the committee's first view after a change (some 15,000 a fiscal year at 150 tables).
    latest = TellingRecord.objects.filter(situation__in=concluded.values("pk")).latest_outcomes()
    told = Counter(latest.values())
    telling = {value: told[value] for value, _label in Told.choices}
    # COUNT(*): the index on concluded_on holds the site and the status.
    telling["unrecorded"] = concluded.aggregate(n=Count("*"))["n"] - len(latest)
    return shared, telling


def compute(
    base, start: date, end: date, *, suppressed: bool, sites=None, barriers=None, raw=None
) -> Metrics:
    """`base` is the Situation queryset the viewer may count (their sites). `sites`, when
    given, adds situations presented by site; `barriers` is `open_barrier_evidence()`'s
    answer for the same sites and period, published with the rest. `raw`, when given, are
    the period's figures already gathered (from rollups); `base` is not read then."""
    metrics = Metrics(start, end, suppressed)
    s = suppressed
    pub = Publication()
    if raw is None:
        raw = from_rows(base, start, end, exact=not s, sites=sites)

    P = pub.count("presented", raw.presented, cost=100)  # noqa: N806
    A = pub.count("accepted", raw.accepted, cost=50)  # noqa: N806
    R = pub.count("rejected", raw.rejected, cost=20)  # noqa: N806
    C = pub.count("concluded", raw.concluded, cost=50)  # noqa: N806
    pub.sum(P, [A, R])
    new = pub.count("new", raw.new, cost=20)
    pub.tie(new, A)
    if not s:
        pub.count("open", raw.open)

    # The response promise and the medians: over counts that are never shown.
    on_time, resolved = raw.on_time, raw.resolved
    contact_n, contact_median = raw.contact
    days_n, days_median, days_p90 = raw.days

    reasons = raw.reasons
    reason_keys = [pub.count(("conclusion", str(name)), n) for name, n in reasons]
    pub.sum(C, reason_keys)
    # Outcomes that last: repeats among the presented, re-referrals among the concluded.
    RP = pub.count("repeats", raw.repeats, cost=20)  # noqa: N806
    pub.at_most(RP, P)
    rereferral_keys = []
    for name, _n in reasons:
        key = pub.count(("rereferral", str(name)), raw.rereferred.get(name, 0))
        pub.at_most(key, ("conclusion", str(name)))
        rereferral_keys.append(key)
    RR = pub.count("rereferred", sum(raw.rereferred.values()), cost=20)  # noqa: N806
    pub.sum(RR, rereferral_keys)
    pub.at_most(RR, C)

    categories = raw.categories
    if not s:
        # Exact figures: the top ten. The committee gets every category (a top ten would say
        # that each row left out is no larger than the last one shown) and no single factors.
        categories = categories[:10]
    category_keys = []
    for name, n in categories:
        key = pub.count(("category", name), n)
        pub.at_most(key, A)
        category_keys.append(key)
    factors = raw.factors if not s else []
    for name, n in factors:
        pub.count(("factor", name), n)
    factor_count = raw.factor_count

    breakdown = raw.breakdown
    totals = {"subject": P, "age": P, "gender": P, "origin": P, "site": P, "lead": A, "consent": A}
    for key, total in totals.items():
        # Two or three sites' counts, each "<5", can cap the total; rather than withhold the
        # period, the by-site table is left out then.
        optional = "site" if key == "site" else ""
        pub.sum(
            total,
            [pub.count((key, value), n, optional=optional) for value, _l, n in breakdown[key]],
        )

    # Monthly trends: the months add up to the period, each month's decisions to its total.
    rows = raw.by_month
    concluded_by_month = raw.concluded_by_month
    month_list = sorted(set(rows) | set(concluded_by_month))
    if s:
        # Every month of the period, so that which rows exist says nothing.
        month_list = _months(start, end)
    columns = {"presented": P, "accepted": A, "rejected": R, "concluded": C}
    for month in month_list:
        row = rows.get(month, {"presented": 0, "accepted": 0, "rejected": 0})
        row = {**row, "concluded": concluded_by_month.get(month, 0)}
        for column in columns:
            pub.count(("month", month, column), row[column])
        pub.sum(
            ("month", month, "presented"),
            [("month", month, "accepted"), ("month", month, "rejected")],
        )
    for column, total in columns.items():
        pub.sum(total, [("month", m, column) for m in month_list])

    # The disclosure ledger: situations whose identity went to an agency other than the one
    # that brought it, in the period, by legal basis (acute risk if any such disclosure was
    # made without consent); and for situations concluded in the period, whether the lead
    # agency says the person was told. Both are counts of situations, in this publication.
    shared, telling = _ledger(base, start, end)
    D = pub.count("disclosed", shared["total"], cost=20)  # noqa: N806
    basis_keys = [
        pub.count(("basis", Basis.CONSENT), shared["total"] - shared["acute"]),
        pub.count(("basis", Basis.ACUTE_RISK), shared["acute"]),
    ]
    pub.sum(D, basis_keys)
    told_keys = [pub.count(("told", value), telling[value]) for value, _label in Told.choices]
    told_keys.append(pub.count(("told", "unrecorded"), telling["unrecorded"]))
    pub.sum(C, told_keys)

    barrier_rows = {"barriers": [], "barrier_trend": []}
    if barriers is not None:
        by_barrier_category, by_barrier_month = barriers
        barrier_rows = {"barriers": by_barrier_category, "barrier_trend": by_barrier_month}
        for key, rows_ in barrier_rows.items():
            for label, n in rows_:
                pub.count((key, label), n)

    pub.protect(suppressed=s)
    if pub.withheld:
        metrics.withheld = True
        return metrics

    # ---- What is shown, from the protected cells ---------------------------------------
    def share(numerator_keys, denominator_key) -> str | None:
        numerator = sum(pub.values[k] for k in numerator_keys)
        published = not s or pub.known(*numerator_keys, denominator_key)
        return _share(numerator, pub.values[denominator_key], published)

    minors = [("age", group) for group in MINOR_AGE_GROUPS]
    promise_published = not s or (enough(on_time) and enough(resolved - on_time))
    metrics.headline = [
        Figure(_("Situations presented"), pub[P].display),
        Figure(pgettext_lazy("count of situations", "Accepted"), share([A], P)),
        Figure(
            _("First contact, median"),
            _fmt(contact_median, str(_("hours")), contact_n, s),
            _("from acceptance"),
        ),
        Figure(
            _("First contact within the promise"),
            _share(on_time, resolved, promise_published),
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
        Figure(_("Minors (under 18)"), share(minors, P)),
        Figure(_("Originated by police"), share([("origin", Sector.POLICE)], P)),
        Figure(_("Police-led"), share([("lead", Sector.POLICE)], A)),
        Figure(
            _("Consent obtained"),
            share([("consent", Consent.OBTAINED)], A),
            _("of accepted situations; consent is recorded for every acceptance"),
        ),
        Figure(_("Repeat presentations"), share([RP], P), REPEAT_DEFINITION),
        Figure(_("Re-referred within 90 days"), share([RR], C), REREFERRAL_DEFINITION),
    ]
    metrics.headline += [
        Figure(
            _("Shared without consent"),
            share([("basis", Basis.ACUTE_RISK)], D),
            _("of situations whose identity went to another agency in the period"),
        ),
        Figure(
            _("The person was told"),
            share([("told", Told.TOLD)], C),
            _("of situations concluded in the period, as the lead agency recorded"),
        ),
    ]
    accepted = raw.accepted
    # The average tells the number of (situation, factor) pairs, which is at least the sum
    # of the category counts: with a category withheld it could narrow that category down.
    average_published = not s or (pub.known(A, *category_keys) and enough(factor_count))
    metrics.headline.append(
        Figure(
            _("Risk factors per accepted situation, average"),
            (number_format(factor_count / accepted, 1) if average_published else str(WITHHELD))
            if accepted
            else None,
        )
    )

    def table(key, title, keys_and_labels, total=None, note="", by_size=False) -> Table:
        rows_ = [(label, pub[k]) for k, label in keys_and_labels]
        withheld = any(cell.withheld for _label, cell in rows_)
        if withheld:
            rows_ = []
        elif by_size and s:
            rows_ = _by_size(rows_)
        return Table(key, title, rows_, pub[total] if total is not None else None, note, withheld)

    overlap = str(_("A situation counts once in each category or factor it has."))
    metrics.tables = [
        table(
            "decision",
            _("AER decision"),
            [
                (A, pgettext("count of situations", "Accepted")),
                (R, pgettext("count of situations", "Rejected")),
            ],
            P,
        ),
        table(
            "flow",
            _("Situations in the period"),
            [(new, str(_("New (accepted)"))), (C, pgettext("count of situations", "Concluded"))]
            + ([] if s else [("open", str(_("Open at the end")))]),
        ),
        table(
            "conclusion",
            _("Conclusion reasons"),
            [(k, list_label(name)) for k, (name, _n) in zip(reason_keys, reasons, strict=True)],
            C,
            by_size=True,
        ),
        table(
            "repeats",
            _("Repeat presentations"),
            [(RP, str(_("Linked to a presentation in the 12 months before")))],
            P,
            note=REPEAT_DEFINITION,
        ),
        table(
            "rereferral",
            _("Re-referred within 90 days, by conclusion reason"),
            [(k, list_label(name)) for k, (name, _n) in zip(rereferral_keys, reasons, strict=True)],
            RR,
            note=REREFERRAL_DEFINITION,
        ),
        table(
            "categories",
            _("Risk categories") if s else _("Top risk categories"),
            [
                (k, list_label(name))
                for k, (name, _n) in zip(category_keys, categories, strict=True)
            ],
            note=overlap,
            by_size=True,
        ),
    ]
    if not s:
        metrics.tables.append(
            table(
                "factors",
                _("Top risk factors"),
                [(("factor", name), list_label(name)) for name, _n in factors],
                note=overlap,
            )
        )
    titles = {
        "subject": _("Subject types"),
        "age": _("Age groups"),
        "gender": _("Gender"),
        "origin": _("Originating sector"),
        "lead": _("Lead sector"),
        "consent": _("Consent at acceptance"),
        "site": _("Situations presented, by site"),
    }
    for key, title in titles.items():
        if key == "site" and (not sites or "site" in pub.dropped):
            continue
        metrics.tables.append(
            table(
                key,
                title,
                [((key, value), label) for value, label, _n in breakdown[key]],
                totals[key],
            )
        )
    metrics.tables += [
        table(
            "disclosure_basis",
            _("Identity shared with another agency, by legal basis"),
            [(k, str(Basis(k[1]).label)) for k in basis_keys],
            D,
            _("Situations whose identity went to an agency other than the originating one."),
        ),
        table(
            "told",
            _("Concluded situations: was the person told their information was shared?"),
            [(k, str(Told(k[1]).label)) for k in told_keys[:-1]]
            + [(told_keys[-1], str(_("Not recorded")))],
            C,
        ),
    ]
    if barriers is not None:
        metrics.tables += [
            table(
                "barriers",
                _("Open barriers: situations touched, by category"),
                [
                    (("barriers", label), list_label(label))
                    for label, _n in barrier_rows["barriers"]
                ],
                by_size=True,
            ),
            table(
                "barrier_trend",
                _("Situations linked to barriers, by month"),
                [(("barrier_trend", label), label) for label, _n in barrier_rows["barrier_trend"]],
            ),
        ]
    # The rate by reason, beside its counts: published only where both counts are.
    metrics.table("rereferral").rates = [
        (list_label(name), share([k], ("conclusion", str(name))))
        for k, (name, _n) in zip(rereferral_keys, reasons, strict=True)
    ]
    metrics.months = [
        {"month": month, **{column: pub[("month", month, column)] for column in columns}}
        for month in month_list
    ]
    return metrics
