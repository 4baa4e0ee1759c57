import pytest

from agencies.models import Agency
from core.errors import NotFound, WrongState
from situations import services
from situations.models import (
    AffectedPerson,
    IdentifyingDetails,
    Situation,
    SituationRiskFactor,
    Status,
)
from tests.conftest import MARKER, accept, make_situation


def visible(user, action="view"):
    return set(Situation.objects.restrict(user, action).values_list("reference", flat=True))


def test_references_count_per_site_and_year(cast):
    first, second = make_situation(cast), make_situation(cast)
    year = first.created_at.astimezone().year
    assert first.reference.startswith(f"REX-{year}-")
    assert int(second.reference.rsplit("-", 1)[1]) == int(first.reference.rsplit("-", 1)[1]) + 1


def test_a_draft_is_seen_only_by_its_agency_at_the_site(cast):
    draft = make_situation(cast)
    assert draft.reference in visible(cast.alice)
    for other in (cast.bob, cast.carol, cast.dave, cast.erin, cast.charlie, cast.steve, cast.adam):
        assert draft.reference not in visible(other), other


def test_a_submitted_situation_is_seen_by_the_whole_site_and_nobody_else(cast):
    submitted = services.submit(cast.alice, make_situation(cast))
    for member in (cast.alice, cast.bob, cast.carol, cast.dave, cast.erin):
        assert submitted.reference in visible(member)
    for outsider in (cast.charlie, cast.steve, cast.adam):
        assert submitted.reference not in visible(outsider)


def test_identity_before_acceptance_stays_with_the_originating_agency(cast):
    submitted = services.submit(cast.alice, make_situation(cast))
    assert visible(cast.alice, "view_identity") == {submitted.reference}
    for other in (cast.bob, cast.carol, cast.dave, cast.erin, cast.charlie):
        assert visible(other, "view_identity") == set()


def test_acceptance_releases_identity_to_exactly_the_assigned_agencies(cast):
    opened = accept(cast, services.submit(cast.alice, make_situation(cast)))
    assert opened.status == Status.OPEN
    assert opened.response_due_at - opened.accepted_at == cast.rex_window()
    for holder in (cast.alice, cast.bob, cast.dave):
        assert opened.reference in visible(holder, "view_identity"), holder
    for intervening in (cast.bob, cast.dave):
        assert opened.reference in visible(intervening, "respond"), intervening
    assert opened.reference not in visible(cast.alice, "respond")  # originating only
    for other in (cast.carol, cast.erin, cast.charlie, cast.steve, cast.adam):
        assert opened.reference not in visible(other, "view_identity"), other


def test_a_superuser_reads_no_case_content_by_default(cast):
    accept(cast, services.submit(cast.alice, make_situation(cast)))
    cast.adam.is_superuser = True
    cast.adam.save()
    assert visible(cast.adam) == set() and visible(cast.adam, "view_identity") == set()


def test_a_person_of_the_lead_agency_at_another_site_sees_nothing(cast):
    # charlie is in alice's agency but sits only at Scarborough.
    opened = accept(cast, services.submit(cast.alice, make_situation(cast)))
    assert opened.reference not in visible(cast.charlie, "view_identity")
    assert opened.reference not in visible(cast.charlie)


def test_removing_an_assisting_agency_revokes_its_access_at_once(cast):
    opened = accept(cast, services.submit(cast.alice, make_situation(cast)))
    services.reassign(
        cast.carol, opened, services.Assignment(lead=Agency.objects.get(short_name="CAC"))
    )
    assert opened.reference not in visible(cast.dave, "view_identity")
    assert opened.reference in visible(cast.alice, "view_identity")  # originating keeps it


def test_leaving_an_agency_ends_access_at_once(cast):
    opened = accept(cast, services.submit(cast.alice, make_situation(cast)))
    cast.bob.agency = Agency.objects.get(short_name="CDSB")
    cast.bob.save()
    assert opened.reference not in visible(cast.bob, "view_identity")


def test_rejection_deletes_the_redacted_fields_and_every_identifying_detail(cast):
    submitted = services.submit(cast.alice, make_situation(cast))
    situation = services.reject(cast.carol, submitted, "not_aer")
    assert situation.status == Status.REJECTED
    assert not IdentifyingDetails.objects.filter(person__situation=situation).exists()
    assert not AffectedPerson.objects.filter(situation=situation).exists()
    assert not SituationRiskFactor.objects.filter(situation=situation).exists()
    for related in (
        "assisting_agencies",
        "protective_factors",
        "study_flags",
        "services_mobilized",
    ):
        assert not getattr(situation, related).exists()
    assert situation.narrative == ""
    assert visible(cast.alice, "view_identity") == set()
    assert situation.reference in visible(cast.erin)  # the minimal record stays for the table


def test_conclusion_ends_logging_but_keeps_identity_until_purge(cast):
    from situations.models import ConclusionReason

    opened = accept(cast, services.submit(cast.alice, make_situation(cast)))
    services.conclude(cast.carol, opened, ConclusionReason.objects.filter(outcome="lowered")[0])
    assert opened.reference in visible(cast.bob, "view_identity")
    assert opened.reference not in visible(cast.bob, "respond")


@pytest.mark.parametrize(
    ("status_name", "step"),
    [
        ("draft", lambda cast, s: accept(cast, s)),
        ("draft", lambda cast, s: services.reject(cast.carol, s, "not_aer")),
        ("open", lambda cast, s: services.submit(cast.alice, s)),
        ("open", lambda cast, s: services.reject(cast.carol, s, "not_aer")),
        ("rejected", lambda cast, s: accept(cast, s)),
        ("concluded", lambda cast, s: accept(cast, s)),
        ("submitted", lambda cast, s: services.submit(cast.alice, s)),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(story, cast, status_name, step):
    situation = getattr(story, status_name)
    before = Situation.objects.filter(pk=situation.pk).values().get()
    # A draft is invisible to the chair (NotFound); otherwise the state is wrong (WrongState).
    with pytest.raises((WrongState, NotFound)):
        step(cast, situation)
    assert Situation.objects.filter(pk=situation.pk).values().get() == before


def test_only_chairs_decide(cast):
    submitted = services.submit(cast.alice, make_situation(cast))
    with pytest.raises(NotFound):
        services.reject(cast.erin, submitted, "not_aer")
    assert Situation.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_only_the_originating_agency_submits(cast):
    draft = make_situation(cast)
    with pytest.raises(NotFound):
        services.submit(cast.bob, draft)


def test_the_second_of_two_decisions_on_the_same_situation_is_refused(cast):
    submitted = services.submit(cast.alice, make_situation(cast))
    stale = Situation.objects.get(pk=submitted.pk)
    accept(cast, submitted)
    with pytest.raises(WrongState):
        services.reject(cast.carol, stale, "not_aer")
    assert Situation.objects.get(pk=submitted.pk).status == Status.OPEN


def test_consent_is_required_at_acceptance(cast):
    from django.core.exceptions import ValidationError

    submitted = services.submit(cast.alice, make_situation(cast))
    lead = services.Assignment(lead=Agency.objects.get(short_name="CAC"))
    with pytest.raises(ValidationError):
        services.accept(cast.carol, submitted, lead, "")
    with pytest.raises(ValidationError):
        services.accept(cast.carol, submitted, lead, "not_obtained", "  ")
    assert Situation.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_an_agency_from_another_site_cannot_be_assigned(cast):
    from django.core.exceptions import ValidationError

    from tests.factories import AgencyFactory, MembershipFactory, UserFactory

    elsewhere = AgencyFactory(short_name="ELSE")
    MembershipFactory(user=UserFactory(agency=elsewhere), site=cast.sca)
    submitted = services.submit(cast.alice, make_situation(cast))
    with pytest.raises(ValidationError):
        services.accept(cast.carol, submitted, services.Assignment(lead=elsewhere), "obtained")


def test_identifying_details_are_encrypted_at_rest(cast):
    from django.db import connection

    make_situation(cast)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT full_name, location, contact_notes FROM situations_identifyingdetails"
        )
        rows = cursor.fetchall()
    assert rows and all(MARKER not in value for row in rows for value in row)
    assert IdentifyingDetails.objects.get().full_name.startswith(MARKER)
