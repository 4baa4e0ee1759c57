"""A chair runs a whole meeting while a representative follows on another screen."""

import pytest
from playwright.sync_api import expect

from meetings.services import ensure_next_meeting
from situations import services
from tests.conftest import MARKER, accept, make_situation
from tests.e2e.conftest import add_session, confirm, start_meeting

pytestmark = pytest.mark.django_db(transaction=True)
FOLLOW_TIMEOUT = 3_000  # a decision must reach other screens within 3 seconds


@pytest.fixture
def agenda(cast):
    returning = [accept(cast, services.submit(cast.alice, make_situation(cast))) for _ in range(2)]
    new = [services.submit(cast.alice, make_situation(cast)) for _ in range(3)]
    meeting = ensure_next_meeting(cast.rex)
    return meeting, returning, new


def test_a_chair_runs_a_full_meeting_while_a_representative_follows(
    browser, page, live_server, cast, agenda, sign_in_as, axe
):
    meeting, returning, new = agenda
    base = live_server.url
    sign_in_as(cast.carol)
    follower_context = browser.new_context()
    add_session(follower_context, cast.bob, base)
    follower = follower_context.new_page()
    follower.set_default_timeout(10_000)

    page.goto(f"{base}/sites/rex/meetings/")
    axe(page)
    page.goto(f"{base}{meeting.get_absolute_url()}")
    axe(page)
    page.get_by_role("button", name="Attendance").click()
    axe(page)
    page.get_by_role("row", name=f"{cast.bob}").get_by_role("combobox").select_option("present")
    page.get_by_role("row", name=f"{cast.erin}").get_by_role("combobox").select_option("apologies")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance saved.")

    follower.goto(f"{base}{meeting.get_absolute_url()}")
    axe(follower)
    start_meeting(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("live meeting")
    axe(page)

    def decision_on_follower(reference, text):
        expect(follower.locator(f"#item-{reference} .decision")).to_contain_text(
            text, timeout=FOLLOW_TIMEOUT
        )

    # Returning 1: concluded. Returning 2: kept open with an update.
    page.get_by_label("Update from the lead agency").fill("Connected to housing and counselling.")
    page.get_by_role("radio", name="Conclude").check()
    page.get_by_label("Conclusion reason").select_option(index=1)
    page.get_by_role("button", name="Record").click()
    confirm(page, "Conclude")
    decision_on_follower(returning[0].reference, "Concluded")

    expect(page.locator("#current-heading")).to_contain_text(returning[1].reference)
    page.get_by_label("Update from the lead agency").fill("Two visits, no answer yet.")
    page.get_by_role("radio", name="Keep open").check()
    page.get_by_role("button", name="Record").click()
    decision_on_follower(returning[1].reference, "Kept open")

    # New 1 and 2: accepted with lead and assisting agencies; new 3: rejected.
    for situation in new[:2]:
        expect(page.locator("#current-heading")).to_contain_text(situation.reference)
        axe(page)
        page.get_by_label("Lead agency").select_option(label="Children's Aid")
        page.get_by_label("Shelter and Housing").check()
        page.get_by_role("radio", name="Obtained", exact=True).check()
        page.get_by_role("button", name="Accept", exact=True).click()
        decision_on_follower(situation.reference, "Accepted")
        expect(follower.locator(f"#item-{situation.reference} .decision")).to_contain_text("CAC")

    expect(page.locator("#current-heading")).to_contain_text(new[2].reference)
    page.get_by_label("Why the table did not accept").select_option("not_aer")
    page.get_by_role("button", name="Reject", exact=True).click()
    axe(page)  # with the dialog open
    confirm(page, "Reject and delete the details")
    decision_on_follower(new[2].reference, "Rejected")

    page.get_by_role("button", name="Close the meeting").click()
    confirm(page, "Close the meeting")
    expect(page.get_by_role("status")).to_contain_text("The meeting is closed.")

    # The chair lands on the minutes; the follower's page turns into them by itself.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes")
    expect(page.get_by_text(MARKER)).to_have_count(0)
    axe(page)
    expect(follower.get_by_role("heading", level=1)).to_contain_text("Minutes", timeout=5_000)
    expect(follower.get_by_role("cell", name=new[2].reference)).to_be_visible()
    axe(follower)
    follower.get_by_role("button", name="My agency's action list").click()
    expect(follower.get_by_text(MARKER).first).to_be_visible()  # bob's agency leads: it sees who
    axe(follower)
    with follower.expect_download() as download:
        follower.get_by_role("button", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    follower_context.close()


def test_the_keyboard_moves_between_items_and_the_timer_runs(
    page, live_server, cast, agenda, sign_in_as
):
    meeting, returning, new = agenda
    sign_in_as(cast.carol)
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    start_meeting(page)
    expect(page.locator("#current-heading")).to_contain_text(returning[0].reference)
    expect(page.locator("#item-timer")).to_contain_text("/ 12:00")
    page.keyboard.press("j")
    expect(page.locator("#current-heading")).to_contain_text(returning[1].reference)
    page.keyboard.press("k")
    expect(page.locator("#current-heading")).to_contain_text(returning[0].reference)


def test_the_chair_reorders_and_defers_from_the_agenda(page, live_server, cast, agenda, sign_in_as):
    meeting, returning, new = agenda
    sign_in_as(cast.carol)
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    new_items = page.locator("ol.agenda").nth(1).locator("li.agenda-item")
    expect(new_items.nth(0)).to_have_id(f"item-{new[0].reference}")

    page.get_by_role("button", name=f"Move {new[1].reference} up").click()
    expect(new_items.nth(0)).to_have_id(f"item-{new[1].reference}")
    page.get_by_role("button", name=f"Move {new[1].reference} down").click()
    expect(new_items.nth(0)).to_have_id(f"item-{new[0].reference}")

    page.get_by_role("button", name=f"Defer {new[2].reference}").click()
    expect(page.get_by_role("status")).to_contain_text(f"{new[2].reference} moved to the next")
    expect(page.locator(f"#item-{new[2].reference} .decision")).to_contain_text("Deferred")
    expect(page.get_by_role("button", name=f"Defer {new[2].reference}")).to_have_count(0)
