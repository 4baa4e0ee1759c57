"""The policy table is well formed, and the gates read it the same way in every form.

These tests check the machinery (restrict, find, abilities and claim agree; grants are
what GRANTS say); who may do what is checked by the hand-written matrices.
"""

import pytest
from django.utils import timezone

from access import policy
from access.policy import GRANTS, INVOLVED, Kind, State, Who
from core.errors import NotFound, WrongState
from situations.models import Situation, Status


def test_the_situation_states_are_the_lifecycles_statuses():
    lifecycle = {State(value) for value in Status.values} | {State.PURGED}
    used = {state for rules in policy.SITUATION.values() for r in rules for state in r.states or ()}
    assert used <= lifecycle


def test_grants_go_to_agencies_only():
    for permission, rules in GRANTS.items():
        for rule in rules:
            assert rule.who <= set(INVOLVED), permission


def test_every_action_names_only_terms_its_gate_knows(cast):
    """A typo in the table must fail here, not as a 404 nobody notices."""
    from access.gates import Gate
    from agencies.models import Site, User
    from barriers.models import Barrier
    from meetings.models import ActionItem, AgendaItem, Meeting
    from privacy.views import AUDIT_GATE
    from reminders.models import Reminder
    from situations.models import ContactAttempt

    gates: dict[Kind, Gate] = {
        Kind.SITUATION: Situation.objects.all().gate,
        Kind.SITE: Site.objects.all().gate,
        Kind.PERSON: User.objects.all().gate,
        Kind.MEETING: Meeting.objects.all().gate,
        Kind.AGENDA_ITEM: AgendaItem.objects.all().gate,
        Kind.ACTION_ITEM: ActionItem.objects.all().gate,
        Kind.BARRIER: Barrier.objects.all().gate,
        Kind.REMINDER: Reminder.objects.all().gate,
        Kind.CONTACT_ATTEMPT: ContactAttempt.objects.all().gate,
        Kind.AUDIT_ENTRY: AUDIT_GATE,
    }
    assert set(gates) == set(Kind)
    for kind, gate in gates.items():
        for action in policy.actions(kind):
            for person in (cast.alice, cast.carol, cast.steve, cast.adam, cast.polly):
                gate.condition(person, action)  # raises on an unknown term or state


def test_global_actions_follow_roles(cast):
    assert policy.allows(cast.polly, "audit_trail")
    assert not policy.allows(cast.adam, "audit_trail")  # an administrator is not the officer
    cast.adam.is_privacy_officer = True
    assert policy.allows(cast.adam, "audit_trail")  # unless also ticked
    assert policy.allows(cast.carol, "dashboard") and not policy.allows(cast.alice, "dashboard")
    assert not any(policy.capabilities(cast.alice)[a] for a in ("administer", "audit_trail"))


def test_an_inactive_person_can_do_nothing(cast, story):
    cast.carol.is_active = False
    assert policy.roles_of(cast.carol) == frozenset()
    assert not Situation.objects.restrict(cast.carol).exists()


@pytest.mark.parametrize(
    "model_path",
    [
        "meetings.models.Meeting",
        "barriers.models.Barrier",
        "agencies.models.Site",
        "meetings.models.ActionItem",
        "meetings.models.AgendaItem",
    ],
)
def test_abilities_find_and_restrict_agree_for_other_kinds(cast, story, model_path):
    """For gates that answer in memory (meetings, sites, actions) this proves the Python
    reading of the rules equals the SQL one, in every state the objects can be in."""
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.module_loading import import_string

    from agencies.models import Agency
    from barriers import services as barriers
    from barriers.models import BarrierCategory
    from meetings import services as meetings
    from meetings.models import ActionItem, Meeting

    upcoming = meetings.ensure_next_meeting(cast.rex)
    meetings.sync_agenda(upcoming)
    for status, approved, days in (
        ("closed", True, 14),
        ("closed", False, 7),
        ("cancelled", False, 3),
    ):
        past = Meeting.objects.create(
            site=cast.rex,
            starts_at=timezone.now() - timedelta(days=days),
            status=status,
            minutes_approved_at=timezone.now() if approved else None,
        )
        for state in (ActionItem.Status.OPEN, ActionItem.Status.DONE):
            ActionItem.objects.create(
                meeting=past,
                text="Call back.",
                owner_agency=Agency.objects.get(short_name="CAC"),
                due_on=timezone.localdate(),
                status=state,
            )
    Meeting.objects.create(site=cast.sca, starts_at=timezone.now() + timedelta(days=2))
    cast.sca.active = False  # an inactive site and its meeting, too
    cast.sca.save()
    barriers.raise_barrier(cast.alice, cast.rex, BarrierCategory.objects.first(), "A gap.")
    model = import_string(model_path)
    people = [
        cast.alice,
        cast.bob,
        cast.carol,
        cast.charlie,
        cast.erin,
        cast.steve,
        cast.adam,
        cast.polly,
    ]
    checked = 0
    for obj in model.objects.all():
        for person in people:
            person.__dict__.pop("seats", None)
            can = model.objects.abilities(person, obj.pk)
            for action, allowed in can.items():
                in_sql = model.objects.restrict(person, action).filter(pk=obj.pk).exists()
                assert allowed == in_sql, (model_path, obj, person.username, action)
                if allowed:
                    found = model.objects.find(person, action, can=True, pk=obj.pk)
                    assert found.can == can
                    checked += 1
                else:
                    # find() reads the rules on the row itself: the same 404 as restrict().
                    with pytest.raises(NotFound):
                        model.objects.find(person, action, can=True, pk=obj.pk)
    assert checked


def test_claim_says_not_found_to_outsiders_and_wrong_state_to_the_too_late(cast, story):
    # Erin sits at the table but is not its chair: the decision is not hers to make at all.
    with pytest.raises(NotFound):
        Situation.objects.claim(cast.erin, story.submitted.pk, "accept")
    # Carol chairs it, but the situation was accepted already.
    with pytest.raises(WrongState):
        Situation.objects.claim(cast.carol, story.open.pk, "accept")
    # Charlie chairs nothing here and sits elsewhere: the situation does not exist for him.
    with pytest.raises(NotFound):
        Situation.objects.claim(cast.charlie, story.open.pk, "view")
    assert Situation.objects.claim(cast.carol, story.submitted.pk, "accept") == story.submitted


def test_the_purged_state_ends_need_to_know(cast, story):
    from situations.services import expected_grants

    concluded = story.concluded
    assert concluded.state == State.CONCLUDED
    assert {perm for _, perm in expected_grants(concluded)} == {"view_identity"}
    concluded.identity_purged_at = timezone.now()
    assert concluded.state == State.PURGED
    assert expected_grants(concluded) == set()


def test_seat_roles_count_only_at_active_sites(cast, story):
    cast.rex.active = False
    cast.rex.save()
    cast.carol.__dict__.pop("seats", None)
    assert Who.CHAIR not in policy.roles_of(cast.carol)
    assert not Situation.objects.restrict(cast.carol).exists()
