import pytest
from django.urls import reverse

from barriers import services
from barriers.models import Barrier, BarrierAction, BarrierCategory, BarrierLink
from tests.conftest import make_situation


@pytest.fixture
def barrier(cast, story):
    housing = BarrierCategory.objects.get(name="Housing and shelter capacity")
    b = services.raise_barrier(
        cast.alice, cast.rex, housing, "No youth shelter bed north of the 401.", story.open
    )
    services.link(cast.carol, story.submitted, b)
    return b


def _link_url(situation):
    return reverse("situation_barriers", kwargs={"code": "rex", "reference": situation.reference})


def test_counts_are_exact_for_the_table_and_suppressed_for_the_steering_committee(
    client, cast, story, barrier
):
    client.force_login(cast.erin)
    body = client.get(barrier.get_absolute_url()).content.decode()
    assert "<dd>2</dd>" in body
    client.force_login(cast.steve)
    body = client.get(barrier.get_absolute_url()).content.decode()
    assert "<dd>&lt;5</dd>" in body and "<dd>2</dd>" not in body
    register = client.get("/barriers/").content.decode()
    assert barrier.reference in register and "&lt;5" in register


def test_evidence_counts_per_site_and_month(cast, story, barrier):
    counts = services.evidence([barrier])[barrier.pk]
    assert counts["total"] == 2
    assert [(c["site"], c["n"]) for c in counts["cells"]] == [("REX", 2)]


@pytest.mark.parametrize("who", ["alice", "erin", "carol", "steve"])
def test_no_page_of_a_barrier_says_which_situations_it_touched(client, cast, story, barrier, who):
    client.force_login(getattr(cast, who))
    pages = [
        barrier.get_absolute_url(),
        "/barriers/",
        "/barriers/report/",
        "/barriers/report/?format=csv",
    ]
    if who == "steve":
        pages.append("/dashboard/")
    for page in pages:
        body = client.get(page).content.decode()
        for situation in (story.open, story.submitted):
            assert situation.reference not in body, (who, page)


def test_people_outside_the_sites_do_not_see_the_barrier(client, cast, barrier):
    for who in ("charlie", "adam"):
        client.force_login(getattr(cast, who))
        assert client.get(barrier.get_absolute_url()).status_code == 404
    client.force_login(cast.adam)
    assert client.get("/barriers/").status_code == 404


def test_a_representative_raises_a_new_barrier_from_a_situation(client, cast, story):
    client.force_login(cast.erin)
    category = BarrierCategory.objects.get(name="After-hours availability")
    response = client.post(
        _link_url(story.open),
        {"category": category.pk, "description": "No crisis line after 11 pm."},
    )
    assert response.status_code == 302
    barrier = Barrier.objects.get()
    assert barrier.raised_by_agency == cast.erin.agency
    assert list(barrier.sites.values_list("code", flat=True)) == ["REX"]
    assert BarrierLink.objects.get().situation == story.open


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"category": "99999", "description": "x"}, "Select a valid choice."),
        ({"category": "", "description": ""}, "Choose a category for the new barrier."),
        ({"description": "   "}, "Describe the new barrier."),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(client, cast, story, data, message):
    client.force_login(cast.erin)
    body = client.post(_link_url(story.open), data).content.decode()
    assert message in body
    assert not Barrier.objects.exists() and not BarrierLink.objects.exists()


def test_a_situation_of_another_site_cannot_be_linked(client, cast, story, barrier):
    client.force_login(cast.charlie)
    assert client.post(_link_url(story.open), {"barrier": barrier.pk}).status_code == 404
    url = reverse("situation_barriers", kwargs={"code": "sca", "reference": story.open.reference})
    assert client.post(url, {"barrier": barrier.pk}).status_code == 404
    assert BarrierLink.objects.count() == 2


def test_a_barrier_of_another_site_cannot_be_chosen_by_a_tampered_id(client, cast, story):
    from tests.factories import MembershipFactory, UserFactory

    other_rep = UserFactory(agency=cast.charlie.agency)
    MembershipFactory(user=other_rep, site=cast.sca)
    elsewhere = services.raise_barrier(
        cast.charlie, cast.sca, BarrierCategory.objects.first(), "Scarborough only."
    )
    client.force_login(cast.erin)
    body = client.post(_link_url(story.open), {"barrier": elsewhere.pk}).content.decode()
    assert "Select a valid choice." in body
    assert not BarrierLink.objects.exists()


def test_the_steering_committee_steers_and_members_cannot(client, cast, barrier):
    url = barrier.get_absolute_url()
    client.force_login(cast.alice)
    assert client.post(url, {"action": "record", "record-text": "x"}).status_code == 404
    client.force_login(cast.steve)
    client.post(
        url, {"action": "owner", "owner-owner": "steering", "owner-version": barrier.version}
    )
    barrier.refresh_from_db()
    client.post(
        url, {"action": "status", "status-status": "agreed", "status-version": barrier.version}
    )
    client.post(
        url, {"action": "record", "record-text": "Fund 10 youth beds.", "record-decision": "on"}
    )
    barrier.refresh_from_db()
    assert barrier.owned_by_steering and barrier.status == Barrier.Status.AGREED
    assert barrier.actions.filter(
        kind=BarrierAction.Kind.DECISION, text="Fund 10 youth beds."
    ).exists()
    stale = client.post(url, {"action": "status", "status-status": "resolved", "status-version": 1})
    assert "Someone else saved a change" in stale.content.decode()
    client.force_login(cast.alice)  # the representative who raised it sees the new status
    assert "Action agreed" in client.get(url).content.decode()


def test_the_quarterly_report_lists_evidence_decisions_and_age(client, cast, barrier):
    services.record(cast.steve, barrier, "Escalated to the City.", decision=True)
    client.force_login(cast.steve)
    csv_text = client.get("/barriers/report/?format=csv").content.decode()
    assert (
        barrier.reference in csv_text and "<5" in csv_text and "Escalated to the City." in csv_text
    )
    page = client.get("/barriers/report/").content.decode()
    assert barrier.reference in page


def test_the_dashboard_shows_open_barriers_by_category(client, cast, barrier):
    client.force_login(cast.carol)
    body = client.get("/dashboard/").content.decode()
    assert "Open barriers: situations touched, by category" in body
    assert "Housing and shelter capacity" in body


def test_linking_twice_counts_once(cast, story, barrier):
    assert services.link(cast.alice, story.open, barrier) is False
    assert services.evidence([barrier])[barrier.pk]["total"] == 2


def test_drafts_cannot_be_linked(cast, barrier):
    from core.errors import NotFound

    draft = make_situation(cast)
    with pytest.raises(NotFound):
        services.link(cast.alice, draft, barrier)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        # register, detail, raise form at REX, quarterly report, link form of an open situation
        ("alice", [200, 200, 200, 200, 200]),
        ("erin", [200, 200, 200, 200, 200]),
        ("carol", [200, 200, 200, 200, 200]),
        ("charlie", [200, 404, 404, 200, 404]),  # another site: sees only its own register
        ("steve", [200, 200, 404, 200, 404]),  # steering: reviews, does not raise or link
        ("adam", [404, 404, 404, 404, 404]),  # administrators: no case-derived content
        (None, [302, 302, 302, 302, 302]),
    ],
)
def test_barrier_permission_matrix(client, cast, story, barrier, who, expected):
    if who is not None:
        client.force_login(getattr(cast, who))
    urls = [
        "/barriers/",
        barrier.get_absolute_url(),
        "/barriers/new/?site=REX",
        "/barriers/report/",
        _link_url(story.open),
    ]
    assert [client.get(url).status_code for url in urls] == expected
    if who not in ("steve",):
        steer = client.post(barrier.get_absolute_url(), {"action": "record", "record-text": "x"})
        assert steer.status_code in (302, 404) and not barrier.actions.filter(text="x").exists()
