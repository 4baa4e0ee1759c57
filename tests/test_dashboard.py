"""Every dashboard metric on a hand-built data set whose answers are worked out by hand."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agencies.models import Agency, Sector
from dashboard import metrics
from situations.models import ConclusionReason, RiskFactor, Situation, SituationRiskFactor
from tests.factories import AgencyFactory

TZ = ZoneInfo("America/Toronto")
START, END = date(2026, 1, 1), date(2026, 6, 30)


@pytest.fixture
def data(cast):
    """Rexdale, January to June 2026: 12 presented, 9 accepted, 3 rejected; plus noise outside
    the period and at Scarborough."""
    police = Agency.objects.get(short_name="CSHO")  # reuse the cast's agencies, resectored
    police.sector = Sector.POLICE
    police.save()
    health = AgencyFactory(short_name="HLT", sector=Sector.HEALTH)
    housing = Agency.objects.get(short_name="CAC")
    housing.sector = Sector.HOUSING
    housing.save()
    homeless = RiskFactor.objects.get(name="Homeless")
    drugs = RiskFactor.objects.get(name="Drug use by person")
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    n = 0

    def make(site=cast.rex, *, accepted, presented=date(2026, 2, 10), **fields):
        nonlocal n
        n += 1
        at = datetime.combine(presented, datetime.min.time(), TZ).replace(hour=12)
        situation = Situation.objects.create(
            site=site,
            reference=f"{site.code}-2026-{n:03d}",
            subject_type="person",
            narrative="x",
            first_presented_on=presented,
            status="open" if accepted else "rejected",
            accepted_at=at if accepted else None,
            response_due_at=at + timedelta(hours=48) if accepted else None,
            decided_at=at,
            consent="obtained" if accepted else "",
            **fields,
        )
        return situation

    accepted = []
    contacts = [10, 20, 30, 40, 50, 60, None, None, None]
    leads = [police] * 3 + [housing] * 6
    origins = [police] * 8 + [health] * 4
    for i in range(9):
        s = make(
            accepted=True,
            age_group="12-17" if i < 6 else "25-39",
            gender="woman",
            originating_agency=origins[i],
            lead_agency=leads[i],
            presented=date(2026, 2, 10) if i < 5 else date(2026, 3, 10),
        )
        if contacts[i] is not None:
            s.first_contact_at = s.accepted_at + timedelta(hours=contacts[i])
        SituationRiskFactor.objects.create(situation=s, factor=homeless)
        if i < 4:
            SituationRiskFactor.objects.create(situation=s, factor=drugs)
        s.save()
        accepted.append(s)
    for i in range(3):
        make(accepted=False, age_group="40-59", gender="man", originating_agency=origins[9 + i])
    for s, days in zip(accepted[:4], [10, 20, 30, 100], strict=True):
        s.status = "concluded"
        s.conclusion_reason = reason
        s.concluded_on = s.accepted_at.astimezone(TZ).date() + timedelta(days=days)
        s.concluded_at = s.accepted_at + timedelta(days=days)
        s.save()
    # Outside the period or the site: never counted in the Rexdale figures.
    make(
        accepted=True,
        presented=date(2025, 12, 20),
        age_group="60+",
        originating_agency=health,
        lead_agency=housing,
    )
    make(cast.sca, accepted=True, age_group="60+", originating_agency=health, lead_agency=housing)
    return accepted


def rexdale(cast, suppressed):
    return metrics.compute(
        Situation.objects.filter(site=cast.rex), START, END, suppressed=suppressed
    )


def headline(m):
    return {str(f.label): f.value for f in m.headline}


def rows(m, key):
    return {label: cell.display for label, cell in m.table(key).rows}


def test_chairs_see_exact_figures(cast, data):
    m = rexdale(cast, suppressed=False)
    h = headline(m)
    assert h["Situations presented"] == "12"
    assert h["Accepted"] == "75%"
    assert h["First contact, median"] == "35.0 hours"
    assert h["First contact within the promise"] == "44%"  # 4 of the 9 whose deadline passed
    assert h["Days open until conclusion, median"] == "25.0 days"
    assert h["Days open, 90th percentile"] == "79.0 days"
    assert h["Minors (under 18)"] == "50%"
    assert h["Originated by police"] == "67%"
    assert h["Police-led"] == "33%"
    assert h["Consent obtained"] == "100%"
    assert h["Risk factors per accepted situation, average"] == "1.4"
    assert rows(m, "decision") == {"Accepted": "9", "Rejected": "3"}
    assert rows(m, "categories") == {"Housing": "9", "Drugs": "4"}
    assert rows(m, "factors") == {"Homeless": "9", "Drug use by person": "4"}
    assert rows(m, "age")["12–17"] == "6" and rows(m, "age")["40–59"] == "3"
    assert rows(m, "origin")["Police"] == "8" and rows(m, "origin")["Health"] == "4"
    assert rows(m, "lead")["Police"] == "3" and rows(m, "lead")["Housing"] == "6"
    # Open at the end: 5 of this period's plus the one accepted in December and still open.
    assert rows(m, "flow") == {"New (accepted)": "9", "Concluded": "4", "Open at the end": "6"}
    assert list(rows(m, "conclusion").values()) == ["4"]
    months = {r["month"].strftime("%Y-%m"): r for r in m.months}
    assert months["2026-02"]["presented"].display == "8"
    assert months["2026-03"]["accepted"].display == "4"


def test_the_steering_committee_sees_small_cells_suppressed(cast, data):
    m = rexdale(cast, suppressed=True)
    h = headline(m)
    # 12 - 9 would give 3: Accepted is withheld with the small Rejected.
    assert rows(m, "decision") == {"Accepted": "*", "Rejected": "<5"}
    assert m.table("decision").total.display == "12"
    # Housing 9 would say that at least 9 were accepted, so at most 3 rejected.
    assert rows(m, "categories") == {"Drugs": "<5", "Housing": "*"}
    assert rows(m, "age")["25–39"] == "<5" and rows(m, "age")["40–59"] == "<5"
    assert rows(m, "flow") == {"New (accepted)": "*", "Concluded": "<5"}  # no stock: it chains
    assert h["Days open until conclusion, median"] == "withheld"  # from four situations
    assert h["Police-led"] == "withheld"  # rests on the withheld Accepted
    assert h["Accepted"] == "withheld"  # 75% of 12 would give 9
    assert "factors" not in [t.key for t in m.tables]
    months = {r["month"].strftime("%Y-%m"): r for r in m.months}
    # March's 4 presented were all accepted: one part, the same "<5" as its total.
    assert months["2026-03"]["presented"].display == "<5"
    assert months["2026-03"]["accepted"].display == "<5"
    # February's 8 concluded 1 and March's 2, of 4 (one more in May): the total is "<5",
    # and three "<5" months would say it is at least 3, so they are not shown.
    assert months["2026-02"]["concluded"].display == "withheld"
    assert all(v != "<5" for label, v in h.items() if label != "Situations presented")


def test_a_steering_member_uses_the_dashboard_and_downloads_aggregates(client, cast, data):
    client.force_login(cast.steve)
    quarter = {"kind": "quarter", "quarter": "2026-Q1"}
    page = client.get("/dashboard/", quarter)
    body = page.content.decode()
    assert "1 January 2026 to 31 March 2026" in body and "Every site" in body
    assert "&lt;5" in body and "REX-2026" not in body
    csv_body = client.get("/dashboard/aggregates.csv", quarter).content.decode()
    assert '"decision","Rejected","<5"' in csv_body
    assert '"period","sites","REX SCA"' in csv_body
    assert "REX-2026" not in csv_body
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(actor=cast.steve, action=LogEntry.Action.ACCESS).exists()


def test_the_steering_committee_starts_on_the_latest_closed_quarter(client, cast, data):
    client.force_login(cast.steve)
    with time_machine.travel(datetime(2026, 5, 20, 9, tzinfo=TZ), tick=False):
        response = client.get("/dashboard/")
    m = response.context["m"]
    assert (m.period_start, m.period_end) == (date(2026, 1, 1), date(2026, 3, 31))


DATES_REFUSED = "The steering committee reads closed reporting periods only"
SITES_REFUSED = "The steering committee&#x27;s figures always cover every site together"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-01-01", "end": "2026-06-30"}, DATES_REFUSED),
        ({"kind": "quarter", "quarter": "2026-Q1", "end": "2026-03-30"}, DATES_REFUSED),
        ({"kind": "quarter", "quarter": "2026-Q1", "site": "REX"}, SITES_REFUSED),
        ({"kind": "quarter", "quarter": "2031-Q1"}, "Select a valid choice."),
        ({"kind": "month", "month": ""}, "Choose one from the list."),
        ({"kind": "week", "month": "2026-03"}, "Select a valid choice."),
    ],
)
def test_a_steering_member_gets_a_clear_message_and_no_figures(client, cast, data, params, message):
    client.force_login(cast.steve)
    response = client.get("/dashboard/", params)
    assert message in response.content.decode()
    assert response.context["m"] is None
    assert client.get("/dashboard/aggregates.csv", params).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start": "2026-06-01", "end": "2026-01-01"},
            "The end of the period is before its start.",
        ),
        ({"start": "2026-01-01", "end": "2026-06-01", "site": "NOPE"}, "Select a valid choice."),
        ({"start": "yesterday", "end": "2026-06-01"}, "Enter a valid date."),
    ],
)
def test_bad_periods_and_sites_get_a_clear_message(client, cast, data, params, message):
    client.force_login(cast.carol)
    body = client.get("/dashboard/", params).content.decode()
    assert message in body


def test_a_chair_keeps_free_dates_and_exact_figures(client, cast, data):
    client.force_login(cast.carol)
    response = client.get("/dashboard/", {"start": "2026-02-10", "end": "2026-02-10"})
    assert headline(response.context["m"])["Situations presented"] == "8"


def test_a_chair_cannot_choose_another_sites_data(client, cast, data):
    client.force_login(cast.carol)
    body = client.get("/dashboard/", {"start": START, "end": END, "site": "SCA"}).content.decode()
    assert "Select a valid choice." in body


def test_representatives_have_no_dashboard_and_steering_no_rows(client, cast, data):
    client.force_login(cast.erin)
    assert client.get("/dashboard/").status_code == 404
    client.force_login(cast.steve)
    assert client.get("/sites/rex/export.csv").status_code == 404
    assert client.get("/sites/rex/situations/").status_code == 404


def test_the_rtd_export_redacts_rejected_rows(client, cast, data):
    client.force_login(cast.carol)
    rows = list(csv.DictReader(io.StringIO(client.get("/sites/rex/export.csv").content.decode())))
    rejected = [r for r in rows if r["decision"] == "rejected"]
    assert len(rejected) == 3
    assert all(r["risk_factors"] == "N/A" and r["assisting_agencies"] == "N/A" for r in rejected)
    xlsx = client.get("/sites/rex/export.xlsx")
    assert xlsx.content[:2] == b"PK"


def test_the_dashboard_query_count_does_not_grow_with_the_data(
    client, cast, data, django_assert_max_num_queries
):
    client.force_login(cast.steve)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/")  # the session's first request records its start; not counted below
    first_half = {"kind": "quarter", "quarter": "2026-Q2"}
    with CaptureQueriesContext(connection) as small:
        client.get("/dashboard/", first_half)
    for i in range(30):
        Situation.objects.create(
            site=cast.rex,
            reference=f"REX-2026-9{i:02d}",
            subject_type="group",
            narrative="x",
            status="rejected",
            first_presented_on=date(2026, 4, 1),
            originating_agency=data[0].originating_agency,
        )
    with CaptureQueriesContext(connection) as large:
        client.get("/dashboard/", first_half)
    assert len(small) == len(large) <= 30


def test_cached_figures_follow_a_clock_past_its_deadline(client, cast, data):
    """Nothing is written when a response deadline passes, yet from then the promise counts
    the clock as missed: figures cached before must not outlive the deadline."""

    def promise_shown():
        client.force_login(cast.carol)  # Rexdale's chair: exact figures
        client.get("/")  # the session's first request records its start
        response = client.get("/dashboard/", {"start": START, "end": END})
        return headline(response.context["m"])["First contact within the promise"]

    # The three accepted on 10 March at noon, never contacted, are due on the 12th at noon.
    with time_machine.travel(datetime(2026, 3, 10, 14, tzinfo=TZ), tick=False):
        assert promise_shown() == "67%"  # 4 of the 6 resolved: contacted, or due
    with time_machine.travel(datetime(2026, 3, 12, 14, tzinfo=TZ), tick=False):
        assert promise_shown() == "44%"  # 4 of 9


def test_a_settled_periods_figures_outlive_a_deadline_passing_elsewhere(client, cast, data):
    """A period that ended longer ago than the longest response window has no clock left to
    run out: a deadline passing today, elsewhere, leaves its cached figures alone (every
    deadline anywhere used to recompute the committee's closed periods), while a period
    with clocks still running follows it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/", params).status_code == 200
        return len(captured)

    settled = {"start": START, "end": END}
    running = {"start": "2026-07-01", "end": "2026-08-31"}
    # Twenty minutes apart: within the session's idle time and the figures' cache time.
    with time_machine.travel(datetime(2026, 8, 1, 12, 50, tzinfo=TZ), tick=False):
        client.force_login(cast.carol)
        client.get("/")  # the session's first request records its start
        accepted = datetime(2026, 7, 31, 13, tzinfo=TZ)
        Situation.objects.filter(pk=data[0].pk).update(
            status="open",
            accepted_at=accepted,
            response_due_at=accepted + timedelta(hours=24),  # due at 13:00 today
            first_contact_at=None,
        )
        queries(settled), queries(running)  # computed and cached
        cached, cached_running = queries(settled), queries(running)
    with time_machine.travel(datetime(2026, 8, 1, 13, 10, tzinfo=TZ), tick=False):
        client.get("/")  # the session notes the activity here, not in the counts below
        assert queries(settled) == cached
        assert queries(running) > cached_running  # computed again
