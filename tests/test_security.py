"""OWASP ASVS level 2 protections; each test fails if its protection is removed."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.mfa import issue_recovery_codes
from access.models import RecoveryCode
from tests.conftest import PASSWORD


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=offset):06d}"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


# ---- MFA ---------------------------------------------------------------------------------------


def test_first_sign_in_enrols_a_totp_device_and_issues_recovery_codes(cast):
    client = Client()
    sign_in(client, "alice")
    response = client.get("/sites/rex/situations/")
    assert response["Location"].startswith("/accounts/mfa/setup/")
    page = client.get(response["Location"]).content.decode()
    assert "Set up two-step sign-in" in page and "data:image/svg+xml" in page
    device = TOTPDevice.objects.get(user=cast.alice, confirmed=False)
    wrong = client.post("/accounts/mfa/setup/", {"code": "000000"}).content.decode()
    assert "That code did not match" in wrong
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # after the throttle
        done = client.post("/accounts/mfa/setup/", {"code": code_for(device)}).content.decode()
    assert "Your recovery codes" in done
    assert RecoveryCode.objects.filter(device__user=cast.alice).count() == 10
    assert client.get("/sites/rex/situations/").status_code == 200


def test_an_enrolled_person_must_give_a_code_at_every_sign_in(cast):
    device = TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    client = Client()
    sign_in(client, "bob")
    assert client.get("/")["Location"].startswith("/accounts/mfa/verify/")
    assert client.get("/my/situations/")["Location"].startswith("/accounts/mfa/verify/")
    bad = client.post("/accounts/mfa/verify/", {"code": "123456"})
    assert "That code did not match." in bad.content.decode()
    device.refresh_from_db()
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # after the throttle
        ok = client.post("/accounts/mfa/verify/?next=/my/situations/", {"code": code_for(device)})
    assert ok["Location"] == "/my/situations/"
    assert client.get("/my/situations/").status_code == 200


def test_a_recovery_code_works_once(cast):
    TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    codes = issue_recovery_codes(cast.bob)
    for expected in (302, 200):
        client = Client()
        sign_in(client, "bob")
        response = client.post("/accounts/mfa/verify/", {"code": codes[0]})
        assert response.status_code == expected


def test_verify_never_redirects_off_site(cast):
    device = TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    client = Client()
    sign_in(client, "bob")
    response = client.post(
        "/accounts/mfa/verify/?next=https://evil.example/", {"code": code_for(device)}
    )
    assert response["Location"] == "/"


def test_an_administrator_resets_a_persons_factors(client, cast):
    TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    issue_recovery_codes(cast.bob)
    client.force_login(cast.adam)
    assert client.post("/people/bob/reset-mfa/").status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.bob).exists()
    other = Client()
    sign_in(other, "bob")
    assert other.get("/")["Location"].startswith("/accounts/mfa/setup/")


def test_only_administrators_reset_factors(client, cast):
    TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    client.force_login(cast.carol)
    assert client.post("/people/bob/reset-mfa/").status_code == 404
    assert TOTPDevice.objects.filter(user=cast.bob).exists()


# ---- Lockout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["alice", "nobody-at-all"])
def test_repeated_failures_lock_the_username_and_address_pair(cast, username):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        sign_in(client, username, "wrong password")
    locked = sign_in(client, username, PASSWORD if username == "alice" else "x")
    assert "Too many attempts" in locked.content.decode()
    # Another address is not locked out: the pair is.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    if username == "alice":
        assert sign_in(elsewhere, "alice")["Location"] == "/"
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        if username == "alice":
            assert sign_in(client, "alice")["Location"] == "/"


def test_fewer_failures_do_not_lock(cast):
    client = Client()
    for _ in range(4):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice")["Location"] == "/"


# ---- Sessions ----------------------------------------------------------------------------------


def test_an_idle_session_ends_after_thirty_minutes(client, cast):
    client.force_login(cast.steve)
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 31)):
        assert client.get("/")["Location"].startswith("/accounts/login/")
        assert client.get("/")["Location"].startswith("/accounts/login/")  # really signed out


def test_an_active_session_still_ends_at_the_absolute_timeout(client, cast, settings):
    client.force_login(cast.steve)
    client.get("/")
    start = timezone.now()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/").status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=5)):
        assert client.get("/")["Location"].startswith("/accounts/login/")


def test_the_meeting_poll_does_not_keep_an_idle_session_alive(client, cast):
    from meetings.services import ensure_next_meeting

    meeting = ensure_next_meeting(cast.rex)
    client.force_login(cast.erin)
    client.get("/")
    start = timezone.now()
    for minutes in (10, 20, 29):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            client.get(meeting.get_absolute_url() + "agenda/?since=0")
    with time_machine.travel(start + timedelta(minutes=31)):
        response = client.get(
            meeting.get_absolute_url() + "agenda/", headers={"HX-Request": "true"}
        )
        assert response["HX-Redirect"].startswith("/accounts/login/")


def test_session_cookies_are_http_only_and_secure_in_production():
    import focus.settings as production

    assert production.SESSION_COOKIE_HTTPONLY is True
    assert production.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert production.SESSION_IDLE_SECONDS == 30 * 60


# ---- Headers -----------------------------------------------------------------------------------


def test_csp_has_a_nonce_and_no_inline_allowance(client, cast):
    client.force_login(cast.alice)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_every_signed_in_page_is_no_store_and_has_the_other_headers(client, cast):
    client.force_login(cast.alice)
    for path in ("/", "/sites/rex/", "/sites/rex/situations/", "/my/situations/"):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_is_sent_over_https(client, db):
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


# ---- CSRF on every POST ------------------------------------------------------------------------


def _post_routes():
    import re

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace != "admin":
                    yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield entry.name or str(entry.pattern), prefix + str(entry.pattern)

    for name, route in walk(get_resolver().url_patterns):
        path = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", route)
        yield name, "/" + re.sub(r"<(?:\w+:)?\w+>", "sample", path)


@pytest.mark.parametrize(("name", "path"), sorted(set(_post_routes())))
def test_csrf_is_enforced_on_every_post(cast, name, path):
    from tests.conftest import verify_second_factor

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.carol)
    verify_second_factor(client, cast.carol)
    assert client.post(path, {"anything": "1"}).status_code == 403, name
