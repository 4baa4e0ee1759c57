"""A privacy officer answers an access request end to end: the search, the report with every
disclosure, a correction, the PDF. Each page passes axe; the identity never reaches a URL."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import MARKER

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_privacy_officer_answers_an_access_request(
    page, live_server, cast, story, sign_in_as, axe
):
    from ledger.models import CorrectionRecord, Disclosure

    base = live_server.url
    # The lead agency records consent and that the person was told, from the situation page.
    sign_in_as(cast.bob)
    page.goto(base + story.open.get_absolute_url())
    page.get_by_role("button", name="Record whether the person was told").click()
    axe(page)
    page.get_by_label("Not told: could not be reached").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".telling")).to_contain_text("could not be reached")
    # Consent over time goes with the identifying details.
    page.get_by_role("link", name="Consent history").click()
    expect(page.locator(".consent-history")).to_contain_text("Given")  # at acceptance
    page.get_by_role("button", name="Record consent").click()
    page.get_by_label(re.compile(r"^Consent:?$")).select_option("refused")
    page.get_by_role("button", name="Record consent").click()
    page.get_by_role("link", name="Consent history").click()
    expect(page.locator(".consent-history")).to_contain_text("Refused")
    axe(page)

    page.context.clear_cookies()
    sign_in_as(cast.polly)
    page.goto(base + "/privacy/audit/")
    page.get_by_role("link", name="Access requests").click()
    axe(page)
    # Typed as the person gave it: another case, extra spaces.
    page.get_by_label("Name of the person who asked").fill(
        f"  {MARKER.upper()}   {story.open.reference.lower()} "
    )
    page.get_by_role("button", name="Find what the table holds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access request: report")
    assert MARKER not in page.url and "full_name" not in page.url
    expect(page.locator(".access-report")).to_have_count(1)
    rows = page.locator("table.disclosures tbody tr")
    expect(rows).to_have_count(Disclosure.objects.filter(situation=story.open).count())
    expect(page.locator(".access-report")).to_contain_text("Refused")
    axe(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (PDF)").click()
    assert download.value.suggested_filename.startswith("access-request-")
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    page.get_by_text("Record a correction").click()
    page.get_by_label("Corrected address or location").fill("A corrected fictional address")
    page.get_by_role("button", name="Correct").click()
    expect(page.get_by_role("status")).to_contain_text("Corrected.")
    axe(page)
    assert CorrectionRecord.objects.get().fields == ["location"]
