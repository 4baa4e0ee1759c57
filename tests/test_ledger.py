"""The disclosure ledger: written by the services that disclose, one row per recipient and
class of information, closed (never deleted) when access ends, outliving the purge, and on
the legal basis that consent over time gives."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency
from core.errors import NotFound
from ledger.models import Basis, Closed, ConsentRecord, Disclosure, TellingRecord
from situations import services
from situations.models import ConclusionReason, IdentifyingDetails
from tests.conftest import make_situation

IDENTITY, NARRATIVE, PLAN = "identity", "narrative", "plan"


def agency(short_name):
    return Agency.objects.get(short_name=short_name)


def rows(situation, **filters):
    """(recipient, class) -> the rows, open and closed."""
    found = Disclosure.objects.filter(situation=situation, **filters)
    return Counter((d.recipient.short_name, d.info_class) for d in found)


def open_rows(situation):
    return set(rows(situation, closed_at__isnull=True))


def assign(lead, *assisting):
    return services.Assignment(lead=agency(lead), assisting=[agency(a) for a in assisting])


def accepted(cast, consent="obtained", reason="", lead="CAC", assisting=("CSHO",)):
    situation = services.submit(cast.alice, make_situation(cast))
    return services.accept(cast.carol, situation, assign(lead, *assisting), consent, reason)


def test_a_draft_opens_identity_and_narrative_to_its_agency_only(cast):
    situation = make_situation(cast)
    assert rows(situation) == {("COMH", IDENTITY): 1, ("COMH", NARRATIVE): 1}
    row = Disclosure.objects.get(situation=situation, info_class=IDENTITY)
    assert row.basis == Basis.OWN_RECORD
    assert row.opened_by == cast.alice
    # Submitting discloses nothing new: the table sees the de-identified record only.
    services.submit(cast.alice, situation)
    assert rows(situation) == {("COMH", IDENTITY): 1, ("COMH", NARRATIVE): 1}


def test_acceptance_opens_exactly_one_row_per_recipient_and_class(cast):
    situation = accepted(cast)
    assert rows(situation) == {
        ("COMH", IDENTITY): 1,
        ("COMH", NARRATIVE): 1,
        ("CAC", IDENTITY): 1,
        ("CAC", NARRATIVE): 1,
        ("CAC", PLAN): 1,
        ("CSHO", IDENTITY): 1,
        ("CSHO", NARRATIVE): 1,
        ("CSHO", PLAN): 1,
    }
    lead = Disclosure.objects.get(situation=situation, recipient=agency("CAC"), info_class=PLAN)
    assert lead.opened_by == cast.carol
    assert lead.opened_at == situation.accepted_at
    assert lead.basis == Basis.CONSENT
    assert lead.consent.status == "given"


def test_the_originating_agency_as_lead_keeps_its_rows_and_gains_only_the_plan(cast):
    situation = accepted(cast, lead="COMH", assisting=())
    assert rows(situation) == {
        ("COMH", IDENTITY): 1,
        ("COMH", NARRATIVE): 1,
        ("COMH", PLAN): 1,
    }


def test_repeated_grants_do_not_duplicate(cast):
    situation = accepted(cast)
    before = Disclosure.objects.count()
    services.reassign(cast.carol, situation, assign("CAC", "CSHO"))
    services.reassign(cast.carol, situation, assign("CAC", "CSHO"))
    services.sync_grants(situation, by=cast.carol)
    assert Disclosure.objects.count() == before


def test_the_database_refuses_a_second_open_row(cast):
    situation = make_situation(cast)
    row = Disclosure.objects.get(situation=situation, info_class=IDENTITY)
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_an_agency_added_later_gets_its_rows_and_one_removed_has_them_closed(cast):
    situation = accepted(cast)
    services.reassign(cast.carol, situation, assign("CAC", "CSHO", "CDSB"))
    assert rows(situation, recipient=agency("CDSB")) == {
        ("CDSB", IDENTITY): 1,
        ("CDSB", NARRATIVE): 1,
        ("CDSB", PLAN): 1,
    }
    services.reassign(cast.carol, situation, assign("CAC", "CDSB"))
    closed = Disclosure.objects.filter(situation=situation, recipient=agency("CSHO"))
    assert closed.count() == 3
    assert {(d.closed_because, d.closed_by) for d in closed} == {(Closed.REMOVED, cast.carol)}
    assert all(d.closed_at is not None for d in closed)
    # Added again: new rows, opened now; the closed ones stay as they were.
    services.reassign(cast.carol, situation, assign("CAC", "CSHO", "CDSB"))
    assert rows(situation, recipient=agency("CSHO")) == {
        ("CSHO", IDENTITY): 2,
        ("CSHO", NARRATIVE): 2,
        ("CSHO", PLAN): 2,
    }
    assert ("CSHO", PLAN) in open_rows(situation)


def test_conclusion_closes_the_plan_and_the_purge_closes_the_rest_which_survives(cast):
    situation = accepted(cast)
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    services.conclude(cast.carol, situation, reason)
    plan = Disclosure.objects.filter(situation=situation, info_class=PLAN)
    assert plan.count() == 2
    assert {d.closed_because for d in plan} == {Closed.CONCLUDED}
    assert open_rows(situation) == {
        (a, c) for a in ("COMH", "CAC", "CSHO") for c in (IDENTITY, NARRATIVE)
    }

    later = timezone.now() + timedelta(days=cast.rex.retention_days + 1)
    assert services.purge_identity(situation.pk, now=later)
    assert not IdentifyingDetails.objects.filter(person__situation=situation).exists()
    assert open_rows(situation) == set()
    purged = Disclosure.objects.filter(situation=situation, closed_because=Closed.PURGED)
    assert purged.count() == 6
    assert {(d.closed_at, d.closed_by) for d in purged} == {(later, None)}
    assert Disclosure.objects.filter(situation=situation).count() == 8  # every row kept


def test_rejection_and_withdrawal_close_every_row(cast):
    rejected = services.reject(
        cast.carol, services.submit(cast.alice, make_situation(cast)), "not_aer"
    )
    assert open_rows(rejected) == set()
    assert set(
        Disclosure.objects.filter(situation=rejected).values_list("closed_because", flat=True)
    ) == {Closed.REJECTED}
    withdrawn = services.withdraw(cast.alice, make_situation(cast))
    assert open_rows(withdrawn) == set()
    assert set(
        Disclosure.objects.filter(situation=withdrawn).values_list("closed_because", flat=True)
    ) == {Closed.WITHDRAWN}


def test_without_consent_the_basis_is_acute_risk_with_the_tables_record(cast):
    situation = accepted(cast, consent="not_obtained", reason="Seeking it would warn the abuser.")
    row = Disclosure.objects.get(situation=situation, recipient=agency("CAC"), info_class=PLAN)
    assert row.basis == Basis.ACUTE_RISK
    assert row.consent.status == "not_sought"
    assert row.consent.note == "Seeking it would warn the abuser."


def test_consent_over_time_is_the_basis_of_later_disclosures(cast):
    situation = accepted(cast)  # consent given at the table
    services.record_consent(cast.bob, situation, status="withdrawn", on_date=timezone.localdate())
    situation.refresh_from_db()
    assert situation.consent == "not_obtained"
    services.reassign(cast.carol, situation, assign("CAC", "CSHO", "CDSB"))
    added = Disclosure.objects.get(situation=situation, recipient=agency("CDSB"), info_class=PLAN)
    assert added.basis == Basis.ACUTE_RISK
    assert added.consent.status == "withdrawn"
    # The disclosures made while consent held keep the basis they were made on.
    lead = Disclosure.objects.get(situation=situation, recipient=agency("CAC"), info_class=PLAN)
    assert lead.basis == Basis.CONSENT
    statuses = list(ConsentRecord.objects.filter(situation=situation).values_list("status"))
    assert statuses == [("given",), ("withdrawn",)]


def test_consent_is_recorded_only_by_an_agency_holding_identity(cast):
    situation = accepted(cast)
    today = timezone.localdate()
    for outsider in (cast.erin, cast.carol, cast.charlie, cast.polly):
        with pytest.raises(NotFound):
            services.record_consent(outsider, situation, status="given", on_date=today)
    with pytest.raises(ValidationError):
        services.record_consent(cast.dave, situation, status="not_sought", on_date=today)
    with pytest.raises(ValidationError):
        services.record_consent(
            cast.dave, situation, status="given", on_date=today + timedelta(days=1)
        )
    services.record_consent(
        cast.dave, situation, status="not_sought", reason="safety", on_date=today
    )
    assert ConsentRecord.objects.filter(situation=situation).last().agency == agency("CSHO")


def test_only_the_lead_says_whether_the_person_was_told(cast):
    situation = accepted(cast)
    today = timezone.localdate()
    for other in (cast.alice, cast.dave, cast.carol):
        with pytest.raises(NotFound):
            services.record_told(other, situation, outcome="told", told_on=today)
    with pytest.raises(ValidationError):
        services.record_told(cast.bob, situation, outcome="told")
    services.record_told(cast.bob, situation, outcome="not_safe", told_on=today)
    record = TellingRecord.objects.get(situation=situation)
    assert record.told_on is None  # a reason, not a date
    services.record_told(cast.bob, situation, outcome="told", told_on=today)
    assert TellingRecord.objects.filter(situation=situation).count() == 2


def test_the_chairs_worklist_lists_concluded_situations_nobody_said_were_told(client, cast):
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    told = services.conclude(cast.carol, accepted(cast), reason)
    untold = services.conclude(cast.carol, accepted(cast), reason)
    still_open = accepted(cast)
    services.record_told(cast.bob, told, outcome="unreachable")
    client.force_login(cast.carol)
    page = client.get("/").content.decode()
    section = page[page.index('class="untold"') :]
    section = section[: section.index("</ul>")]
    assert untold.reference in section
    assert told.reference not in section
    assert still_open.reference not in section


def _quarter_figures(cast, suppressed):
    from dashboard import metrics
    from situations.models import Situation

    today = timezone.localdate()
    start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    return metrics.compute(
        Situation.objects.filter(site=cast.rex), start, today, suppressed=suppressed
    )


def test_the_dashboard_counts_situations_by_basis_and_whether_the_person_was_told(cast):
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    for _ in range(3):
        accepted(cast)  # consent given at the table
    without = [accepted(cast, consent="not_obtained", reason="Unsafe to ask.") for _ in range(2)]
    told = services.conclude(cast.carol, without[0], reason)
    # Answered twice: unreachable at first, told later. The latest record is the answer.
    services.record_told(cast.bob, told, outcome="unreachable")
    services.record_told(cast.bob, told, outcome="told", told_on=timezone.localdate())
    services.conclude(cast.carol, without[1], reason)
    # An agency added later, after consent was withdrawn: acute risk, same situation counted once.
    consented = accepted(cast)
    services.record_consent(cast.bob, consented, status="withdrawn", on_date=timezone.localdate())
    services.reassign(cast.carol, consented, assign("CAC", "CSHO", "CDSB"))

    exact = _quarter_figures(cast, suppressed=False)
    basis = {label: cell.value for label, cell in exact.table("disclosure_basis").rows}
    assert basis == {"Consent obtained": 3, "Acutely elevated risk, without consent": 3}
    assert exact.table("disclosure_basis").total.value == 6
    told_rows = {label: cell.value for label, cell in exact.table("told").rows}
    assert told_rows["Told that their information was shared"] == 1
    assert told_rows.get("Not told: could not be reached", 0) == 0
    assert told_rows["Not recorded"] == 1
    # The steering committee: the same small-cell control as every figure.
    steering = _quarter_figures(cast, suppressed=True)
    shown = (
        []
        if steering.withheld
        else [cell.display for _label, cell in steering.table("disclosure_basis").rows]
    )
    assert steering.withheld or (shown and set(shown) <= {"<5", "*", "withheld"}), shown
