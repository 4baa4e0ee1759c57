"""A situation's record is cached (situations/views.py `_record`): never served to someone with
other rights, never to someone who may not see the situation, never stale after a change it
shows, whoever makes the change and however."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency
from ledger.models import Told
from situations import services
from situations.models import ConclusionReason, ProtectiveFactor, RiskFactor, Service, Situation
from tests.conftest import VerifiedClient, accept, make_situation
from tests.factories import MembershipFactory, UserFactory


def _page(client, who, situation) -> str:
    client.force_login(who)
    response = client.get(situation.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _record_keys() -> list[str]:
    return [key for key in caches["fragments"]._cache if ":situation:" in key]


@pytest.fixture
def opened(cast):
    return accept(cast, services.submit(cast.alice, make_situation(cast)))


RECORD_TOLD = "Record whether the person was told"


def test_viewers_with_other_rights_never_share_a_cached_record(client, cast, opened):
    # bob's agency leads: he may record whether the person was told. The chair sees the same
    # record without that button; the cache must not hand either the other's.
    lead = _page(client, cast.bob, opened)
    assert RECORD_TOLD in lead
    chair = _page(client, cast.carol, opened)
    assert "De-identified record" in chair and RECORD_TOLD not in chair
    assert RECORD_TOLD in _page(client, cast.bob, opened)  # his own, from the cache
    assert RECORD_TOLD not in _page(client, cast.carol, opened)
    assert len(_record_keys()) == 2


def test_two_viewers_with_the_same_rights_share_one_entry(client, cast, opened):
    # bob's colleague at the same agency and table: the same rights on the situation.
    colleague = UserFactory(username="bea", agency=cast.bob.agency)
    MembershipFactory(user=colleague, site=cast.rex)
    bob = _page(client, cast.bob, opened)
    with CaptureQueriesContext(connection) as queries:
        bea = _page(client, colleague, opened)
    assert len(_record_keys()) == 1
    assert not any("situations_situationriskfactor" in q["sql"] for q in queries.captured_queries)
    assert bob.split('id="record-heading"')[1] == bea.split('id="record-heading"')[1]


def test_a_cached_record_is_not_there_for_someone_who_may_not_see_the_situation(
    client, cast, opened
):
    assert opened.narrative in _page(client, cast.carol, opened)  # cached
    client.force_login(cast.charlie)  # another table's member
    response = client.get(opened.get_absolute_url())
    assert response.status_code == 404
    assert opened.narrative not in response.content.decode()


def test_a_french_reader_gets_the_french_record(client, cast, opened):
    assert "De-identified record" in _page(client, cast.carol, opened)
    client.force_login(cast.carol)
    french = client.get(opened.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "De-identified record" not in french and "Dossier dépersonnalisé" in french


def _changes(cast, situation):
    """Every change the record shows, each through its own path, with what the page then says."""
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    protective = ProtectiveFactor.objects.order_by("pk").first()
    service = Service.objects.order_by("pk").first()
    factor = RiskFactor.objects.order_by("pk")[5]

    def edit_record():
        fresh = Situation.objects.get(pk=situation.pk)
        record = services.Record(
            subject_type="person",
            age_group="12-17",
            gender="woman",
            narrative="Rewritten at the table.",
            risk_factors=[*RiskFactor.objects.order_by("pk")[:3], factor],
            protective_factors=[protective],
        )
        services.update_record(cast.carol, fresh, record, fresh.version)

    def add_person():
        services.save_person(
            cast.bob,
            situation,
            person=None,
            label="Person B",
            age_group="40-59",
            gender="man",
            identity=None,
        )

    def remove_person():
        person = situation.affected_persons.get(label="Person B")
        services.remove_person(cast.bob, situation, person)

    def drop_protective_from_its_side():
        # The list item's side of the many-to-many (an administrator's shell, say).
        protective.situation_set.remove(situation)

    return [
        (edit_record, ("Rewritten at the table.", factor.label, protective.label)),
        (add_person, ("Person B",)),
        (remove_person, ()),
        (drop_protective_from_its_side, ()),
        (lambda: services.set_services(cast.bob, situation, [service]), (service.label,)),
        (lambda: services.add_update(cast.bob, situation, "Met her at school."), ("Met her",)),
        (
            lambda: services.record_told(
                cast.bob, situation, outcome=Told.UNREACHABLE, told_on=None
            ),
            ("could not be reached",),
        ),
        (
            # Answered again, the same day: the later record is the answer.
            lambda: services.record_told(
                cast.bob, situation, outcome=Told.TOLD, told_on=timezone.localdate()
            ),
            ("Told that their information was shared",),
        ),
        (
            lambda: services.reassign(
                cast.carol,
                Situation.objects.get(pk=situation.pk),
                services.Assignment(
                    lead=Agency.objects.get(short_name="CAC"),
                    assisting=[Agency.objects.get(short_name="CDSB")],
                ),
            ),
            ("School Board",),
        ),
        (
            lambda: services.conclude(cast.carol, Situation.objects.get(pk=situation.pk), reason),
            (reason.label,),
        ),
    ]


def test_every_change_the_record_shows_is_seen_at_once_despite_the_cache(client, cast, opened):
    # At the start of a minute, so that within the test only the change can move the key.
    minute = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(minute, tick=True):
        for change, shown in _changes(cast, opened):
            before = _page(client, cast.bob, opened)
            _page(client, cast.bob, opened)  # served from the cache
            change()
            assert timezone.now() < minute + timedelta(seconds=50)
            after = _page(client, cast.bob, opened)
            assert after != before, change
            for text in shown:
                assert text in after, (change, text)
    assert "Person B" not in after
    assert (
        ProtectiveFactor.objects.order_by("pk").first().label
        not in after.split("Protective factors")[1].split("</dd>")[0]
    )


def test_the_clock_on_a_cached_record_moves_with_the_minute(client, cast, opened):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = _page(client, cast.bob, opened)
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        later = _page(VerifiedClient(), cast.bob, opened)  # a session of its own: no idle limit
    assert first != later
    assert len(_record_keys()) == 2


def test_a_cached_record_saves_its_queries(client, cast, opened):
    client.force_login(cast.bob)
    url = opened.get_absolute_url()
    client.get(url)  # the session's first view also records when it started
    caches["fragments"].clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    # The record's own reads (the situation's display columns, risk factors, persons, lists,
    # updates): five queries that a warm page does not run.
    assert len(cold) - len(warm) == 5


def test_a_list_item_cleared_from_its_side_leaves_the_cached_record(client, cast, opened):
    from situations.models import StudyFlag

    flag = StudyFlag.objects.order_by("pk").first()
    minute = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(minute, tick=True):
        opened.study_flags.add(flag)
        assert flag.label in _page(client, cast.bob, opened).split("Study flags")[1]
        flag.situation_set.clear()  # every situation at once, from the flag's side
        flags = _page(client, cast.bob, opened).split("Study flags")[1].split("</dd>")[0]
        assert timezone.now() < minute + timedelta(seconds=50)
    assert flag.label not in flags
