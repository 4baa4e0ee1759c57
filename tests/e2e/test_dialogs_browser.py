"""Confirmation dialogs work from the keyboard and pass axe; the remaining new pages too."""

import re

import pytest
from playwright.sync_api import expect

from meetings.services import ensure_next_meeting
from tests.e2e.conftest import confirm

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_reject_dialog_is_keyboard_operable_and_says_what_happens(
    page, live_server, cast, story, sign_in_as, axe
):
    sign_in_as(cast.carol)
    page.goto(f"{live_server.url}{story.submitted.get_absolute_url()}reject/")
    axe(page)
    page.get_by_label("Why the table did not accept").select_option("not_aer")
    trigger = page.get_by_role("button", name="Reject", exact=True)
    trigger.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("cannot be recovered")
    # Focus starts on the safe choice, inside the dialog.
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    axe(page)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(trigger).to_be_focused()  # back where the person was
    page.keyboard.press("Enter")
    confirm(page, "Reject and delete the details")
    expect(page.get_by_role("status")).to_contain_text("Rejected.")


def test_the_calendar_and_meeting_change_pages_pass_axe(page, live_server, cast, sign_in_as, axe):
    meeting = ensure_next_meeting(cast.rex)
    sign_in_as(cast.carol)
    page.goto(f"{live_server.url}/my/calendar/")
    axe(page)
    page.get_by_role("button", name="Make my calendar address").click()
    expect(page.get_by_label("Calendar address")).to_have_value(
        re.compile(rf"^{live_server.url}/calendar/[\w-]+\.ics$")
    )
    axe(page)
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}cancel/")
    axe(page)
    page.get_by_role("button", name="Cancel the meeting").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()  # a reason is needed
    axe(page)


def test_correcting_a_contact_and_approved_minutes_pass_axe(
    page, live_server, cast, story, sign_in_as, axe
):
    from datetime import timedelta

    from django.utils import timezone

    from meetings.models import Meeting
    from situations import services

    services.log_contact(
        cast.bob,
        story.open,
        attempted_at=timezone.now() - timedelta(hours=1),
        method="phone",
        outcome="contacted",
    )
    base = live_server.url
    sign_in_as(cast.bob)
    page.goto(f"{base}/sites/rex/situations/{story.open.reference}/responses/")
    page.get_by_role("link", name="Edit", exact=False).first.click()
    axe(page)
    page.go_back()
    page.get_by_role("link", name="Delete", exact=False).first.click()
    expect(page.get_by_text("clock")).not_to_have_count(0)
    axe(page)

    approved = Meeting.objects.create(
        site=cast.rex,
        starts_at=timezone.now() - timedelta(days=14),
        status=Meeting.Status.CLOSED,
        minutes_approved_at=timezone.now() - timedelta(days=7),
    )
    sign_in_as(cast.carol)
    page.goto(f"{base}/sites/rex/meetings/{approved.key}/minutes/")
    page.get_by_role("textbox", name="Correction").fill("The shelter is in Etobicoke.")
    page.get_by_role("button", name="Add the correction").click()
    expect(page.get_by_role("status")).to_contain_text("The correction was added")
    expect(page.get_by_text("The shelter is in Etobicoke.")).to_be_visible()
    axe(page)
