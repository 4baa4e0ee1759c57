"""Issue 13, item 1: administrators are accountable.

The finding, replayed: as an administrator, set a representative's password in the Django
admin, reset their second factor, sign in as them. Today nobody sets another person's password,
every administrative act on a person is on the privacy officer's trail with who did it, the
person is told of the ones that could let someone else in, and the Django admin keeps the app's
guards (the policy's PERSON rules).
"""

import re

import pytest
from auditlog.models import LogEntry
from django.contrib.sessions.models import Session
from django.core import mail
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, Membership, User
from agencies.services import Act
from tests.conftest import MARKER, PASSWORD, VerifiedClient
from tests.factories import UserFactory


def _admin_url(person, page="change"):
    return f"/admin/agencies/user/{person.pk}/{page}/"


def _acts(person) -> list[tuple[str, str | None]]:
    """(act, actor) for every administrative act recorded on the person, oldest first."""
    entries = LogEntry.objects.get_for_object(person).order_by("timestamp", "pk")
    return [(Act.of(e).value, e.actor.username if e.actor else None) for e in entries if Act.of(e)]


def _trail_rows(client, polly) -> list[str]:
    client.force_login(polly)
    body = client.get("/privacy/audit/").content.decode()
    return [re.sub(r"\s+", " ", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _admin_change_data(person, **overrides):
    """What the Django admin's change form posts for a person, seats included."""
    seats = list(person.memberships.all())
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "agency": person.agency_id or "",
        "memberships-TOTAL_FORMS": str(len(seats)),
        "memberships-INITIAL_FORMS": str(len(seats)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for flag in ("is_steering", "is_administrator", "is_privacy_officer", "is_active"):
        if getattr(person, flag):
            data[flag] = "on"
    for n, seat in enumerate(seats):
        data.update(
            {
                f"memberships-{n}-id": seat.pk,
                f"memberships-{n}-user": person.pk,
                f"memberships-{n}-site": seat.site_id,
                f"memberships-{n}-role": seat.role,
            }
        )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def root(db):
    return UserFactory(username="root", agency=None, is_superuser=True)


@pytest.fixture
def ada(db):
    """A second administrator."""
    return UserFactory(username="ada", agency=None, is_administrator=True)


# ---- No one sets another person's password ----------------------------------------------------


def test_the_admin_has_no_page_to_set_someone_elses_password(client, cast):
    client.force_login(cast.adam)
    new = "chosen by the administrator 1"
    # Django's admin redirects any unknown ".../<id>/<word>/" to a change page, here of an
    # object whose id is "<id>/password": none.
    assert client.get(_admin_url(cast.bob, "password"), follow=True).status_code == 404
    response = client.post(
        _admin_url(cast.bob, "password"),
        {"password1": new, "password2": new, "usable_password": "true"},
        follow=True,
    )
    assert response.status_code == 404
    cast.bob.refresh_from_db()
    assert cast.bob.check_password(PASSWORD) and not cast.bob.check_password(new)


def test_no_admin_or_in_app_person_form_has_a_password_field(client, cast):
    client.force_login(cast.adam)
    for path in (
        _admin_url(cast.bob),
        "/admin/agencies/user/add/",
        "/people/bob/",
        "/people/new/",
    ):
        body = client.get(path).content.decode()
        assert not re.search(r'name="(password|password1|password2|usable_password)"', body), path
        assert "/password/" not in body, path


def test_a_person_added_in_the_admin_gets_no_password_and_an_invitation(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    client.force_login(cast.adam)
    comh = Agency.objects.get(short_name="COMH")
    data = {
        "username": "dana",
        "first_name": "Dana",
        "last_name": "Okafor",
        "email": "dana@example.invalid",
        "agency": comh.pk,
        "is_active": "on",
        "password": "sneaked in",
        "password1": "sneaked in",
        "password2": "sneaked in",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-site": cast.rex.pk,
        "memberships-0-role": Membership.Role.REPRESENTATIVE,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/agencies/user/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    dana = User.objects.get(username="dana")
    assert not dana.has_usable_password()
    assert dana.memberships.get().site == cast.rex
    assert _acts(dana) == [(Act.INVITED, "adam")]
    [invitation] = mail.outbox
    assert invitation.to == ["dana@example.invalid"]
    assert "/accounts/reset/" in invitation.body and "Adam" in invitation.body


# ---- Every act is on the trail, with its actor; the person is told ---------------------------


def test_the_findings_replay_leaves_a_trace_the_privacy_officer_reads(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    """The issue's sequence: reset bob's second factor, then (instead of setting his
    password) send him a link. Both are on /privacy/audit/ under adam's name, and bob is told
    of both at his own address."""
    TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    client.force_login(cast.adam)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/people/bob/reset-mfa/").status_code == 302
        assert client.post("/people/bob/invite/").status_code == 302
    assert _acts(cast.bob) == [(Act.FACTORS_RESET, "adam"), (Act.RESET_LINK, "adam")]

    rows = _trail_rows(client, cast.polly)
    assert any("adam" in r and "Two-step sign-in reset" in r and "Bob" in r for r in rows)
    assert any("adam" in r and "Password reset link sent" in r and "Bob" in r for r in rows)

    assert [m.to for m in mail.outbox] == [["bob@example.invalid"], ["bob@example.invalid"]]
    notice, link = mail.outbox
    assert "Two-step sign-in reset" in notice.body and "Adam" in notice.body
    assert "/accounts/reset/" in link.body and "Adam" in link.body


def test_the_emails_about_an_account_carry_no_case_data(
    client, cast, story, django_capture_on_commit_callbacks, run_tasks
):
    client.force_login(cast.adam)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/people/alice/reset-mfa/")
        client.post("/people/alice/invite/")
    assert len(mail.outbox) == 2
    references = [s.reference for s in (story.draft, story.submitted, story.open)]
    for message in mail.outbox:
        assert MARKER not in message.body
        assert not any(reference in message.body for reference in references)


def test_role_seat_agency_and_activation_changes_in_the_app_are_each_audited(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    from tests.test_people import _form

    client.force_login(cast.adam)
    cac = Agency.objects.get(short_name="CAC")
    alice = cast.alice
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/people/alice/",
            _form(
                first_name="Alice",
                last_name=alice.last_name,
                username="alice",
                email=alice.email,
                agency=cac.pk,
                version=alice.version,
                is_active="",
                **{"seats-0-site": cast.rex.pk, "seats-0-role": Membership.Role.CHAIR},
            ),
        )
    assert response.status_code == 302, response.content.decode()
    assert sorted(_acts(alice)) == sorted(
        [
            (Act.AGENCY_CHANGED, "adam"),
            (Act.SEATS_CHANGED, "adam"),
            (Act.DEACTIVATED, "adam"),
        ]
    )
    assert mail.outbox == []  # none of these is one the person is told of

    steve = cast.steve
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/people/steve/",
            _form(
                first_name="Steve",
                last_name=steve.last_name,
                username="steve",
                email=steve.email,
                is_steering="on",
                is_privacy_officer="on",
                version=steve.version,
            ),
        )
    assert _acts(steve) == [(Act.ROLE_CHANGED, "adam")]
    [notice] = mail.outbox
    assert notice.to == ["steve@example.invalid"] and "Role changed" in notice.body


def test_an_email_change_is_told_to_the_address_the_account_had(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    from tests.test_people import _form

    client.force_login(cast.adam)
    bob = cast.bob
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/people/bob/",
            _form(
                first_name=bob.first_name,
                last_name=bob.last_name,
                username="bob",
                email="adams-own-mailbox@example.invalid",
                agency=bob.agency_id,
                version=bob.version,
                # As the page posts it: bob's one seat is an initial form, unchanged.
                **{"seats-0-site": cast.rex.pk, "seats-INITIAL_FORMS": "1"},
            ),
        )
    assert _acts(bob) == [(Act.EMAIL_CHANGED, "adam")]
    [notice] = mail.outbox
    assert notice.to == ["bob@example.invalid"]


def test_acts_in_the_django_admin_are_audited_and_told_as_in_the_app(
    client, cast, root, django_capture_on_commit_callbacks, run_tasks
):
    client.force_login(cast.adam)
    steve = cast.steve
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_admin_url(steve), _admin_change_data(steve, is_administrator="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _acts(steve) == [(Act.ROLE_CHANGED, "adam")]
    assert [m.to for m in mail.outbox] == [["steve@example.invalid"]]

    # Only a superuser sees the superuser flag; making one is an act like any other.
    superuser = VerifiedClient()
    superuser.force_login(root)
    assert 'name="is_superuser"' not in client.get(_admin_url(steve)).content.decode()
    assert 'name="is_superuser"' in superuser.get(_admin_url(steve)).content.decode()
    steve.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        superuser.post(_admin_url(steve), _admin_change_data(steve, is_superuser="on"))
    assert _acts(steve)[-1] == (Act.SUPERUSER_CHANGED, "root")
    assert len(mail.outbox) == 2

    rows = _trail_rows(client, cast.polly)
    assert any("root" in r and "Superuser status changed" in r for r in rows)
    assert any("adam" in r and "Role changed" in r for r in rows)


def test_deactivating_in_the_admin_is_audited_and_ends_every_session(client, cast):
    others = [VerifiedClient(), VerifiedClient()]
    for other in others:
        other.force_login(cast.bob)
    bystander = VerifiedClient()
    bystander.force_login(cast.carol)
    client.force_login(cast.adam)
    response = client.post(_admin_url(cast.bob), _admin_change_data(cast.bob, is_active=None))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _acts(cast.bob) == [(Act.DEACTIVATED, "adam")]
    owners = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(cast.bob.pk) not in owners
    assert str(cast.carol.pk) in owners and str(cast.adam.pk) in owners


def test_seat_changes_in_the_admin_are_audited(client, cast):
    client.force_login(cast.adam)
    data = _admin_change_data(cast.bob)
    data["memberships-0-role"] = Membership.Role.CO_CHAIR
    assert client.post(_admin_url(cast.bob), data).status_code == 302
    assert _acts(cast.bob) == [(Act.SEATS_CHANGED, "adam")]


# ---- The Django admin keeps the app's guards ---------------------------------------------------


@pytest.mark.parametrize("view", ["change", "password", "history", "delete"])
def test_a_superusers_admin_pages_answer_404_to_an_administrator(client, cast, root, view):
    client.force_login(cast.adam)
    assert client.get(_admin_url(root, view), follow=True).status_code == 404


def test_an_administrator_can_neither_see_nor_deactivate_a_superuser_in_the_admin(
    client, cast, root
):
    client.force_login(cast.adam)
    listing = client.get("/admin/agencies/user/").content.decode()
    assert "bob" in listing and ">root<" not in listing
    response = client.post(_admin_url(root), _admin_change_data(root, is_active=None))
    assert response.status_code == 404
    root.refresh_from_db()
    assert root.is_active and not _acts(root)


def test_a_superuser_still_manages_a_superuser_in_the_admin(root):
    other = UserFactory(username="root2", agency=None, is_superuser=True)
    client = VerifiedClient()
    client.force_login(other)
    assert client.get(_admin_url(root)).status_code == 200


def test_nobody_deletes_a_person_in_the_admin(client, cast, root):
    for who in (cast.adam, root):
        client.force_login(who)
        client.post(_admin_url(cast.bob, "delete"), {"post": "yes"})
        listing = client.get("/admin/agencies/user/").content.decode()
        assert "delete_selected" not in listing
    assert User.objects.filter(pk=cast.bob.pk).exists()


def _admin_action(client, action, *people):
    return client.post(
        "/admin/agencies/user/",
        {"action": action, "_selected_action": [p.pk for p in people], "index": "0"},
    )


def test_the_admin_resets_factors_only_where_the_policy_allows(client, cast, ada):
    for person in (cast.bob, ada):
        TOTPDevice.objects.create(user=person, name="authenticator", confirmed=True)
    client.force_login(cast.adam)
    response = _admin_action(client, "reset_two_step_sign_in", cast.bob, ada)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.bob).exists()
    assert TOTPDevice.objects.filter(user=ada).exists()  # another administrator's: refused
    assert _acts(cast.bob) == [(Act.FACTORS_RESET, "adam")]
    assert _acts(ada) == []
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Not allowed for" in m and str(ada) in m for m in messages)


def test_the_admin_sends_links_and_audits_them(client, cast):
    client.force_login(cast.adam)
    assert _admin_action(client, "send_password_links", cast.bob).status_code == 302
    assert _acts(cast.bob) == [(Act.RESET_LINK, "adam")]


# ---- TOTP secrets and recovery codes are never shown after enrolment -------------------------


def test_the_admin_shows_no_totp_secret_and_no_recovery_code(root, cast):
    totp = TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    # A static device as today's main made them: its tokens were visible in the admin.
    static = StaticDevice.objects.create(user=cast.bob, name="recovery")
    StaticToken.objects.create(device=static, token="deadbeef01")
    client = VerifiedClient()
    client.force_login(root)
    for path in (
        f"/admin/otp_totp/totpdevice/{totp.pk}/config/",
        f"/admin/otp_totp/totpdevice/{totp.pk}/change/",
        f"/admin/otp_static/staticdevice/{static.pk}/change/",
        "/admin/access/recoverycodedevice/",
    ):
        assert client.get(path).status_code == 404, path
    index = client.get("/admin/").content.decode()
    assert totp.key not in index and "deadbeef01" not in index


def test_a_services_changes_name_their_actor_outside_a_request(cast):
    from agencies import services

    services.update_person(
        cast.adam, cast.bob, fields={"first_name": "Robert"}, seats=[], version=cast.bob.version
    )
    changes = LogEntry.objects.get_for_object(cast.bob).filter(
        action=LogEntry.Action.UPDATE, additional_data__isnull=True
    )
    assert changes.exists() and all(e.actor == cast.adam for e in changes)
