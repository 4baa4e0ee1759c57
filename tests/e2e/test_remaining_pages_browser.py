"""axe on the pages no other browser test reaches."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_raising_a_barrier_at_a_site_passes_axe(page, live_server, cast, sign_in_as, axe):
    sign_in_as(cast.erin)
    page.goto(f"{live_server.url}/barriers/")
    page.get_by_role("button", name="Raise a barrier at FOCUS Rexdale").click()
    axe(page)
    page.get_by_role("button", name="Raise").click()
    expect(page.get_by_role("alert").filter(has_text="Please correct")).to_be_visible()
    axe(page)
    page.get_by_label("Category").select_option(label="Transportation")
    page.get_by_label("Description").fill("No bus to the youth hub after 6 pm.")
    page.get_by_role("button", name="Raise").click()
    expect(page.get_by_role("status")).to_contain_text("raised")
    axe(page)


def test_enrolment_codes_and_lockout_pages_pass_axe(page, live_server, cast, axe):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.test_security import code_for

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    device = TOTPDevice.objects.get(user=cast.bob, confirmed=False)
    page.get_by_label("Code").fill(code_for(device))
    page.locator("main").get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    axe(page)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(6):
        if page.get_by_role("heading", name="Too many attempts").count():
            break
        page.get_by_label("Username").fill("erin")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    axe(page)
