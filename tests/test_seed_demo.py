import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agencies.models import Agency, Membership, Site, User


@pytest.mark.django_db
def test_seed_demo_builds_the_six_focus_tables_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Site.objects.count(), Agency.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Site.objects.count(), Agency.objects.count(), User.objects.count()) == counts
    assert set(Site.objects.values_list("code", flat=True)) == {
        "REX",
        "SCA",
        "DTE",
        "DTW",
        "BLC",
        "YRK",
    }
    assert Site.objects.get(code="SCA").police_divisions == "41, 42, 43"
    assert counts[1] >= 30
    roles = {
        (
            person.agency_id is None,
            person.is_steering,
            person.is_administrator,
            person.is_privacy_officer,
        )
        for person in User.objects.all()
    }
    # Agency members, steering members, an administrator and a privacy officer.
    assert roles == {
        (False, False, False, False),
        (True, True, False, False),
        (True, False, True, False),
        (True, False, False, True),
    }
    seats = set(Membership.objects.values_list("role", flat=True))
    assert seats == {"chair", "co_chair", "representative"}
    assert User.objects.get(username="chair.rex").check_password("focus-demo-2026")
    # The disclosure ledger, written by the services the seed goes through: both bases, a
    # consent history that changed, and a lead agency that said the person was told.
    from ledger.models import ConsentRecord, Disclosure, TellingRecord

    assert set(Disclosure.objects.values_list("basis", flat=True)) == {
        "own_record",
        "consent",
        "acute_risk",
    }
    assert Disclosure.objects.filter(closed_because="concluded").exists()
    assert ConsentRecord.objects.filter(status="given", recorded_by__agency__short_name="CAC")
    assert TellingRecord.objects.filter(outcome="told").count() == 6  # one per site


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
