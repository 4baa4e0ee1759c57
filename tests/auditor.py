"""An attacker with a solver: every number a steering member is shown, and how far a "<5" can
be pinned down from them.

`Auditor.read()` requests the real dashboard page and the real aggregate CSV for one period,
checks that both publish the same figures, and `exposed()` bounds each "<5" cell by integer
programming (scipy's `milp`) over every linear relation a reader knows from the definitions
in dashboard/metrics.py:
- the same count wherever it appears: "Situations presented" is the decision total and the
  total of every breakdown of presented situations (subject, age, gender, origin, site) and
  of the months; "Accepted" is the total of lead sector, consent and the months' accepted;
  "Concluded" is the total of conclusion reasons and of the months' concluded; the test data
  decide every situation on the day it is first presented, so "New (accepted)" is
  "Accepted" too;
- accepted + rejected = presented, overall and in each month;
- each risk category is at most the accepted situations; the (situation, factor) pairs are
  at least the sum of the categories;
- a published share p% of n/d: (p - 0.5)% of d <= n <= (p + 0.5)% of d; the average risk
  factors a of F/A: (a - 0.05) A <= F <= (a + 0.05) A;
- a median shown rests on 0 or at least 5 situations, a withheld one on 1 to 4 (the days-open
  median rests on the concluded situations; the first-contact median on at most the new
  ones);
- "<5" is 1..4; "*" is 0 or at least 5 (small counts always show as "<5"); "withheld" (the
  months of a total under 5) is any count; a count is an integer and never negative.
A "<5" cell is exposed when the solver cannot set it to both 1 and 4.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from agencies.models import Sector
from situations.models import ConclusionReason, RiskFactor, Situation, SituationRiskFactor
from tests.factories import AgencyFactory

WITHHELD = "withheld"
BIG = 10**6

PRESENTED_BREAKDOWNS = ("subject", "age", "gender", "origin", "site")
ACCEPTED_BREAKDOWNS = ("lead", "consent")
SHARES = {
    # headline label: (numerator cells, denominator cell)
    "Accepted": ([("decision", "Accepted")], ("decision", "total")),
    "Minors (under 18)": ([("age", "0–11"), ("age", "12–17")], ("decision", "total")),
    "Originated by police": ([("origin", "Police")], ("decision", "total")),
    "Police-led": ([("lead", "Police")], ("decision", "Accepted")),
    "Consent obtained": ([("consent", "Obtained")], ("decision", "Accepted")),
}


class _Page(HTMLParser):
    """Headline figures, data tables (by caption) and chart values (by chart title)."""

    def __init__(self):
        super().__init__()
        self.headline: dict[str, str] = {}
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.charts: dict[str, list[str]] = {}
        self._stack: list[str] = []
        self._text = ""
        self._label = None
        self._row: list[str] | None = None
        self._caption = None
        self._chart = None
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "article" and "figure" in classes:
            self._label = ""
        if tag in ("small", "caption", "th", "td", "title") or "figure-value" in classes:
            self._in, self._text = tag, ""
        if tag == "text" and "chart-value" in classes:
            self._in, self._text = "chart-value", ""
        if tag == "table":
            self.tables.append(("", []))
        if tag == "tr":
            self._row = []
        if "figure-value" in classes:
            self._in = "figure-value"

    def handle_endtag(self, tag):
        text = " ".join(self._text.split())
        if self._in == "small" and tag == "small" and self._label == "":
            self._label = text
        elif self._in == "figure-value" and tag == "p":
            self.headline[self._label] = text
            self._label = None
        elif self._in == "caption" and tag == "caption":
            self.tables[-1] = (text, self.tables[-1][1])
        elif self._in in ("th", "td") and tag == self._in and self._row is not None:
            self._row.append(text)
        elif self._in == "title" and tag == "title":
            self._chart = text
            self.charts[text] = []
        elif self._in == "chart-value" and tag == "text":
            self.charts[self._chart].append(text)
        if tag == "tr" and self._row is not None and self.tables:
            self.tables[-1][1].append(self._row)
            self._row = None
        if tag in ("small", "caption", "th", "td", "title", "p", "text"):
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


@dataclass
class Publication:
    """What one response published, read back from the page and the CSV."""

    period: str
    headline: dict[str, str]
    cells: dict[tuple[str, str], str]  # (section, label) -> display
    order: list[str] = field(default_factory=list)
    withheld: set[str] = field(default_factory=set)  # tables not broken down


def read(client, params: dict) -> Publication:
    """The page and the CSV for one period; they must publish the same figures."""
    page = client.get("/dashboard/", params)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'class="message message-error"' not in body, "the period was refused"
    response = client.get("/dashboard/aggregates.csv", params)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "label", "value"]
    headline, cells, order, withheld = {}, {}, [], set()
    for section, label, value in rows[1:]:
        if section == "period":
            continue
        if section == "headline":
            headline[label] = value
            continue
        if label == "rows" and value.startswith(WITHHELD):
            withheld.add(section)
            if section not in order:
                order.append(section)
            continue
        assert (section, label) not in cells, (section, label)
        cells[(section, label)] = value
        if section not in order:
            order.append(section)

    parsed = _Page()
    parsed.feed(body)
    shown = {label: value for label, value in parsed.headline.items()}
    for label, value in headline.items():
        assert shown[label] == (value or "—"), (label, shown[label], value)
    tables = [(caption, rows) for caption, rows in parsed.tables if caption]
    trend = [t for t in tables if t[0] == "Situations by month"]
    # A table with no rows says so on the page and writes nothing to the CSV; one not
    # broken down says so in both.
    breakdowns = [
        t
        for t in tables
        if t[0] != "Situations by month"
        and any(len(r) == 2 or "Not broken down" in r[0] for r in t[1][1:])
    ]
    sections = [s for s in order if not s.startswith("month:")]
    assert len(breakdowns) == len(sections), (len(breakdowns), sections)
    for (caption, table_rows), section in zip(breakdowns, sections, strict=True):
        page_cells = {}
        for row in table_rows[1:]:  # the header row first
            if len(row) == 2:
                label = "total" if row[0] == "Total" else row[0]
                page_cells[label] = row[1]
        csv_cells = {label: v for (s, label), v in cells.items() if s == section}
        assert page_cells == csv_cells, (section, page_cells, csv_cells)
        chart = parsed.charts.get(caption)
        if chart is not None:
            assert chart == [v for label, v in csv_cells.items() if label != "total"], section
    if trend:
        columns = ["presented", "accepted", "rejected", "concluded"]
        for row in trend[0][1][1:]:
            if len(row) == 5:
                for column, value in zip(columns, row[1:], strict=True):
                    assert cells[(f"month:{column}", row[0])] == value
    for label, value in headline.items():
        if label != "Situations presented":  # the one count among shares and medians
            assert value != "<5", f"{label}: a share or median reads 'withheld', never '<5'"
    return Publication(str(params), headline, cells, order, withheld)


class _Model:
    def __init__(self):
        self.names: list = []
        self.index: dict = {}
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[dict[int, float]] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []

    def var(self, name, lower=0.0, upper=np.inf) -> int:
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
            self.lower.append(lower)
            self.upper.append(upper)
        return self.index[name]

    def constraint(self, terms: dict[int, float], lower: float, upper: float) -> None:
        row: dict[int, float] = {}
        for i, a in terms.items():
            row[i] = row.get(i, 0.0) + a
        self.rows.append(row)
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def equal(self, total: int, parts: list[int]) -> None:
        terms = {total: 1.0}
        for p in parts:
            terms[p] = terms.get(p, 0.0) - 1.0
        self.constraint(terms, 0, 0)

    def solve(self, objective_index: int, sense: int) -> float | None:
        n = len(self.names)
        c = np.zeros(n)
        c[objective_index] = sense
        a = np.zeros((max(len(self.rows), 1), n))
        for r, row in enumerate(self.rows):
            for i, v in row.items():
                a[r, i] = v
        lower = self.row_lower or [0]
        upper = self.row_upper or [0]
        result = milp(
            c,
            integrality=np.ones(n),
            bounds=Bounds(self.lower, self.upper),
            constraints=LinearConstraint(a, lower, upper),
        )
        assert result.status in (0, 3), result.message  # infeasible would be a bug here
        if result.status == 3:
            return np.inf if sense < 0 else -np.inf
        return result.x[objective_index]


def _number(display: str) -> int | None:
    return int(display) if re.fullmatch(r"\d+", display) else None


def exposed(pub: Publication) -> list[tuple[tuple[str, str], float, float]]:
    """Every "<5" cell whose feasible range does not span 1 to 4, with that range."""
    model = _Model()
    cells = pub.cells

    def v(section, label):
        key = (section, label)
        if key not in cells:
            # Not published (a table not broken down): any count.
            return model.var(("absent", key))
        if key in model.index:
            return model.index[key]
        display = cells[key]
        if display == "<5":
            return model.var(key, 1, 4)
        if display == WITHHELD:
            return model.var(key)
        if display == "*":
            i = model.var(key)
            flag = model.var(("nonzero", key), 0, 1)
            model.constraint({i: 1, flag: -5}, 0, np.inf)  # x >= 5 b
            model.constraint({i: 1, flag: -BIG}, -np.inf, 0)  # x <= BIG b
            return i
        n = _number(display)
        assert n is not None, (key, display)
        return model.var(key, n, n)

    for key in cells:
        v(*key)
    presented, accepted = v("decision", "total"), v("decision", "Accepted")
    rejected, concluded = v("decision", "Rejected"), v("flow", "Concluded")
    model.equal(presented, [accepted, rejected])
    headline_p = _number(pub.headline.get("Situations presented", ""))
    if headline_p is not None:
        model.constraint({presented: 1}, headline_p, headline_p)
    model.equal(v("flow", "New (accepted)"), [accepted])

    def section_rows(section):
        return [v(s, label) for (s, label) in cells if s == section and label != "total"]

    for section in PRESENTED_BREAKDOWNS + ACCEPTED_BREAKDOWNS + ("conclusion",):
        if (section, "total") not in cells:
            continue
        if section not in pub.withheld:
            model.equal(v(section, "total"), section_rows(section))
        whole = {
            **dict.fromkeys(PRESENTED_BREAKDOWNS, presented),
            **dict.fromkeys(ACCEPTED_BREAKDOWNS, accepted),
            "conclusion": concluded,
        }[section]
        model.equal(whole, [v(section, "total")])
    months = sorted({label for (s, label) in cells if s.startswith("month:")})
    for column, whole in (
        ("presented", presented),
        ("accepted", accepted),
        ("rejected", rejected),
        ("concluded", concluded),
    ):
        model.equal(whole, [v(f"month:{column}", m) for m in months])
    for m in months:
        model.equal(v("month:presented", m), [v("month:accepted", m), v("month:rejected", m)])
    categories = section_rows("categories")
    for category in categories:
        model.constraint({accepted: 1, category: -1}, 0, np.inf)

    for label, (numerator, denominator) in SHARES.items():
        value = pub.headline.get(label, "")
        if not value.endswith("%"):
            continue
        p = int(value[:-1])
        terms = {v(*key): 1.0 for key in numerator}
        d = v(*denominator)
        model.constraint({**terms, d: -(p - 0.5) / 100}, 0, np.inf)
        model.constraint({**terms, d: -(p + 0.5) / 100}, -np.inf, 0)
    average = pub.headline.get("Risk factors per accepted situation, average", "")
    pairs = model.var(("internal", "factor pairs"))
    model.constraint({pairs: 1, **{c: -1 for c in categories}}, 0, np.inf)
    if re.fullmatch(r"\d+\.\d", average):
        a = float(average)
        model.constraint({pairs: 1, accepted: -(a - 0.05)}, 0, np.inf)
        model.constraint({pairs: 1, accepted: -(a + 0.05)}, -np.inf, 0)

    days = pub.headline.get("Days open until conclusion, median", "")
    if days == WITHHELD:
        model.constraint({concluded: 1}, 1, 4)
    elif days not in ("", "—"):
        model.constraint({concluded: 1}, 5, np.inf)
    contact = pub.headline.get("First contact, median", "")
    contacted = model.var(("internal", "contacted"))
    model.constraint({v("flow", "New (accepted)"): 1, contacted: -1}, 0, np.inf)
    if contact == WITHHELD:
        model.constraint({contacted: 1}, 1, 4)
    elif contact not in ("", "—"):
        model.constraint({contacted: 1}, 5, np.inf)

    found = []
    for key, display in cells.items():
        if display != "<5":
            continue
        i = model.index[key]
        low, high = model.solve(i, 1), model.solve(i, -1)
        if low > 1 or high < 4:
            found.append((key, low, high))
    return found


# ---- Test data: tables whose answers the auditor must not find ----------------------

TZ = ZoneInfo("America/Toronto")
# The generated tables sit in fiscal year 2024-25, seen from after its end: every month,
# quarter and the year itself are closed and may be asked for.
TODAY = datetime(2025, 5, 12, 9, tzinfo=TZ)
TODAY_DATE = TODAY.date()
FIRST, LAST = date(2024, 4, 1), date(2024, 6, 30)

SECTORS = [Sector.POLICE, Sector.HEALTH, Sector.HOUSING, Sector.EDUCATION]
situation = st.fixed_dictionaries(
    {
        "site": st.integers(0, 1),
        "day": st.integers(0, (LAST - FIRST).days),
        "accepted": st.sampled_from([True, True, True, None]),  # mostly accepted
        "subject": st.sampled_from(["person", "person", "family", "group"]),
        "age": st.sampled_from(["12-17", "12-17", "25-39", "40-59", "60+"]),
        "gender": st.sampled_from(["woman", "man", "another"]),
        "origin": st.integers(0, len(SECTORS) - 1),
        "lead": st.integers(0, len(SECTORS) - 1),
        "consent": st.sampled_from(["obtained", "obtained", "not_obtained"]),
        "factors": st.lists(st.integers(0, 5), max_size=3, unique=True),
        "contact_hours": st.one_of(st.none(), st.integers(1, 80)),
        "concluded_after": st.one_of(st.none(), st.integers(5, 60)),
    }
)


def seed(cast, rows) -> None:
    """Situations decided on the day they are first presented (as a table does), some
    concluded later."""
    sites = [cast.rex, cast.sca]
    agencies = [
        AgencyFactory(short_name=f"AUD{i}", name=f"Auditor agency {i}", sector=sector)
        for i, sector in enumerate(SECTORS)
    ]
    factors = list(RiskFactor.objects.select_related("category").order_by("category", "pk"))
    factors = [factors[i * len(factors) // 6] for i in range(6)]  # six categories' worth
    reason = ConclusionReason.objects.filter(outcome="lowered").order_by("pk")
    for n, row in enumerate(rows):
        presented = FIRST + timedelta(days=row["day"])
        at = datetime.combine(presented, datetime.min.time(), TZ).replace(hour=10)
        accepted = row["accepted"] is not None
        fields = {}
        if accepted:
            fields = {
                "status": "open",
                "accepted_at": at,
                "response_due_at": at + timedelta(hours=48),
                "lead_agency": agencies[row["lead"]],
                "consent": row["consent"],
                "consent_reason": "Declined." if row["consent"] == "not_obtained" else "",
            }
            if row["contact_hours"] is not None:
                fields["first_contact_at"] = at + timedelta(hours=row["contact_hours"])
            if row["concluded_after"] is not None:
                fields.update(
                    status="concluded",
                    concluded_on=presented + timedelta(days=row["concluded_after"]),
                    concluded_at=at + timedelta(days=row["concluded_after"]),
                    conclusion_reason=reason[row["concluded_after"] % reason.count()],
                )
        site = sites[row["site"]]
        s = Situation.objects.create(
            site=site,
            reference=f"{site.code}-2024-{n:03d}",
            subject_type=row["subject"],
            age_group=row["age"] if row["subject"] == "person" else "na",
            gender=row["gender"] if row["subject"] == "person" else "na",
            originating_agency=agencies[row["origin"]],
            narrative="Generated.",
            first_presented_on=presented,
            decided_at=at,
            **({"status": "rejected"} if not accepted else {}),
            **fields,
        )
        if accepted:
            SituationRiskFactor.objects.bulk_create(
                SituationRiskFactor(situation=s, factor=factors[i]) for i in row["factors"]
            )
