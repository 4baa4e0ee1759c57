import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

# Playwright's sync API runs an event loop in this thread; the ORM calls our fixtures make
# are still synchronous and safe here. Set only for browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture
def axe():
    checker = Axe()

    def check(page):
        results = checker.run(
            page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        )
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check


def add_session(context, user, url):
    from django.conf import settings

    from tests.conftest import VerifiedClient

    client = VerifiedClient()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": url}])


@pytest.fixture
def sign_in_as(live_server, context):
    """Sign in by session cookie; one test uses the real sign-in page."""

    def sign_in(user):
        add_session(context, user, live_server.url)

    return sign_in


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)


def confirm(page, label):
    """Answer the open confirmation dialog with its button `label`."""
    dialog = page.locator("dialog[open]")
    dialog.get_by_role("button", name=label, exact=True).click()


def start_meeting(page):
    """The chair starts the meeting; on another day than its own, confirming the move."""
    other_day = page.locator("#confirm-start").count() > 0
    page.get_by_role("button", name="Start the meeting").click()
    if other_day:
        confirm(page, "Start it today")
