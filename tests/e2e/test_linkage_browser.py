"""A person presented at Scarborough three months ago is drafted again at Rexdale: the
representative sees the possible repeat while drafting, the chair sees it at submission with
only Scarborough's name and chair, links it, and the dashboard's repeat figure moves."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Agency, Membership
from situations import services
from situations.models import RiskFactor, Situation
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _presented_at_scarborough(cast):
    sid = UserFactory(username="sid", first_name="Sid", last_name="Chair", agency=cast.carol.agency)
    MembershipFactory(user=sid, site=cast.sca, role=Membership.Role.CHAIR)
    record = services.Record(
        subject_type="person",
        age_group="25-39",
        gender="woman",
        narrative="Scarborough's own account of her situation.",
        risk_factors=list(RiskFactor.objects.order_by("pk")[:1]),
    )
    earlier = services.create_draft(cast.charlie, cast.sca, record)
    services.save_person(
        cast.charlie,
        earlier,
        person=None,
        label="Person A",
        age_group="25-39",
        gender="woman",
        identity=services.Identity(full_name="Zoë Lachance-Morin", date_of_birth="1996-04-09"),
    )
    earlier = services.submit(cast.charlie, earlier)
    services.accept(
        sid, earlier, services.Assignment(lead=Agency.objects.get(short_name="COMH")), "obtained"
    )
    when = timezone.now() - timedelta(days=91)
    Situation.objects.filter(pk=earlier.pk).update(
        submitted_at=when, accepted_at=when, first_presented_on=when.date()
    )
    return earlier


def _repeat_figure(page, base):
    page.goto(f"{base}/dashboard/")
    card = page.locator("article.figure", has_text="Repeat presentations")
    return card.locator(".figure-value").inner_text()


def test_a_repeat_is_seen_linked_and_counted(page, live_server, cast, sign_in_as, axe):
    earlier = _presented_at_scarborough(cast)
    base = live_server.url

    # The representative drafts; the person is typed her own way.
    sign_in_as(cast.alice)
    page.goto(f"{base}/sites/rex/situations/new/")
    page.get_by_label("Subject type").select_option("person")
    page.get_by_label("Age group").select_option("25-39")
    page.get_by_label("Gender").select_option("woman")
    page.get_by_label("De-identified narrative").fill("A woman at risk of losing her home.")
    page.get_by_role("group", name="Drugs").get_by_label("Drug use by person").check()
    page.get_by_role("button", name="Save draft").click()
    reference = page.locator("h1").inner_text().split()[0]
    expect(page.get_by_role("heading", name="Possible repeat")).to_have_count(0)
    page.get_by_role("button", name="Show identifying details").click()
    page.get_by_role("button", name="Add an affected person").click()
    page.get_by_label("Label").fill("Person A")
    page.get_by_label("Age group").select_option("25-39")
    page.get_by_label("Gender").select_option("woman")
    page.get_by_label(re.compile(r"^Name:?$")).fill("zoe lachance")
    page.locator("#id_date_of_birth").fill("1996-09-04")  # day and month the other way
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name="Possible repeat")).to_be_visible()
    expect(page.get_by_text("at 1 other table")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Submit to the next meeting").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted")
    # Past the draft, the representative no longer sees it: it is the chair's to decide.
    expect(page.get_by_role("heading", name="Possible repeat")).to_have_count(0)

    # The chair sees it at submission: Scarborough's name and chair, nothing of its record.
    page.context.clear_cookies()
    sign_in_as(cast.carol)
    page.goto(f"{base}/sites/rex/situations/{reference}/")
    panel = page.locator("section.repeat-signal")
    expect(panel).to_contain_text("presented here 0 times and at 1 other table")
    expect(panel).to_contain_text("FOCUS Scarborough")
    expect(panel).to_contain_text("sid@example.invalid")
    expect(page.get_by_text(earlier.reference)).to_have_count(0)
    expect(page.get_by_text("Scarborough's own account")).to_have_count(0)
    axe(page)

    # Accepted, not yet linked: no repeat counted. Linked: it counts.
    situation = Situation.objects.get(reference=reference)
    services.accept(
        cast.carol,
        situation,
        services.Assignment(lead=Agency.objects.get(short_name="CAC")),
        "obtained",
    )
    assert _repeat_figure(page, base) == "0%"
    axe(page)
    page.goto(f"{base}/sites/rex/situations/{reference}/")
    page.get_by_role("button", name="Link: the same person").click()
    expect(page.get_by_role("status")).to_contain_text("counts as a repeat")
    expect(page.locator("section.repeat-signal")).to_contain_text("Linked to 1 earlier")
    axe(page)
    assert _repeat_figure(page, base) == "100%"
