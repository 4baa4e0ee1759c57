import pytest
from django.contrib.auth.models import Group
from django.core import mail

from agencies.models import Agency, Membership, User
from tests.factories import AgencyFactory


def _form(**overrides):
    data = {
        "first_name": "Dana",
        "last_name": "Okafor",
        "username": "dana",
        "email": "Dana@Example.invalid",
        "agency": "",
        "is_active": "on",
        "seats-TOTAL_FORMS": "2",
        "seats-INITIAL_FORMS": "0",
        "seats-MIN_NUM_FORMS": "0",
        "seats-MAX_NUM_FORMS": "20",
        "seats-0-site": "",
        "seats-0-role": Membership.Role.REPRESENTATIVE,
        "seats-1-site": "",
        "seats-1-role": Membership.Role.REPRESENTATIVE,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["alice", "carol", "steve"])
@pytest.mark.parametrize("path", ["/people/", "/people/new/", "/people/alice/"])
def test_only_administrators_reach_people_management(client, cast, who, path):
    client.force_login(getattr(cast, who))
    assert client.get(path).status_code == 404


def test_an_administrator_provisions_a_person_who_is_invited_by_email(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    client.force_login(cast.adam)
    agency = Agency.objects.get(short_name="COMH")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/people/new/",
            _form(agency=agency.pk, **{"seats-0-site": cast.rex.pk, "seats-0-role": "co_chair"}),
        )
    assert response.status_code == 302, response.content.decode()
    dana = User.objects.get(username="dana")
    assert dana.email == "dana@example.invalid"
    assert not dana.has_usable_password()
    assert list(dana.groups.all()) == [agency.group]
    assert dana.memberships.get().role == Membership.Role.CO_CHAIR
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["dana@example.invalid"]


def test_a_member_without_an_agency_is_refused_and_nothing_is_saved(client, cast):
    client.force_login(cast.adam)
    response = client.post("/people/new/", _form())
    assert response.status_code == 200
    assert (
        "Choose the person&#x27;s agency, or give them a role below." in response.content.decode()
    )
    assert not User.objects.filter(username="dana").exists()
    assert "Dana" in response.content.decode()  # what was typed is still there


def test_steering_members_cannot_be_given_seats(client, cast):
    client.force_login(cast.adam)
    response = client.post("/people/new/", _form(is_steering="on", **{"seats-0-site": cast.rex.pk}))
    assert "Only agency members sit at a site." in response.content.decode()
    assert not User.objects.filter(username="dana").exists()


def test_the_same_site_twice_is_refused(client, cast):
    client.force_login(cast.adam)
    agency = AgencyFactory()
    response = client.post(
        "/people/new/",
        _form(agency=agency.pk, **{"seats-0-site": cast.rex.pk, "seats-1-site": cast.rex.pk}),
    )
    assert "Each site can be listed only once." in response.content.decode()
    assert not User.objects.filter(username="dana").exists()


def test_a_duplicate_user_name_or_email_is_refused(client, cast):
    client.force_login(cast.adam)
    agency = AgencyFactory()
    body = client.post(
        "/people/new/", _form(agency=agency.pk, username="alice", email="ALICE@example.invalid")
    ).content.decode()
    assert "A user with that username already exists." in body
    assert "Person with this Email address already exists." in body


def test_moving_a_person_to_another_agency_moves_their_group(client, cast):
    client.force_login(cast.adam)
    cac = Agency.objects.get(short_name="CAC")
    alice = cast.alice
    response = client.post(
        "/people/alice/",
        _form(
            first_name="Alice",
            last_name=alice.last_name,
            username="alice",
            email=alice.email,
            agency=cac.pk,
            version=alice.version,
            **{"seats-0-site": cast.rex.pk},
        ),
    )
    assert response.status_code == 302
    assert list(User.objects.get(username="alice").groups.all()) == [cac.group]


def test_deactivating_a_person_removes_them_from_their_agency_group(cast):
    cast.alice.is_active = False
    cast.alice.save()
    assert not cast.alice.groups.exists()


def test_two_administrators_editing_the_same_person_do_not_overwrite_each_other(client, cast):
    client.force_login(cast.adam)
    alice = cast.alice
    base = {
        "last_name": alice.last_name,
        "username": "alice",
        "email": alice.email,
        "agency": alice.agency_id,
        "version": alice.version,
        "seats-0-site": cast.rex.pk,
    }
    first = client.post("/people/alice/", _form(first_name="Alicia", **base))
    assert first.status_code == 302
    second = client.post("/people/alice/", _form(first_name="Ally", **base))
    assert second.status_code == 200
    body = second.content.decode()
    assert "Someone else saved a change while you were editing" in body
    assert 'value="Ally"' in body  # the second editor's input is kept
    assert User.objects.get(username="alice").first_name == "Alicia"


def test_removing_a_seat_leaves_the_site(client, cast):
    client.force_login(cast.adam)
    alice = cast.alice
    client.post(
        "/people/alice/",
        _form(
            first_name="Alice",
            last_name=alice.last_name,
            username="alice",
            email=alice.email,
            agency=alice.agency_id,
            version=alice.version,
        ),
    )
    assert not Membership.objects.filter(user=alice).exists()


@pytest.mark.django_db
def test_an_agency_is_created_with_its_own_group():
    agency = Agency.objects.create(name="Harbour Shelter", short_name="HS", sector="housing")
    assert agency.group == Group.objects.get(name="agency:hs")


def test_the_people_list_searches(client, cast):
    client.force_login(cast.adam)
    body = client.get("/people/?q=charl").content.decode()
    assert "charlie" in body and ">bob<" not in body


def test_a_new_invitation_can_be_sent(client, cast, django_capture_on_commit_callbacks, run_tasks):
    client.force_login(cast.adam)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/people/alice/invite/").status_code == 302
    assert len(mail.outbox) == 1
    assert client.get("/people/alice/invite/").status_code == 405  # a GET never acts


def test_the_people_list_pages_by_fifty_and_keeps_the_search(client, cast):
    from tests.factories import UserFactory

    for n in range(60):
        UserFactory(username=f"page{n:02d}", last_name=f"Pager{n:02d}")
    client.force_login(cast.adam)
    body = client.get("/people/?q=page").content.decode()
    assert "Page 1 of 2" in body and 'href="?q=page&amp;page=2"' in body
    assert "Page 2 of 2" in client.get("/people/?q=page&page=2").content.decode()
