import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_steering_member_reads_the_dashboard_and_downloads_aggregates(
    page, live_server, cast, story, sign_in_as, axe
):
    sign_in_as(cast.steve)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="At a glance")).to_be_visible()
    axe(page)
    page.get_by_role("textbox", name="From").fill("2025-01-01")
    page.get_by_label("FOCUS Rexdale").check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("1 January 2025 to")).to_be_visible()
    expect(page.locator("figure").first).to_be_visible()
    page.get_by_text("Data table: AER decision").click()
    expect(page.get_by_role("table", name="AER decision")).to_contain_text("<5")
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download aggregates (CSV)").click()
    content = download.value.path().read_text()
    assert '"decision","Accepted",' in content and story.open.reference not in content
    # A period that ends before it starts is explained, not computed.
    page.get_by_role("textbox", name="To").fill("2024-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The end of the period is before its start.")).to_be_visible()
    axe(page)


def test_a_chair_sees_exact_figures_for_the_site(page, live_server, cast, story, sign_in_as, axe):
    sign_in_as(cast.carol)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_text("Your sites, in aggregate.")).to_be_visible()
    axe(page)
