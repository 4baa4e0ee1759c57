"""Issue 13's findings on the aggregates, replayed: each leaked on the main of the time and
must not leak now."""

from datetime import date

import pytest
import time_machine
from django.core.cache import cache

from tests import auditor
from tests.auditor import TODAY
from tests.auditor import seed as _seed

DATES_REFUSED = "The steering committee reads closed reporting periods only"
SITES_REFUSED = "The steering committee&#x27;s figures always cover every site together"
QUARTER = {"kind": "quarter", "quarter": "2024-Q2"}


def _row(i, **fields):
    row = {
        "site": i % 2,
        "day": 62 + i % 20,  # June 2024
        "accepted": True,
        "subject": "person",
        "age": ["12-17", "25-39", "40-59"][i % 3],
        "gender": ["woman", "man"][i % 2],
        "origin": i % 3,
        "lead": i % 2 * 2,
        "consent": "obtained",
        "factors": [i % 3],
        "contact_hours": 10 + i,
        "concluded_after": None,
    }
    return {**row, **fields}


@pytest.fixture
def tables(cast):
    """Two tables in June 2024: 30 presented, 2 rejected, 4 concluded within the month."""
    rows = [_row(i) for i in range(28)]
    rows += [_row(28, accepted=None), _row(29, accepted=None)]
    for i in range(4):
        rows[i] = {**rows[i], "day": 61, "concluded_after": 5 + i}
    with time_machine.travel(TODAY, tick=False):
        _seed(cast, rows)
    cache.clear()


@pytest.fixture
def steering(client, cast):
    client.force_login(cast.steve)
    with time_machine.travel(TODAY, tick=False):
        yield client


def test_the_rejected_count_cannot_be_worked_out_from_the_rest_of_the_page(steering, tables):
    """Finding: with site=REX&site=SCA the decision table showed Accepted *, Rejected <5 and a
    total, while "Accepted 75%", the lead-sector and consent totals and "New (accepted)" each
    gave the accepted count, so the rejected one by subtraction (the CSV too)."""
    as_found = {"site": ["REX", "SCA"], "start": "2024-06-01", "end": "2024-06-30"}
    response = steering.get("/dashboard/", as_found)
    assert response.context["m"] is None and SITES_REFUSED in response.content.decode()
    assert steering.get("/dashboard/aggregates.csv", as_found).status_code == 404

    publication = auditor.read(steering, QUARTER)
    cells, headline = publication.cells, publication.headline
    assert cells[("decision", "Rejected")] == "<5"
    assert not cells[("decision", "Accepted")].isdecimal()
    assert headline["Accepted"] == "withheld"
    assert not cells[("lead", "total")].isdecimal()
    assert not cells[("consent", "total")].isdecimal()
    assert not cells[("flow", "New (accepted)")].isdecimal()
    assert not cells[("month:accepted", "2024-06")].isdecimal()
    assert auditor.exposed(publication) == []


def test_two_responses_a_day_apart_cannot_be_subtracted(steering, tables):
    """Finding: start/end took any day, so end=D minus end=D-1 isolated the one situation
    presented on day D with its whole profile."""
    for end in ("2024-06-03", "2024-06-02"):
        response = steering.get("/dashboard/", {"start": "2024-06-01", "end": end})
        assert response.context["m"] is None
        assert DATES_REFUSED in response.content.decode()
        assert "Situations presented" not in response.content.decode()
    # Nor can a period still running be read today and again tomorrow.
    from dashboard.forms import closed_periods

    offered = closed_periods(date(2024, 6, 20))
    assert offered["month"][0][0] == "2024-05"
    assert offered["quarter"][0][0] == "2024-Q1"
    assert offered["year"][0][0] == "2023"


def test_a_withheld_share_or_median_says_withheld_not_under_five(steering, tables):
    """Finding: "<5" was printed for withheld shares and medians, where it reads as "under 5
    hours" or "under 5%"."""
    body = steering.get("/dashboard/", QUARTER).content.decode()
    publication = auditor.read(steering, QUARTER)
    # The four concluded situations are too few for a median or a percentile.
    assert publication.headline["Days open until conclusion, median"] == "withheld"
    assert publication.headline["Days open, 90th percentile"] == "withheld"
    figures = body.split('id="headline-heading"')[1].split("</section>")[0]
    assert "&lt;5" not in figures.replace("Situations presented</small></header>", "")
