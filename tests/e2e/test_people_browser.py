"""An administrator's acts on a person, from the keyboard, with axe on every page."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_administrator_sends_a_link_and_resets_factors_from_the_keyboard(
    page, live_server, cast, sign_in_as, axe
):
    from auditlog.models import LogEntry

    from agencies.services import Act

    sign_in_as(cast.adam)
    page.goto(f"{live_server.url}/people/bob/")
    axe(page)
    link = page.get_by_role("button", name="Send a link to choose a new password")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("A link to choose a new password was sent")
    axe(page)
    page.get_by_role("button", name="Reset two-step sign-in").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("will set up two-step sign-in again")
    acts = [Act.of(e) for e in LogEntry.objects.get_for_object(cast.bob).order_by("pk")]
    assert [a for a in acts if a] == [Act.RESET_LINK, Act.FACTORS_RESET]


def test_the_privacy_officer_reads_the_acts_on_the_audit_trail(
    page, live_server, cast, sign_in_as, axe
):
    from agencies import services

    services.reset_factors(cast.adam, cast.bob)
    sign_in_as(cast.polly)
    page.goto(f"{live_server.url}/privacy/audit/")
    row = page.get_by_role("row").filter(has_text="Two-step sign-in reset")
    expect(row).to_contain_text("adam")
    axe(page)


@pytest.mark.parametrize("path", ["", "add/", "{bob}/change/"])
def test_the_admins_people_pages_pass_axe(page, live_server, cast, sign_in_as, axe, path):
    sign_in_as(cast.adam)
    page.goto(f"{live_server.url}/admin/agencies/user/{path.format(bob=cast.bob.pk)}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
