import pytest
from playwright.sync_api import expect

from tests.auditor import seed

pytestmark = pytest.mark.django_db(transaction=True)


def _june_2024(i, **fields):
    """Two tables, June 2024: a quarter long closed."""
    row = {
        "site": i % 2,
        "day": 62 + i % 20,
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


def test_a_steering_member_reads_a_closed_quarter_and_downloads_aggregates(
    page, live_server, cast, sign_in_as, axe
):
    seed(
        cast, [_june_2024(i) for i in range(28)] + [_june_2024(i, accepted=None) for i in (28, 29)]
    )
    sign_in_as(cast.steve)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    axe(page)
    # From the keyboard: the kind of period, then the quarter.
    page.get_by_role("radio", name="Quarter").focus()
    page.keyboard.press("Space")
    page.get_by_role("combobox", name="Quarter").select_option("2024-Q2")
    page.get_by_role("button", name="Show").press("Enter")
    expect(page.get_by_text("1 April 2024 to 30 June 2024")).to_be_visible()
    page.get_by_text("Data table: AER decision").click()
    expect(page.get_by_role("table", name="AER decision")).to_contain_text("<5")
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download aggregates (CSV)").click()
    content = download.value.path().read_text()
    assert '"decision","Rejected","<5"' in content and "REX-2024" not in content
    # Dates are refused, with the reason, and nothing is computed.
    page.goto(f"{live_server.url}/dashboard/?start=2024-06-01&end=2024-06-03")
    expect(
        page.get_by_text("The steering committee reads closed reporting periods only")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="At a glance")).to_have_count(0)
    axe(page)


def test_a_chair_sees_exact_figures_for_the_site(page, live_server, cast, story, sign_in_as, axe):
    sign_in_as(cast.carol)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_text("Your sites, in aggregate.")).to_be_visible()
    axe(page)
    # A period that ends before it starts is explained, not computed.
    page.get_by_role("textbox", name="To").fill("2024-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The end of the period is before its start.")).to_be_visible()
    axe(page)
