import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_signs_in_with_a_password_and_a_totp_code(page, live_server, cast, axe):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.test_security import code_for

    device = TOTPDevice.objects.create(user=cast.alice, name="authenticator", confirmed=True)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    axe(page)
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    axe(page)
    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")
    expect(page.get_by_role("heading", name="FOCUS Rexdale")).to_be_visible()
    expect(page.get_by_text("FOCUS Scarborough")).to_have_count(0)
    axe(page)


def test_a_wrong_password_is_announced_and_the_form_stays_usable(page, live_server, cast, axe):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
    axe(page)


def test_the_keyboard_reaches_the_skip_link_first_and_it_jumps_to_main(
    page, live_server, cast, sign_in_as
):
    sign_in_as(cast.alice)
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_id("main")


def test_sign_in_puts_the_cursor_in_the_user_name(page, live_server, db):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()


@pytest.mark.parametrize(
    ("who", "paths"),
    [
        ("alice", ["/", "/sites/rex/", "/accounts/password_change/"]),
        ("steve", ["/"]),
        ("adam", ["/", "/people/", "/people/new/", "/people/alice/"]),
    ],
)
def test_every_page_passes_axe(page, live_server, cast, sign_in_as, axe, who, paths):
    sign_in_as(getattr(cast, who))
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main h1")).to_be_visible()
        axe(page)


def test_reset_pages_pass_axe(page, live_server, db, axe):
    page.goto(f"{live_server.url}/accounts/password_reset/")
    axe(page)
    page.get_by_label("Email").fill("nobody@example.invalid")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe(page)


def test_first_sign_in_shows_the_enrolment_page(page, live_server, cast, axe):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    axe(page)
