import re

import pytest
from playwright.sync_api import expect

from tests.conftest import MARKER

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_situation_goes_from_draft_to_accepted_in_the_browser(
    page, live_server, cast, sign_in_as, axe
):
    base = live_server.url
    sign_in_as(cast.alice)
    page.goto(f"{base}/sites/rex/situations/")
    axe(page)
    page.get_by_role("button", name="New situation").click()
    expect(page.get_by_text("Keep names out.")).to_be_visible()
    axe(page)
    page.get_by_label("Subject type").select_option("person")
    page.get_by_label("Age group").select_option("12-17")
    page.get_by_label("Gender").select_option("woman")
    page.get_by_label("De-identified narrative").fill("A youth is missing school and at risk.")
    page.get_by_role("group", name="Missing school").get_by_label("Chronic absenteeism").check()
    page.get_by_role("group", name="Drugs").get_by_label("Drug use by person").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Only your agency can see it")
    reference = page.locator("h1").inner_text().split()[0]
    axe(page)

    page.get_by_role("button", name="Show identifying details").click()
    page.get_by_role("button", name="Add an affected person").click()
    axe(page)
    page.get_by_label("Label").fill("Person A")
    page.get_by_label("Age group").select_option("12-17")  # no choice is made in advance
    page.get_by_label("Gender").select_option("woman")
    page.get_by_label(re.compile(r"^Name:?$")).fill(MARKER)
    page.get_by_label("Address or location description").fill("Somewhere fictional")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(MARKER)).to_be_visible()
    axe(page)
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Submit to the next meeting").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted")

    # The chair accepts and names the agencies.
    page.context.clear_cookies()
    sign_in_as(cast.carol)
    page.goto(f"{base}/sites/rex/situations/{reference}/")
    expect(page.get_by_role("button", name="Show identifying details")).to_have_count(0)
    page.get_by_role("button", name="Accept (AER met)").click()
    axe(page)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("alert").filter(has_text="Please correct")).to_be_visible()
    page.get_by_label("Lead agency").select_option(label="Children's Aid")
    page.get_by_label("Shelter and Housing").check()
    page.get_by_role("radio", name="Obtained", exact=True).check()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("response clock has started")
    axe(page)

    # The lead agency now sees who it is; an uninvolved representative does not.
    page.context.clear_cookies()
    sign_in_as(cast.bob)
    page.goto(f"{base}/sites/rex/situations/{reference}/identity/")
    expect(page.get_by_text(MARKER)).to_be_visible()
    page.goto(f"{base}/sites/rex/situations/{reference}/history/")
    expect(page.get_by_role("cell", name="identifying details").first).to_be_visible()
    axe(page)
    page.context.clear_cookies()
    sign_in_as(cast.erin)
    response = page.goto(f"{base}/sites/rex/situations/{reference}/identity/")
    assert response.status == 404


def test_the_privacy_officer_pages_pass_axe(page, live_server, cast, story, sign_in_as, axe):
    sign_in_as(cast.polly)
    page.goto(f"{live_server.url}/privacy/audit/")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    axe(page)
    page.get_by_label("From").fill("2000-01-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table")).to_contain_text(story.open.reference)
    axe(page)
    for link, heading in (
        ("Need-to-know grants", "Need-to-know grants"),
        ("Retention", "Retention of identifying details"),
    ):
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        axe(page)


@pytest.mark.parametrize("state", ["open", "rejected", "concluded", "submitted"])
def test_chair_pages_pass_axe(page, live_server, cast, story, sign_in_as, axe, state):
    sign_in_as(cast.carol)
    situation = getattr(story, state)
    page.goto(f"{live_server.url}{situation.get_absolute_url()}")
    axe(page)
    for link in ("Conclude", "Change agencies", "Reject", "Edit record"):
        target = page.get_by_role("button", name=link, exact=True)
        if target.count():
            target.click()
            axe(page)
            page.go_back()


def test_a_lead_representative_logs_the_first_contact(
    page, live_server, cast, story, sign_in_as, axe
):
    from reminders.services import sweep

    sweep()
    sign_in_as(cast.bob)
    page.goto(f"{live_server.url}/my/situations/")
    axe(page)
    page.get_by_role("link", name="Log the response").first.click()
    expect(page.get_by_text("On time")).to_be_visible()
    axe(page)
    page.get_by_label("Method").select_option("door_knock")
    page.get_by_label("Outcome").select_option("contacted")
    page.get_by_role("button", name="Log the attempt").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.get_by_text("Met on time", exact=True)).to_be_visible()
    axe(page)
    page.goto(f"{live_server.url}/notifications/")
    axe(page)
