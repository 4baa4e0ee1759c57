"""Every page on a phone (390 × 844) and a laptop (1366 × 768), in English and in French, as each
kind of person who can reach it (issue 15): no sideways scrolling of the page, the page's main
button in view without scrolling sideways, and axe clean.

The pages and who reaches them come from the hand-written permission matrices
(tests/test_permission_matrix.py, tests/test_situation_permissions.py): one person stands for
each kind (a representative of the lead agency, one of the originating agency, the chair, the
steering member, the administrator, the privacy officer, and nobody signed in).

Cost: one browser, one context per person; each page is loaded once per language and measured
at both sizes by resizing (the layout is CSS media queries, which follow a resize). axe runs at
both sizes in English; French is checked for layout. The Django admin's own pages are not ours
and are not walked.
"""

import os

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tests import test_permission_matrix as matrix
from tests import test_situation_permissions as situations
from tests.e2e.conftest import add_session
from tests.test_permission_matrix import MATRIX, _url

pytestmark = pytest.mark.django_db(transaction=True)

# The permission matrix's world (meetings past and next, an action, a barrier), as a fixture here.
world = matrix.world

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}

# Who stands for each kind of person: a representative (bob, of the lead agency; alice, of the
# originating one, for the pages only she reaches), the chair, the steering member, the
# administrator and the privacy officer.
KINDS = [("bob", "alice"), ("carol",), ("steve",), ("adam",), ("polly",)]
PEOPLE = [who for kind in KINDS for who in kind]

# Pages the matrices list that are not pages: downloads, and the Django admin.
# meeting_agenda is the fragment a followed agenda swaps in, not a page. The accessibility
# statement is walked once, signed out: signed in it is the same page under the same header.
NOT_PAGES = {
    "aggregate_csv",
    "rtd_csv",
    "rtd_xlsx",
    "admin_view_on_site_off",
    "meeting_agenda",
    "accessibility",
}

# What a page's main action is: the first button of the content that is not secondary.
MEASURE = """() => {
  const candidates = [...document.querySelectorAll(
    "main button, main [role=button], main input[type=submit]")];
  const primary = candidates.find((el) =>
    !el.classList.contains("secondary") && !el.classList.contains("link-button")
    && !el.closest("dialog, details:not([open]), [hidden]") && el.getClientRects().length);
  const box = primary ? primary.getBoundingClientRect() : null;
  // For the failure message: the innermost elements that stick out on the right.
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
      && ![...el.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
    .slice(0, 5)
    .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
  return {
    wide,
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    lang: document.documentElement.lang,
    primary: box && {left: box.left, right: box.right, text: primary.textContent.trim()},
  };
}"""


def _pages(world, story):
    """(person, url) for every page, as each kind of person who may open it."""

    def chosen(allowed):
        for kind in KINDS:
            who = next((person for person in kind if person in allowed), None)
            if who:
                yield who

    pages = []
    for name, method, allowed, ok, kwargs_for, state in MATRIX:
        if method == "get" and ok == 200 and name not in NOT_PAGES:
            # A page that needs the meeting running ("running") is walked after the others.
            url = _url(name, kwargs_for, world) + ("#running" if state else "")
            pages += [(who, url) for who in chosen(allowed)]
    for name, state, method, allowed, ok in situations.MATRIX:
        if method == "get" and ok == 200 and name not in NOT_PAGES:
            situation = getattr(story, state) if state and state != "dashboard" else state
            url = situations.url_for(name, situation)
            pages += [(who, url) for who in chosen(allowed)]
    return list(dict.fromkeys(pages))


def _public_pages(cast):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    reset = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(cast.erin.pk)),
            "token": default_token_generator.make_token(cast.erin),
        },
    )
    return [
        reverse("login"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("accessibility"),
        reset,  # redirects to the form, token kept in the session
    ]


class Axe:
    """axe-core as tests/e2e/conftest.py runs it (the WCAG 2.1 A and AA rules), cheaper for a
    walk of every page: the script is put into a page once per load, not once per run, and
    only violations come back (the full results of every rule are most of the time)."""

    OPTIONS = {
        "runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
        "resultTypes": ["violations"],
    }

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe as Runner

        self.runner = Runner()

    def __call__(self, page):
        from axe_playwright_python.base import AxeResults

        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.runner.axe_script)
        results = AxeResults(page.evaluate("(options) => axe.run(document, options)", self.OPTIONS))
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def _check(page, url, viewport, language, axe=None):
    page.set_viewport_size(viewport)
    found = page.evaluate(MEASURE)
    if os.environ.get("SCREENSHOTS"):
        name = url.strip("/").replace("/", "_") or "home"
        page.screenshot(
            path=f"{os.environ['SCREENSHOTS']}/{name}-{viewport['width']}-{language}.png",
            full_page=True,
        )
    where = f"{url} at {viewport['width']} px in {language}"
    assert found["lang"] == language, where
    assert found["scrollWidth"] <= found["innerWidth"], (where, found)
    if found["primary"]:
        box = found["primary"]
        assert box["left"] >= 0 and box["right"] <= found["innerWidth"], (where, box)
    if axe is not None:
        axe(page)


def _walk(context, live_server, urls, axe):
    # LAYOUT_ONLY=<part of a path>: walk only the pages whose address has it (while fixing one).
    only = os.environ.get("LAYOUT_ONLY")
    urls = [url for url in urls if not only or only in url]
    page = context.new_page()
    page.set_default_timeout(10_000)
    for url in urls:
        # English: phone then laptop; French: laptop then phone, so each load resizes once.
        for language, sizes in (("en", (PHONE, LAPTOP)), ("fr", (LAPTOP, PHONE))):
            context.add_cookies(
                [
                    {
                        "name": settings.LANGUAGE_COOKIE_NAME,
                        "value": language,
                        "url": live_server.url,
                    }
                ]
            )
            page.set_viewport_size(sizes[0])
            response = page.goto(f"{live_server.url}{url}")
            assert response.ok, (url, response.status)
            for size in sizes:
                _check(page, url, size, language, axe if language == "en" else None)
    page.close()


def test_every_page_fits_a_phone_and_a_laptop_in_both_languages(browser, live_server, cast, world):
    axe = Axe()
    from meetings import services as meetings

    story = world["story"]
    walk = _pages(world, story)
    last = [(who, url.removesuffix("#running")) for who, url in walk if url.endswith("#running")]
    walk = [(who, url) for who, url in walk if not url.endswith("#running")]

    anonymous = browser.new_context(viewport=PHONE)
    _walk(anonymous, live_server, _public_pages(cast), axe)
    anonymous.close()

    contexts = {}
    for who in PEOPLE:
        context = browser.new_context(viewport=PHONE)
        add_session(context, getattr(cast, who), live_server.url)
        contexts[who] = context
        _walk(context, live_server, [url for person, url in walk if person == who], axe)
    meetings.start(cast.carol, world["next"], move_to_today=True)
    for who, url in last:
        _walk(contexts[who], live_server, [url], axe)
    for context in contexts.values():
        context.close()


def test_the_menu_opens_from_the_keyboard_on_a_phone(browser, live_server, cast):
    context = browser.new_context(viewport=PHONE)
    add_session(context, cast.carol, live_server.url)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    menu = page.get_by_role("button", name="Menu")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(sign_out).to_be_hidden()
    # From the top of the page with Tab alone: skip link, brand, language, then the menu.
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('menu-button')"):
            break
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Sign out":
            break
    expect(sign_out).to_be_focused()
    expect(sign_out).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(sign_out).to_be_hidden()
    context.close()


def test_without_script_the_menu_is_a_plain_list(browser, live_server, cast):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    add_session(context, cast.carol, live_server.url)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    context.close()


def test_the_language_switch_works_from_the_sign_in_page(browser, live_server, cast):
    context = browser.new_context(viewport=PHONE, locale="en-CA")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.locator("button[lang=fr]").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.evaluate("document.documentElement.lang") == "fr"
    page.locator("button[lang=en]").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.evaluate("document.documentElement.lang") == "en"
    context.close()
