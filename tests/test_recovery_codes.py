"""Recovery codes are stored as password hashes, never in clear (issue 13, item 1)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

import focus.settings
from access.mfa import issue_recovery_codes
from access.models import RecoveryCode, RecoveryCodeDevice
from tests.conftest import PASSWORD


def test_recovery_codes_are_stored_only_as_hashes(cast):
    codes = issue_recovery_codes(cast.bob)
    digests = list(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(digests) == len(codes) == 10
    assert not any(code in digest for code in codes for digest in digests)
    assert not StaticToken.objects.exists()


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=focus.settings.PASSWORD_HASHERS)
def test_in_production_a_recovery_code_is_an_argon2_hash(cast):
    code = issue_recovery_codes(cast.bob)[0]
    device = RecoveryCodeDevice.objects.get(user=cast.bob)
    assert {identify_hasher(c.digest).algorithm for c in device.codes.all()} == {"argon2"}
    assert device.verify_token(code)
    assert device.codes.count() == 9


def test_a_recovery_code_matches_once_and_a_wrong_one_is_throttled(cast):
    codes = issue_recovery_codes(cast.bob)
    device = RecoveryCodeDevice.objects.get(user=cast.bob)
    assert device.verify_token(codes[3].upper())  # typed in capitals, or with spaces
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert not device.verify_token(codes[3])  # used
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert not device.verify_token(codes[4])  # right code, but too soon after a failure
    assert device.codes.count() == 9


def test_codes_kept_in_clear_before_are_hashed_by_the_migration(cast):
    static = StaticDevice.objects.create(user=cast.bob, name="recovery", confirmed=True)
    StaticToken.objects.bulk_create(
        [StaticToken(device=static, token=t) for t in ("0123456789", "abcdefabcd")]
    )
    migration = importlib.import_module("access.migrations.0002_hash_existing_recovery_codes")
    migration.hash_static_tokens(apps, None)
    assert not StaticDevice.objects.exists() and not StaticToken.objects.exists()
    device = RecoveryCodeDevice.objects.get(user=cast.bob)
    assert not device.codes.filter(digest__contains="0123456789").exists()
    assert device.verify_token("abcdefabcd")
    assert device.codes.count() == 1


def test_a_person_signs_in_with_a_hashed_recovery_code(cast):
    TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    code = issue_recovery_codes(cast.bob)[0]
    client = Client()
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert client.post("/accounts/mfa/verify/", {"code": code})["Location"] == "/"
    assert client.get("/my/situations/").status_code == 200
