"""The permission matrix: every situation URL against the whole cast.

Anyone not listed as allowed gets 404 (forbidden and nonexistent look the same); an anonymous
visitor is sent to sign-in.
"""

import logging

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse

from core.errors import NotFound
from tests.conftest import MARKER

MEMBERS = {"alice", "bob", "dave", "erin", "carol"}
INVOLVED = {"alice", "bob", "dave"}
INTERVENING = {"bob", "dave"}
EVERYONE = ["alice", "bob", "dave", "erin", "carol", "charlie", "steve", "adam", "polly", None]

# url name, situation state (None: a site-level URL), method, who may, status when allowed
MATRIX = [
    ("situation_list", None, "get", MEMBERS, 200),
    ("situation_create", None, "get", MEMBERS, 200),
    ("rtd_csv", None, "get", {"carol"}, 200),
    ("rtd_xlsx", None, "get", {"carol"}, 200),
    ("dashboard", "dashboard", "get", {"carol", "steve"}, 200),
    ("aggregate_csv", "dashboard", "get", {"carol", "steve"}, 200),
    ("situation_detail", "draft", "get", {"alice"}, 200),
    ("situation_detail", "submitted", "get", MEMBERS, 200),
    ("situation_detail", "open", "get", MEMBERS, 200),
    ("situation_detail", "rejected", "get", MEMBERS, 200),
    ("situation_detail", "concluded", "get", MEMBERS, 200),
    ("situation_identity", "draft", "get", {"alice"}, 200),
    ("situation_identity", "submitted", "get", {"alice"}, 200),
    ("situation_identity", "open", "get", INVOLVED, 200),
    ("situation_identity", "concluded", "get", INVOLVED, 200),
    ("situation_identity", "rejected", "get", set(), 200),
    ("situation_edit", "draft", "get", {"alice"}, 200),
    ("situation_edit", "submitted", "get", {"alice"}, 200),
    ("situation_edit", "open", "get", {"carol"}, 200),
    ("situation_edit", "concluded", "get", set(), 200),
    ("situation_history", "open", "get", INVOLVED, 200),
    ("situation_history", "rejected", "get", {"alice"}, 200),
    ("situation_accept", "submitted", "get", {"carol"}, 200),
    ("situation_reject", "submitted", "get", {"carol"}, 200),
    ("situation_conclude", "open", "get", {"carol"}, 200),
    ("situation_reassign", "open", "get", {"carol"}, 200),
    ("person_add", "submitted", "get", {"alice"}, 200),
    ("person_add", "open", "get", INTERVENING, 200),
    ("person_add", "concluded", "get", set(), 200),
    ("person_edit", "open", "get", INTERVENING, 200),
    ("situation_responses", "open", "get", INTERVENING, 200),
    ("situation_responses", "concluded", "get", INTERVENING, 200),
    ("situation_responses", "submitted", "get", set(), 200),
    ("situation_responses", "rejected", "get", set(), 200),
    # A contact attempt logged by bob's agency (CAC, the lead): only that agency corrects it.
    ("contact_edit", "open", "get", {"bob"}, 200),
    ("contact_edit", "concluded", "get", set(), 200),
    ("contact_delete", "open", "get", {"bob"}, 200),
    ("contact_delete", "concluded", "get", set(), 200),
    ("situation_submit", "draft", "post", {"alice"}, 302),
    ("situation_withdraw", "submitted", "post", {"alice"}, 302),
    ("situation_reject", "submitted", "post", {"carol"}, 302),
    ("situation_accept", "submitted", "post", {"carol"}, 200),  # empty form: errors shown
    ("person_remove", "open", "post", INTERVENING, 302),
    ("contact_edit", "open", "post", {"bob"}, 200),  # empty form: errors shown
    ("contact_delete", "open", "post", {"bob"}, 302),
    ("privacy_audit", None, "get", {"polly"}, 200),
    # Consent: the agencies that hold identity (they spoke with the person).
    ("situation_consent", "draft", "get", {"alice"}, 200),
    ("situation_consent", "submitted", "get", {"alice"}, 200),
    ("situation_consent", "open", "get", INVOLVED, 200),
    ("situation_consent", "concluded", "get", INVOLVED, 200),
    ("situation_consent", "rejected", "get", set(), 200),
    ("situation_consent", "open", "post", INVOLVED, 200),  # empty form: errors shown
    # Whether the person was told: the lead agency, once the table has decided.
    ("situation_told", "submitted", "get", set(), 200),
    ("situation_told", "open", "get", {"bob"}, 200),
    ("situation_told", "concluded", "get", {"bob"}, 200),
    ("situation_told", "rejected", "get", set(), 200),
    ("situation_told", "concluded", "post", {"bob"}, 200),  # empty form: errors shown
    # A possible repeat is linked or dismissed by the chairs only (empty: told, sent back).
    ("repeat_decide", "submitted", "post", {"carol"}, 302),
    ("repeat_decide", "open", "post", {"carol"}, 302),
    ("repeat_decide", "draft", "post", set(), 302),
    # Concluded: still the chair's situation, so she is told it is too late (WrongState).
    ("repeat_decide", "concluded", "post", {"carol"}, 302),
]


def url_for(name, situation, site_code="rex"):
    if name == "privacy_audit" or situation == "dashboard":
        return reverse(name)
    if situation is None:
        return reverse(name, kwargs={"code": site_code})
    kwargs = {"code": situation.site.slug, "reference": situation.reference}
    if name in ("person_edit", "person_remove"):
        kwargs["key"] = situation.affected_persons.get().key
    if name in ("contact_edit", "contact_delete"):
        kwargs["key"] = _bobs_contact(situation).key
    return reverse(name, kwargs=kwargs)


def _bobs_contact(situation):
    """An attempt logged by the lead agency (CAC), written as the log would hold it."""
    from django.utils import timezone

    from agencies.models import Agency
    from situations.models import ContactAttempt

    return ContactAttempt.objects.create(
        situation=situation,
        agency=Agency.objects.get(short_name="CAC"),
        attempted_at=timezone.now(),
        method="phone",
        outcome="contacted",
    )


def request(client, method, url, name):
    data = {"rejection_reason": "not_aer", "confirmed": "yes"} if name == "situation_reject" else {}
    return client.get(url) if method == "get" else client.post(url, data)


def _check(client, cast, who, name, url, method, allowed, ok):
    client.logout()
    if who is None:
        response = request(client, method, url, name)
        assert response.status_code == 302, (who, name)
        assert response["Location"].startswith("/accounts/login/")
        return
    client.force_login(getattr(cast, who))
    response = request(client, method, url, name)
    expected = ok if who in allowed else 404
    assert response.status_code == expected, (who, name, url, response.status_code)


READS = [row for row in MATRIX if row[2] == "get"]
WRITES = [row for row in MATRIX if row[2] == "post"]


@pytest.mark.parametrize(
    ("name", "state", "method", "allowed", "ok"), READS, ids=[f"{m[0]}-{m[1]}" for m in READS]
)
def test_permission_matrix_for_reads(client, cast, story, name, state, method, allowed, ok):
    url = url_for(name, getattr(story, state) if state and state != "dashboard" else state)
    for who in EVERYONE:
        _check(client, cast, who, name, url, method, allowed, ok)


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize(
    ("name", "state", "method", "allowed", "ok"), WRITES, ids=[f"{m[0]}-{m[1]}" for m in WRITES]
)
def test_permission_matrix_for_writes(client, cast, story, who, name, state, method, allowed, ok):
    # Writes change the state, so each person tries on a fresh story.
    url = url_for(name, getattr(story, state) if state else None)
    _check(client, cast, who, name, url, method, allowed, ok)


def test_another_site_is_invisible_even_by_its_exact_address(client, cast, story):
    client.force_login(cast.charlie)
    assert client.get(reverse("situation_list", kwargs={"code": "rex"})).status_code == 404
    # And a Rexdale reference under Charlie's own site does not resolve either.
    url = f"/sites/sca/situations/{story.open.reference}/"
    assert client.get(url).status_code == 404


def test_case_pages_are_never_cached(client, cast, story):
    client.force_login(cast.bob)
    for name in ("situation_detail", "situation_identity"):
        response = client.get(url_for(name, story.open))
        assert "no-store" in response["Cache-Control"]


ALL_GET_PAGES = [(n, s) for n, s, m, _, _ in MATRIX if m == "get"] + [
    ("home", None),
    ("site_detail", None),
]


def _get_url(name, story):
    if name == "home":
        return "/"
    if name == "site_detail":
        return "/sites/rex/"
    state = dict(ALL_GET_PAGES).get(name)
    return url_for(name, getattr(story, state) if state else None)


def _text(response) -> str:
    """A response as text; a spreadsheet is unzipped and read cell by cell."""
    if response.get("Content-Type", "").startswith("application/vnd.openxml"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(
            str(value)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for value in row
        )
    return response.content.decode()


@pytest.mark.parametrize("who", ["erin", "carol", "charlie", "steve", "adam", "polly"])
def test_identifying_details_reach_nobody_without_need_to_know(client, cast, story, who, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(getattr(cast, who))
    seen = 0
    for name, state in ALL_GET_PAGES:
        for situation in (
            story.draft,
            story.submitted,
            story.open,
            story.concluded,
            story.rejected,
        ):
            if state in (None, "dashboard") and situation is not story.open:
                continue
            if name == "person_edit" and not situation.affected_persons.exists():
                continue  # rejected: its persons were deleted
            if state == "dashboard":
                url = reverse(name)
            else:
                url = url_for(name, situation) if state else _get_url(name, story)
            body = _text(client.get(url))
            assert MARKER not in body, (who, url)
            seen += 1
    assert seen > 20
    assert MARKER not in caplog.text


def test_the_involved_agencies_do_see_them_which_proves_the_marker_is_there(client, cast, story):
    for who in ("alice", "bob", "dave"):
        client.force_login(getattr(cast, who))
        assert MARKER in client.get(url_for("situation_identity", story.open)).content.decode()


def test_no_identifying_detail_in_audit_diffs_or_emails(client, cast, story):
    client.force_login(cast.bob)
    client.get(url_for("situation_identity", story.open))
    for entry in LogEntry.objects.all():
        assert MARKER not in str(entry.changes), entry
        assert MARKER not in entry.object_repr
        assert MARKER not in str(entry.additional_data)
        assert MARKER not in str(entry.serialized_data)
    for message in mail.outbox:
        assert MARKER not in message.body and MARKER not in message.subject


def test_viewing_identity_leaves_an_access_entry(client, cast, story):
    client.force_login(cast.bob)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    client.get(url_for("situation_identity", story.open))
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("timestamp")
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before + 1
    assert entry.actor == cast.bob
    assert entry.object_repr == story.open.reference


def test_the_history_panel_names_viewers_and_changes(client, cast, story):
    client.force_login(cast.bob)
    client.get(url_for("situation_identity", story.open))
    client.force_login(cast.alice)
    body = client.get(url_for("situation_history", story.open)).content.decode()
    assert "Bob" in body and "identifying details" in body
    assert "status" in body


def test_the_privacy_officer_sees_metadata_but_no_values(client, cast, story):
    client.force_login(cast.polly)
    body = client.get(reverse("privacy_audit")).content.decode()
    assert story.open.reference in body
    assert "[redacted]" not in body and "A youth at risk" not in body


def test_abilities_answer_exactly_what_restrict_answers_for_everyone(cast, story):
    """The detail page asks every action in one query; it must agree with the gate itself."""
    from access.policy import Kind, actions
    from situations.models import Situation

    people = [cast.alice, cast.bob, cast.carol, cast.dave, cast.erin, cast.charlie, cast.steve]
    for situation in [story.draft, story.submitted, story.open, story.concluded, story.rejected]:
        for person in people:
            can = Situation.objects.abilities(person, situation.pk)
            for action in actions(Kind.SITUATION):
                expected = Situation.objects.restrict(person, action).filter(pk=situation.pk)
                assert can[action] == expected.exists(), (person.username, action)
                # The page's own lookup reads the rules on the row it found (access/gates.py
                # _find_in_memory): the same answer, and the same 404.
                lookup = {"site__code": "REX", "reference": situation.reference}
                if can[action]:
                    found = Situation.objects.find(person, action, can=True, **lookup)
                    assert found.can == can, (person.username, action)
                else:
                    with pytest.raises(NotFound):
                        Situation.objects.find(person, action, can=True, **lookup)


def test_a_lookup_that_matches_several_rows_is_left_to_restrict(cast, story):
    """find() reads the rules in memory only on the one row its lookup matched: with several,
    restrict() keeps the one the person may see, as before."""
    from situations.models import Situation

    # Every Rexdale situation has the same subject type; carol (chair) sees all but the draft.
    found = Situation.objects.order_by("-pk").find(
        cast.carol, "view", can=True, site=cast.rex, subject_type="person"
    )
    assert found.status != "draft" and found.can["view"]
    alices_draft = Situation.objects.order_by("pk").find(
        cast.alice, "edit_record", can=True, site=cast.rex, subject_type="person"
    )
    assert alices_draft == story.draft
    with pytest.raises(NotFound):
        Situation.objects.find(cast.charlie, "view", can=True, site=cast.rex, subject_type="person")


def test_restrict_reads_guardians_grants_as_guardian_itself_does(cast, story):
    """restrict() reads guardian's grant tables itself (guardian's query builder cost more than
    a page); guardian's get_objects_for_user, with no model-wide permission and no superuser
    shortcut (docs/engineering.md), must give the same answer for every person and permission."""
    from django.contrib.auth.models import Permission
    from guardian.shortcuts import get_objects_for_user

    from situations.models import Situation

    # A model-wide permission must not widen anything.
    cast.erin.user_permissions.add(Permission.objects.get(codename="log_response"))
    people = [cast.alice, cast.bob, cast.carol, cast.dave, cast.erin, cast.charlie, cast.steve]
    granted = 0
    for person in people:
        for action, codename in (("view_identity", "view_identity"), ("respond", "log_response")):
            ours = set(Situation.objects.restrict(person, action).values_list("pk", flat=True))
            theirs = get_objects_for_user(
                person,
                f"situations.{codename}",
                Situation.objects.restrict(person),
                accept_global_perms=False,
                with_superuser=False,
            )
            if action == "respond":  # logging needs the grant and an open situation
                theirs = theirs.filter(status="open")
            assert ours == set(theirs.values_list("pk", flat=True)), (person.username, action)
            granted += len(ours)
    assert granted
    assert not Situation.objects.restrict(cast.erin, "respond").exists()


def test_a_grant_to_one_person_opens_nothing_and_is_reported(cast, story):
    """The policy grants need-to-know to agencies only: a grant written to one person by hand
    (the Django shell, a bad migration) gives nothing and is drift that check_access names."""
    from guardian.shortcuts import assign_perm

    from situations.models import Situation
    from situations.services import grant_drift, sync_grants

    assign_perm("situations.view_identity", cast.carol, story.open)
    assert not Situation.objects.restrict(cast.carol, "view_identity").exists()
    drift = list(grant_drift())
    assert drift == [(story.open.reference, "personal", "view_identity", cast.carol.pk)]
    sync_grants(story.open)  # the next change to the situation removes it
    assert list(grant_drift()) == []
