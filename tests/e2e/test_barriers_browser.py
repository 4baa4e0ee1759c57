import pytest
from playwright.sync_api import expect

from meetings.services import ensure_next_meeting
from situations import services
from tests.conftest import accept, make_situation
from tests.e2e.conftest import add_session, start_meeting

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_barrier_goes_from_the_meeting_to_the_steering_committee_and_back(
    browser, page, live_server, cast, sign_in_as, axe
):
    base = live_server.url
    first = accept(cast, services.submit(cast.alice, make_situation(cast)))
    second = accept(cast, services.submit(cast.alice, make_situation(cast)))
    meeting = ensure_next_meeting(cast.rex)
    sign_in_as(cast.carol)
    page.goto(f"{base}{meeting.get_absolute_url()}")
    start_meeting(page)

    # In the meeting: raise a new barrier from the first item, link the second to it.
    expect(page.locator("#current-heading")).to_contain_text(first.reference)
    page.get_by_role("button", name="Link to a barrier").click()
    axe(page)
    page.get_by_label("Or a new barrier in category").select_option(label="Youth services")
    page.get_by_label("New barrier description").fill("Youth mental-health waits exceed 6 months.")
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status")).to_contain_text("is now evidence for barrier")
    expect(page.locator("#current-heading")).to_contain_text(first.reference)  # back in the meeting
    page.keyboard.press("j")
    expect(page.locator("#current-heading")).to_contain_text(second.reference)
    page.get_by_role("button", name="Link to a barrier").click()
    page.get_by_label("Existing barrier").select_option(index=1)
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status")).to_contain_text("is now evidence for barrier")

    # The steering committee finds it with "<5" situations, assigns an owner, decides.
    steering_context = browser.new_context()
    add_session(steering_context, cast.steve, base)
    steering = steering_context.new_page()
    steering.set_default_timeout(10_000)
    steering.goto(f"{base}/barriers/")
    row = steering.get_by_role("row").filter(has_text="Youth services")
    expect(row).to_contain_text("<5")
    axe(steering)
    row.get_by_role("link").click()
    axe(steering)
    steering.get_by_label("Owner").select_option(label="Children's Aid")
    steering.get_by_role("button", name="Assign owner").click()
    expect(steering.get_by_role("status")).to_contain_text("Saved.")
    steering.get_by_label("Status").select_option("agreed")
    steering.get_by_role("button", name="Change status").click()
    steering.get_by_label("Comment or decision").fill("City to fund a youth worker.")
    steering.get_by_label("This is a decision").check()
    steering.get_by_role("button", name="Record").click()
    expect(steering.get_by_text("City to fund a youth worker.")).to_be_visible()
    axe(steering)
    steering_context.close()

    # The person who raised it sees the new status.
    page.goto(f"{base}/barriers/")
    expect(page.get_by_role("row").filter(has_text="Youth services")).to_contain_text(
        "Action agreed"
    )
    axe(page)
    page.goto(f"{base}/barriers/report/")
    axe(page)
