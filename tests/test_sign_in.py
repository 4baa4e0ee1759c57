import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.test import override_settings

import focus.settings
from tests.conftest import PASSWORD

GENERIC_LOGIN_ERROR = "Please enter a correct username and password"


def test_everyone_needs_a_second_factor_steering_included(client, cast):
    # Steering aggregates can re-identify people in a small community: a password is not
    # enough for anyone.
    for who in ("steve", "adam", "polly", "alice"):
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": who, "password": PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/accounts/mfa/setup/?next=/", who
        assert client.get("/").status_code == 302, who


def test_a_wrong_password_gets_a_clear_message_that_names_no_account(client, cast):
    wrong = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    unknown = client.post("/accounts/login/", {"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC_LOGIN_ERROR in wrong.content.decode()
    assert GENERIC_LOGIN_ERROR in unknown.content.decode()


def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(client, cast):
    cast.alice.is_active = False
    cast.alice.save()
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert GENERIC_LOGIN_ERROR in response.content.decode()


def test_an_empty_sign_in_form_says_what_is_missing(client, db):
    body = client.post("/accounts/login/", {}).content.decode()
    assert body.count("This field is required.") == 2
    assert "Please correct the problems below." in body


def test_next_cannot_send_a_person_off_site(client, cast):
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_sign_out_needs_a_post_and_ends_the_session(client, cast):
    client.force_login(cast.alice)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_a_reset_for_an_unknown_address_looks_exactly_like_one_for_a_known_address(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password_reset/", {"email": "alice@example.invalid"})
        unknown = client.post("/accounts/password_reset/", {"email": "ghost@example.invalid"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    page = client.get(known["Location"]).content.decode()
    assert "If the address you entered belongs to an account" in page
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.invalid"]


def test_a_reset_with_a_malformed_address_says_so(client, db):
    body = client.post("/accounts/password_reset/", {"email": "not an email"}).content.decode()
    assert "Enter a valid email address." in body


def test_the_reset_link_lets_a_person_choose_a_password_and_sign_in(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password_reset/", {"email": "alice@example.invalid"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    new = "a brand new passphrase 42"
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    response = client.post("/accounts/login/", {"username": "alice", "password": new})
    assert response.status_code == 302 and response["Location"] == "/"


def test_password_change_ends_other_sessions(client, cast):
    from tests.conftest import VerifiedClient

    other = VerifiedClient()
    other.force_login(cast.alice)
    client.force_login(cast.alice)
    new = "another fresh passphrase 7"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session was kept (and stays verified)
    assert other.get("/")["Location"].startswith("/accounts/login/")


def test_production_hashes_passwords_with_argon2():
    assert focus.settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=focus.settings.PASSWORD_HASHERS)
def test_a_stored_password_is_an_argon2_hash(cast):
    cast.alice.set_password(PASSWORD)
    assert identify_hasher(cast.alice.password).algorithm == "argon2"


def test_htmx_requests_with_an_expired_session_redirect_the_whole_page(client, db):
    response = client.get(
        "/people/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/people/?q=x"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/people/%3Fq%3Dx"
