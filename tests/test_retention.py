from datetime import timedelta

import time_machine
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from situations import services
from situations.models import IdentifyingDetails, Situation
from situations.tasks import purge_expired_identities
from tests.conftest import MARKER, accept, make_situation


def _database_text() -> str:
    """Everything in the identity and audit tables, as stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT full_name, location, contact_notes FROM situations_identifyingdetails"
        )
        identity = " ".join(str(v) for row in cursor.fetchall() for v in row)
        cursor.execute(
            "SELECT changes_text, changes, object_repr, additional_data FROM auditlog_logentry"
        )
        audit = " ".join(str(v) for row in cursor.fetchall() for v in row)
    return identity + " " + audit


def _conclude(cast):
    from situations.models import ConclusionReason

    situation = accept(cast, services.submit(cast.alice, make_situation(cast)))
    return services.conclude(
        cast.carol, situation, ConclusionReason.objects.filter(outcome="lowered")[0]
    )


def test_after_rejection_no_identifying_row_and_no_plaintext_in_the_audit_table(cast):
    situation = services.reject(
        cast.carol, services.submit(cast.alice, make_situation(cast)), "not_aer"
    )
    assert not IdentifyingDetails.objects.filter(person__situation=situation).exists()
    assert MARKER not in _database_text()


def test_identity_is_purged_after_the_sites_retention_period(cast):
    situation = _conclude(cast)
    days = cast.rex.retention_days
    with time_machine.travel(timezone.now() + timedelta(days=days) - timedelta(minutes=1)):
        assert purge_expired_identities() == 0
    assert IdentifyingDetails.objects.filter(person__situation=situation).exists()
    with time_machine.travel(timezone.now() + timedelta(days=days, minutes=1)):
        assert purge_expired_identities() == 1
        assert purge_expired_identities() == 0  # catching up twice is harmless
    situation.refresh_from_db()
    assert situation.identity_purged_at is not None
    assert not IdentifyingDetails.objects.exists()
    assert MARKER not in _database_text()
    assert not Situation.objects.restrict(cast.bob, "view_identity").exists()
    assert situation.affected_persons.exists()  # the de-identified record stays for statistics


def test_each_purge_leaves_an_audit_entry(cast):
    situation = _conclude(cast)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        purge_expired_identities()
    entries = LogEntry.objects.get_for_object(situation).filter(action=LogEntry.Action.UPDATE)
    assert any("identity_purged_at" in (e.changes_dict or {}) for e in entries)


def test_retention_is_a_per_site_setting(cast):
    cast.rex.retention_days = 7
    cast.rex.save()
    situation = _conclude(cast)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert purge_expired_identities() == 1
    situation.refresh_from_db()
    assert situation.identity_purged_at is not None


def test_check_access_passes_when_grants_match_and_fails_on_drift(cast, story):
    import pytest
    from django.core.management import CommandError
    from guardian.shortcuts import assign_perm

    call_command("check_access", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assign_perm("situations.view_identity", cast.erin.agency.group, story.open)
    with pytest.raises(CommandError, match="1 grant"):
        call_command("check_access", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_keys_rotate_without_losing_a_detail(cast, settings):
    from cryptography.fernet import Fernet

    from situations.crypto import _fernet

    make_situation(cast)
    old = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    _fernet.cache_clear()
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old key is gone
    _fernet.cache_clear()
    assert IdentifyingDetails.objects.get().full_name.startswith(MARKER)
    settings.FIELD_ENCRYPTION_KEYS = old
    _fernet.cache_clear()
