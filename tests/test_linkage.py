"""Repeat detection (linkage/): keys, never identity; a signal only for who needs it; keys that
go when the window ends; links that only a chair makes.

The cast: alice drafts at Rexdale (REX), carol chairs it; charlie sits at Scarborough (SCA),
and sid, added here, chairs Scarborough.
"""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from agencies.models import Membership
from linkage import keys, normalise
from linkage.models import LinkageKey, RepeatLink
from linkage.services import matches, purge_expired_keys, signal_for
from situations import services
from situations.models import ConclusionReason, RiskFactor
from tests.conftest import accept
from tests.factories import MembershipFactory, UserFactory

NAME = "Marie-Hélène Qwertzova-Gagnon"
BORN = "1990-03-07"


def presented(
    cast,
    user,
    site,
    full_name,
    born="",
    age="",
    *,
    submit=True,
    location="",
    narrative="A woman at risk; several agencies needed.",
):
    factors = list(RiskFactor.objects.order_by("pk")[:2])
    record = services.Record(
        subject_type="person",
        age_group="25-39",
        gender="woman",
        narrative=narrative,
        risk_factors=factors,
    )
    situation = services.create_draft(user, site, record)
    services.save_person(
        user,
        situation,
        person=None,
        label="Person A",
        age_group="25-39",
        gender="woman",
        identity=services.Identity(
            full_name=full_name, date_of_birth=born, approximate_age=age, location=location
        ),
    )
    if submit:
        situation = services.submit(user, situation)
    return situation


@pytest.fixture
def sid(cast):
    sid = UserFactory(username="sid", first_name="Sid", last_name="Chair", agency=cast.carol.agency)
    MembershipFactory(user=sid, site=cast.sca, role=Membership.Role.CHAIR)
    return sid


# ---- Normalisation and keys --------------------------------------------------------------


def _agree(a, b, today=None):
    today = today or timezone.localdate()
    ma, ea = keys.material(a, "person", today=today)
    mb, eb = keys.material(b, "person", today=today)
    from linkage.services import agrees

    return agrees({m.rule for m in ma & mb}, ea, eb)


@pytest.mark.parametrize(
    ("typed", "born", "age"),
    [
        ("marie helene qwertzova", "1990-07-03", ""),  # accents, hyphen dropped; day/month swapped
        ("QWERTZOVA-GAGNON, Marie-Hélène", BORN, ""),  # "Surname, Given", shouted
        ("Marie  Helene   Qwertsova-Gagnon", BORN, ""),  # a typo in the surname, extra spaces
        ("Mari-Hélène Gagnon", BORN, ""),  # a typo in the given name, one half of the surname
        ("Marie-Hélène Qwertzova-Gagnon", "", "36"),  # no birthday, an age instead
    ],
)
def test_the_same_person_typed_two_ways_agrees(typed, born, age, settings):
    today = timezone.localdate().replace(year=2026, month=6, day=1)
    first = keys.Subject(NAME, BORN)
    assert _agree(first, keys.Subject(typed, born, age), today=today)


def test_nicknames_fold_to_the_name_on_record():
    assert _agree(
        keys.Subject("William O'Brien", "2001-11-02"), keys.Subject("Bill OBrien", "2001-11-02")
    )
    assert _agree(
        keys.Subject("Guillaume Thibault", "1985-01-09"), keys.Subject("Gui Thibeau", "1985-01-09")
    )


def test_two_people_with_the_same_name_and_another_birth_year_do_not_agree():
    assert not _agree(keys.Subject(NAME, BORN), keys.Subject(NAME, "1991-03-07"))
    assert not _agree(
        keys.Subject("John Smith", "1980-02-02"), keys.Subject("John Smith", "1983-05-09")
    )


def test_french_and_english_phonetic_codes_never_cross():
    codes = normalise.phonetic("thibault")
    assert {c.split(":")[0] for c in codes} == {"en", "fr"}
    assert normalise.french_code("thibault") == normalise.french_code("thibeau")


# ---- Nothing of the identity is stored -------------------------------------------------------


def _text_columns():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')"
        )
        return cursor.fetchall()


def _found(needle: str) -> list[str]:
    hits = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1',  # noqa: S608
                [f"%{needle}%"],
            )
            if cursor.fetchone():
                hits.append(f"{table}.{column}")
    return hits


def test_no_linkage_input_is_stored_anywhere(cast):
    situation = presented(cast, cast.alice, cast.rex, NAME, BORN, location="12 Qwertzova Street")
    stored = LinkageKey.objects.filter(situation=situation)
    assert stored.count() > 5  # the keys are there
    subject = keys.Subject(NAME, BORN, location="12 Qwertzova Street")
    materials, _exact = keys.material(subject, "person", today=timezone.localdate())
    needles = {"qwertzova", "marie", "1990-03-07", "1990:3:7"}
    needles |= {part for m in materials for part in m.text.split("|") if len(part) > 3}
    for needle in sorted(needles):
        assert _found(needle) == [], needle
    # What is stored is the keyed hash, not a plain one anyone could recompute from a guess.
    import hashlib

    plain = {hashlib.sha256(f"{int(m.rule)}|{m.text}".encode()).hexdigest()[:32] for m in materials}
    assert not stored.filter(digest__in=plain).exists()


def test_keys_never_enter_the_audit_trail(cast):
    situation = presented(cast, cast.alice, cast.rex, NAME, BORN)
    digest = LinkageKey.objects.filter(situation=situation).values_list("digest", flat=True)[0]
    assert not LogEntry.objects.filter(changes_text__contains=digest).exists()
    assert not LogEntry.objects.filter(changes__icontains=digest).exists()


# ---- The signal, with need-to-know -------------------------------------------------------------


def _three_months_ago(situation):
    when = timezone.now() - timedelta(days=90)
    type(situation).objects.filter(pk=situation.pk).update(
        submitted_at=when, first_presented_on=when.date()
    )


def test_the_chair_sees_another_tables_name_and_chair_and_nothing_more(client, cast, sid):
    earlier = presented(cast, cast.charlie, cast.sca, NAME, BORN, narrative="Scarborough's own.")
    _three_months_ago(earlier)
    now = presented(cast, cast.alice, cast.rex, "marie helene qwertzova", "1990-07-03")
    assert matches(now) == {earlier.pk}

    client.force_login(cast.carol)
    page = client.get(now.get_absolute_url()).content.decode()
    assert "Possible repeat" in page
    assert "FOCUS Scarborough" in page and "sid@example.invalid" in page
    assert earlier.reference not in page and "own." not in page
    # Every showing is an audit entry, and says no more than the counts.
    shown = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, additional_data__repeat_signal_of=now.pk
    )
    assert shown.count() == 1
    assert shown.get().actor == cast.carol and "qwertzova" not in str(shown.get().changes)
    client.get(now.get_absolute_url())
    assert shown.count() == 2


@pytest.mark.parametrize("who", ["bob", "dave", "erin", "charlie", "sid", "steve", "adam", "polly"])
def test_nobody_else_learns_that_a_match_exists(client, cast, sid, who):
    earlier = presented(cast, cast.charlie, cast.sca, NAME, BORN)
    _three_months_ago(earlier)
    now = presented(cast, cast.alice, cast.rex, NAME, BORN)
    person = sid if who == "sid" else getattr(cast, who)
    client.force_login(person)
    for situation in (now, earlier):
        response = client.get(situation.get_absolute_url())
        assert "Possible repeat" not in response.content.decode(), (who, situation)
        assert signal_for(person, situation) is None


def test_the_situations_history_says_nothing_of_a_match(client, cast, sid):
    earlier = presented(cast, cast.charlie, cast.sca, NAME, BORN)
    _three_months_ago(earlier)
    now = accept(cast, presented(cast, cast.alice, cast.rex, NAME, BORN))
    client.force_login(cast.carol)
    assert "Possible repeat" in client.get(now.get_absolute_url()).content.decode()
    from linkage.services import decide

    decide(cast.carol, now, "linked")
    for who in ("alice", "bob", "dave"):  # originating, lead, assisting: they read the history
        client.force_login(getattr(cast, who))
        page = client.get(now.get_absolute_url() + "history/").content.decode().lower()
        assert "repeat" not in page and "decision" not in page, who
    # The privacy officer's trail has both, as metadata.
    assert LogEntry.objects.filter(additional_data__repeat_signal_of=now.pk).exists()
    assert LogEntry.objects.filter(additional_data__repeat_link_of=now.pk).exists()


def test_the_originating_agency_sees_it_while_drafting(client, cast):
    earlier = presented(cast, cast.alice, cast.rex, NAME, BORN)
    _three_months_ago(earlier)
    draft = presented(cast, cast.alice, cast.rex, NAME, "", "36", submit=False)
    signal = signal_for(cast.alice, draft)
    assert signal.here == 1 and signal.tables == 0
    assert signal_for(cast.carol, draft) is None  # a draft is the agency's alone


def test_only_a_linked_match_counts_and_a_dismissed_one_goes(cast):
    earlier = presented(cast, cast.alice, cast.rex, NAME, BORN)
    _three_months_ago(earlier)
    now = presented(cast, cast.alice, cast.rex, NAME, BORN)
    from linkage.services import decide

    with pytest.raises(ValidationError):
        decide(cast.carol, now, "merged")
    from core.errors import NotFound

    with pytest.raises(NotFound):
        decide(cast.alice, now, "linked")  # a representative does not decide
    assert decide(cast.carol, now, "dismissed") == 1
    signal = signal_for(cast.carol, now)
    assert (signal.here, signal.dismissed, signal.undecided) == (0, 1, set())
    with pytest.raises(ValidationError):
        decide(cast.carol, now, "linked")  # nothing left to decide


def test_a_later_presentation_elsewhere_is_not_told_to_the_first_table(cast, sid):
    first = accept(cast, presented(cast, cast.alice, cast.rex, NAME, BORN))
    presented(cast, cast.charlie, cast.sca, NAME, BORN)
    assert signal_for(cast.carol, first) is None


def test_outside_the_window_nothing_matches(cast):
    earlier = presented(cast, cast.alice, cast.rex, NAME, BORN)
    old = timezone.now() - timedelta(days=400)
    type(earlier).objects.filter(pk=earlier.pk).update(
        submitted_at=old, first_presented_on=old.date()
    )
    now = presented(cast, cast.alice, cast.rex, NAME, BORN)
    assert matches(now) == set()


# ---- Retention and rotation -----------------------------------------------------------------


def test_keys_go_at_rejection(cast):
    situation = presented(cast, cast.alice, cast.rex, NAME, BORN)
    assert LinkageKey.objects.filter(situation=situation).exists()
    services.reject(cast.carol, situation, "not_aer")
    assert not LinkageKey.objects.filter(situation=situation).exists()


def test_keys_go_at_withdrawal(cast):
    situation = presented(cast, cast.alice, cast.rex, NAME, BORN)
    services.withdraw(cast.alice, situation)
    assert not LinkageKey.objects.filter(situation=situation).exists()


def test_keys_outlive_the_identity_for_the_window_then_go_with_the_same_sweep(cast, settings):
    settings.REPEAT_WINDOW_DAYS = 365
    cast.rex.retention_days = 30
    cast.rex.save()
    situation = accept(cast, presented(cast, cast.alice, cast.rex, NAME, BORN))
    reason = ConclusionReason.objects.filter(kind="engaged").get()
    situation = services.conclude(cast.carol, situation, reason)

    def kept():
        return LinkageKey.objects.filter(situation=situation)

    assert kept().exists() and not kept().filter(expires_at__isnull=True).exists()

    services.purge_expired_identities(now=timezone.now() + timedelta(days=31))
    situation.refresh_from_db()
    assert situation.identity_purged_at is not None
    assert kept().exists()  # identity gone, keys kept for the repeat window

    services.purge_expired_identities(now=timezone.now() + timedelta(days=366))
    assert not kept().exists()
    assert purge_expired_keys() == 0


def test_keys_made_with_an_older_secret_still_match_after_rotation(cast, settings):
    settings.LINKAGE_KEYS = ["old-secret-for-this-test"]
    earlier = presented(cast, cast.alice, cast.rex, NAME, BORN)
    _three_months_ago(earlier)
    settings.LINKAGE_KEYS = ["new-secret-for-this-test", "old-secret-for-this-test"]
    now = presented(cast, cast.alice, cast.rex, NAME, BORN)
    ids = set(LinkageKey.objects.values_list("key_id", flat=True))
    assert len(ids) == 2  # each set of keys names the secret it was made with
    assert matches(now) == {earlier.pk}
    settings.LINKAGE_KEYS = ["new-secret-for-this-test"]  # the old one dropped too early
    assert matches(now) == set()


def test_check_deploy_demands_its_own_secret(settings):
    from linkage.checks import linkage_key_set

    settings.LINKAGE_KEYS = []
    assert [e.id for e in linkage_key_set(None)] == ["linkage.E001"]
    settings.LINKAGE_KEYS = [settings.SECRET_KEY]
    assert [e.id for e in linkage_key_set(None)] == ["linkage.E002"]
    settings.LINKAGE_KEYS = ["a-secret-of-its-own"]
    assert linkage_key_set(None) == []


def _submitted_subject(cast, subject_type, narrative, label, identity):
    """A submitted group or place: only its name or address identifies it."""
    record = services.Record(
        subject_type=subject_type,
        age_group="na",
        gender="na",
        narrative=narrative,
        risk_factors=list(RiskFactor.objects.order_by("pk")[:1]),
    )
    situation = services.create_draft(cast.alice, cast.rex, record)
    services.save_person(
        cast.alice,
        situation,
        person=None,
        label=label,
        age_group="na",
        gender="na",
        identity=identity,
    )
    return services.submit(cast.alice, situation)


def test_groups_link_by_their_name(cast):
    def group(name):
        return _submitted_subject(
            cast, "group", "A group of youths at risk.", "Group", services.Identity(full_name=name)
        )

    earlier = group("The Kipling Crew")
    _three_months_ago(earlier)
    assert matches(group("kipling crew")) == {earlier.pk}
    assert matches(group("Jane Street Boys")) == set()


def test_places_link_by_their_address(cast):
    def place(location):
        return _submitted_subject(
            cast,
            "location",
            "A vacant building used by several people at risk.",
            "Place",
            services.Identity(full_name="The old mill", location=location),
        )

    earlier = place("1200 Kipling Avenue, Unit 4")
    _three_months_ago(earlier)
    assert matches(place("1200 kipling ave unit 4")) == {earlier.pk}


def test_linked_rows_are_audited_without_anything_in_clear(cast):
    earlier = presented(cast, cast.alice, cast.rex, NAME, BORN)
    _three_months_ago(earlier)
    now = presented(cast, cast.alice, cast.rex, NAME, BORN)
    from linkage.services import decide

    decide(cast.carol, now, "linked")
    link = RepeatLink.objects.get()
    entry = LogEntry.objects.get_for_object(link).get()
    assert entry.actor == cast.carol
    assert "gagnon" not in entry.changes_text.lower() if entry.changes_text else True
