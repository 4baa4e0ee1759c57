"""A whole cycle as a chair runs it, in the browser: move the regular meeting, add an extra
one, run it with notes and two actions, close it with confirmation; the owners find their
actions on home and on the next agenda; the next meeting approves the minutes."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from meetings.services import ensure_next_meeting
from situations import services
from tests.conftest import accept, make_situation
from tests.e2e.conftest import confirm, start_meeting

pytestmark = pytest.mark.django_db(transaction=True)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_whole_meeting_cycle(page, live_server, cast, sign_in_as, axe):
    base = live_server.url
    returning = accept(cast, services.submit(cast.alice, make_situation(cast)))
    regular = ensure_next_meeting(cast.rex)
    moved_to = regular.starts_at + timedelta(days=1)
    sign_in_as(cast.carol)

    # Move the regular meeting, with a reason the members read.
    page.goto(f"{base}{regular.get_absolute_url()}")
    page.get_by_role("button", name="Move", exact=True).click()
    axe(page)
    page.get_by_label("New date and time").fill(_local(moved_to))
    page.get_by_label("Why it moves").fill("Statutory holiday")
    page.get_by_role("button", name="Move it").click()
    expect(page.get_by_role("status")).to_contain_text("The meeting was moved.")
    expect(page.get_by_text("Statutory holiday")).to_be_visible()

    # Add an extra meeting for today and bring the returning situation onto it.
    page.goto(f"{base}/sites/rex/meetings/")
    axe(page)
    page.get_by_role("button", name="Add an extra meeting").click()
    axe(page)
    page.get_by_label("Date and time").fill(_local(timezone.now() + timedelta(minutes=30)))
    page.get_by_label("What it is for").fill("A situation that cannot wait a week")
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.get_by_role("status")).to_contain_text("The extra meeting was added.")
    axe(page)
    page.get_by_role("button", name=f"Bring {returning.reference} onto this agenda").click()
    expect(page.locator(f"#item-{returning.reference}")).to_be_visible()

    # Run it: notes and two actions with owners, then keep the situation open.
    start_meeting(page)
    expect(page.locator("#current-heading")).to_contain_text(returning.reference)
    page.get_by_label("Discussion notes for the minutes").fill("Beds full; outreach continues.")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.get_by_role("status")).to_contain_text("Notes saved.")
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    for owner, text in (
        ("Children's Aid", "Find a youth bed"),
        ("Shelter and Housing", "Hold a unit"),
    ):
        page.get_by_text(f"Add an action for {returning.reference}").click()
        page.get_by_label("Action:", exact=True).fill(text)
        page.get_by_label("Owner agency").select_option(label=owner)
        page.get_by_label("Due").fill(due)
        page.get_by_role("button", name="Add the action").click()
        expect(page.get_by_role("status")).to_contain_text("Action recorded.")
    axe(page)
    page.get_by_label("Update from the lead agency").fill("Two visits; engaged.")
    page.get_by_role("radio", name="Keep open").check()
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_contain_text("stays open")

    # Close, with the consequence stated first.
    page.get_by_role("button", name="Close the meeting").click()
    expect(page.locator("dialog[open]")).to_contain_text("cannot be reopened")
    axe(page)
    page.keyboard.press("Escape")  # changed her mind
    expect(page.locator("dialog[open]")).to_have_count(0)
    page.get_by_role("button", name="Close the meeting").click()
    confirm(page, "Close the meeting")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes")
    expect(page.get_by_text("Beds full; outreach continues.")).to_be_visible()
    expect(page.get_by_text("Draft:")).to_be_visible()
    axe(page)

    # The owners find their actions on home; the moved regular meeting's agenda shows them.
    for owner, text in ((cast.bob, "Find a youth bed"), (cast.dave, "Hold a unit")):
        sign_in_as(owner)
        page.goto(f"{base}/")
        expect(page.get_by_text(text)).to_be_visible()
        axe(page)
    sign_in_as(cast.bob)
    page.goto(f"{base}/")
    page.get_by_role("link", name="Close “Find a youth bed”").click()
    axe(page)
    page.get_by_role("radio", name="Done").check()
    page.get_by_role("button", name="Close the action").click()
    expect(page.get_by_role("status")).to_contain_text("The action is closed.")

    # A day after the holiday, the regular meeting approves the extra meeting's minutes.
    with time_machine.travel(moved_to + timedelta(minutes=1)):
        sign_in_as(cast.carol)
        page.goto(f"{base}{regular.get_absolute_url()}")
        expect(page.locator(f"#item-{returning.reference}")).to_contain_text("Hold a unit")
        start_meeting(page)
        approve = page.get_by_role("button", name="Approve the minutes of")
        expect(approve).to_be_visible()
        axe(page)
        approve.click()
        expect(page.get_by_role("status")).to_contain_text("are approved")
