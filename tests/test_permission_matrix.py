"""Every URL against every role: who gets the page, and who gets 404.

Written by hand, from the domain (docs/domain.md §5 and docs/design.md §5), and independent of
access/policy.py: a matrix derived from the policy would only prove that the policy agrees
with itself. Situation pages are in test_situation_permissions.py; this module holds the
rest, and checks that the two together name every route of the application.

The cast (tests/conftest.py): alice, bob, dave and erin represent agencies at Rexdale (REX),
carol chairs it, charlie sits at Scarborough only, steve is on the steering committee, adam
administers, polly is the privacy officer.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests import test_situation_permissions as situation_matrix

REX_MEMBERS = {"alice", "bob", "carol", "dave", "erin"}
MEMBERS = REX_MEMBERS | {"charlie"}
EVERYONE = ["alice", "bob", "carol", "dave", "erin", "charlie", "steve", "adam", "polly"]
ALL_SIGNED_IN = set(EVERYONE)


@pytest.fixture
def world(cast, story):
    """REX's last meeting (closed), its next one (scheduled), a barrier, a reminder."""
    from agencies.models import Agency
    from barriers import services as barriers
    from barriers.models import BarrierCategory
    from meetings import services as meetings
    from meetings.models import ActionItem, Meeting

    approved = Meeting.objects.create(
        site=cast.rex,
        starts_at=timezone.now() - timedelta(days=14),
        status=Meeting.Status.CLOSED,
        minutes_approved_at=timezone.now() - timedelta(days=7),
    )
    past = Meeting.objects.create(  # its minutes still a draft
        site=cast.rex,
        starts_at=timezone.now() - timedelta(days=7),
        status=Meeting.Status.CLOSED,
    )
    action = ActionItem.objects.create(
        meeting=past,
        situation=story.open,
        text="Find a youth shelter bed.",
        owner_agency=Agency.objects.get(short_name="CAC"),  # bob's agency
        due_on=timezone.localdate() + timedelta(days=7),
    )
    following = meetings.ensure_next_meeting(cast.rex)
    meetings.sync_agenda(following)
    barrier = barriers.raise_barrier(
        cast.alice,
        cast.rex,
        BarrierCategory.objects.first(),
        "No youth shelter bed north of the 401.",
        story.open,
    )
    return {
        "approved": approved,
        "past": past,
        "next": following,
        "action": action,
        "barrier": barrier,
        "story": story,
    }


def _meeting(world, which="next"):
    meeting = world[which]
    return {"code": "rex", "key": meeting.key}


def _item(world):
    return {**_meeting(world), "reference": world["story"].submitted.reference}


# name, method, who may, status when allowed, URL kwargs (from the world), state the test
# brings the world to first ("running": REX's next meeting started by carol)
MATRIX = [
    ("home", "get", ALL_SIGNED_IN, 200, None, None),
    # Public too (test_language.py): the statement and the language switch.
    ("accessibility", "get", ALL_SIGNED_IN, 200, None, None),
    ("set_language", "post", ALL_SIGNED_IN, 302, None, None),
    ("password_change", "get", ALL_SIGNED_IN, 200, None, None),
    ("site_detail", "get", REX_MEMBERS | {"adam"}, 200, lambda w: {"code": "rex"}, None),
    ("my_situations", "get", MEMBERS, 200, None, None),
    ("notifications", "get", MEMBERS, 200, None, None),
    ("notifications_read", "post", MEMBERS, 302, None, None),
    ("people", "get", {"adam"}, 200, None, None),
    ("person_create", "get", {"adam"}, 200, None, None),
    ("people_edit", "get", {"adam"}, 200, lambda w: {"username": "alice"}, None),
    ("person_invite", "post", {"adam"}, 302, lambda w: {"username": "alice"}, None),
    ("person_reset_mfa", "post", {"adam"}, 302, lambda w: {"username": "alice"}, None),
    ("privacy_audit", "get", {"polly"}, 200, None, None),
    # The Django admin's view-on-site redirect, switched off: nobody (test_small_leaks.py
    # tries it as a superuser).
    ("admin_view_on_site_off", "get", set(), 404, lambda w: {"rest": "1/1/"}, None),
    ("privacy_grants", "get", {"polly"}, 200, None, None),
    ("privacy_retention", "get", {"polly"}, 200, None, None),
    # Access requests: the privacy officer only. A GET shows the empty search form; the
    # search, the PDF and a correction are POSTs (the identity never goes in a URL).
    ("privacy_access_request", "get", {"polly"}, 200, None, None),
    ("privacy_access_request", "post", {"polly"}, 200, None, None),
    ("privacy_access_request_pdf", "post", {"polly"}, 200, None, None),
    ("privacy_access_correction", "post", {"polly"}, 200, None, None),
    ("meeting_list", "get", REX_MEMBERS, 200, lambda w: {"code": "rex"}, None),
    ("my_calendar", "get", MEMBERS, 200, None, None),
    ("meeting_add", "get", {"carol"}, 200, lambda w: {"code": "rex"}, None),
    ("meeting_reschedule", "get", {"carol"}, 200, _meeting, None),
    ("meeting_cancel", "get", {"carol"}, 200, _meeting, None),
    ("meeting_pull_in", "post", {"carol"}, 302, _meeting, None),
    ("meeting_detail", "get", REX_MEMBERS, 200, _meeting, None),
    ("meeting_agenda", "get", REX_MEMBERS, 200, _meeting, None),
    ("meeting_minutes", "get", REX_MEMBERS, 200, lambda w: _meeting(w, "past"), None),
    ("minutes_addendum", "post", {"carol"}, 302, lambda w: _meeting(w, "approved"), None),
    ("minutes_approve", "post", {"carol"}, 302, _meeting, "running"),
    ("action_add", "post", {"carol"}, 302, _meeting, "running"),
    ("item_notes", "post", {"carol"}, 302, _item, "running"),
    ("action_close", "get", {"bob", "carol"}, 200, lambda w: {"key": w["action"].key}, None),
    ("agency_minutes", "get", REX_MEMBERS, 200, lambda w: _meeting(w, "past"), None),
    ("meeting_attendance", "get", {"carol"}, 200, _meeting, None),
    ("meeting_attendance", "post", {"carol"}, 302, _meeting, None),
    ("meeting_start", "post", {"carol"}, 302, _meeting, None),
    ("meeting_sync", "post", {"carol"}, 302, _meeting, None),
    ("meeting_live", "get", {"carol"}, 200, _meeting, "running"),
    ("meeting_close", "post", {"carol"}, 302, _meeting, "running"),
    ("item_move", "post", {"carol"}, 302, _item, None),
    ("item_defer", "post", {"carol"}, 302, _item, None),
    ("item_current", "post", {"carol"}, 302, _item, "running"),
    ("item_decide", "post", {"carol"}, 400, _item, "running"),  # the live page, with errors
    ("dashboard", "get", {"carol", "steve"}, 200, None, None),
    ("aggregate_csv", "get", {"carol", "steve"}, 200, None, None),
    ("barrier_register", "get", MEMBERS | {"steve"}, 200, None, None),
    ("barrier_report", "get", MEMBERS | {"steve"}, 200, None, None),
    (
        "barrier_detail",
        "get",
        REX_MEMBERS | {"steve"},
        200,
        lambda w: {"reference": w["barrier"].reference},
        None,
    ),
    (
        "situation_barriers",
        "get",
        REX_MEMBERS,
        200,
        lambda w: {"code": "rex", "reference": w["story"].open.reference},
        None,
    ),
]

POST_DATA = {
    "set_language": {"language": "fr", "next": "/"},
    "item_decide": {"action": "accept", "accept-version": "0"},  # refused: incomplete
    "item_move": {"direction": "up"},
    "meeting_pull_in": lambda w: {"reference": w["story"].submitted.reference},
    "meeting_close": {"confirmed": "yes"},
    "meeting_start": {"confirmed": "yes"},  # it is not the meeting's day: the chair confirms
    "action_add": lambda w: {
        "action-text": "Call the landlord.",
        "action-owner": w["action"].owner_agency_id,
        "action-due_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
    },
    "item_notes": {"notes-version": "0", "notes-notes": "Housing found."},
    "minutes_addendum": {"text": "The shelter is in Etobicoke, not Rexdale."},
    "privacy_access_request": {"full_name": "Nobody Recorded"},
    "privacy_access_request_pdf": {"full_name": "Nobody Recorded"},
    "privacy_access_correction": {"full_name": "Nobody Recorded", "person_form": "1"},
}


def _url(name, kwargs_for, world, query=""):
    kwargs = kwargs_for(world) if kwargs_for else {}
    return reverse(name, kwargs=kwargs) + query


def _bring(world, cast, state):
    from meetings import services as meetings

    if state == "running":
        meetings.start(cast.carol, world["next"], move_to_today=True)


ROWS = [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in MATRIX]


@pytest.mark.parametrize(("name", "method", "allowed", "ok", "kwargs_for", "state"), ROWS)
def test_every_role_against_every_url(
    client, cast, world, name, method, allowed, ok, kwargs_for, state
):
    _bring(world, cast, state)
    url = _url(name, kwargs_for, world)
    # Those who may act go last: a refused request changes nothing, an allowed one may.
    for who in sorted(EVERYONE, key=lambda person: person in allowed):
        client.force_login(getattr(cast, who))
        if method == "get":
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert _writes(queries) == [], (who, name)
        else:
            data = POST_DATA.get(name, {})
            response = client.post(url, data(world) if callable(data) else data)
        expected = ok if who in allowed else 404
        assert response.status_code == expected, (who, name, url, response.status_code)


# A GET may record that it happened (the session's last activity, an audit entry for a view
# of identifying details or an export) and nothing else.
ALLOWED_WRITES = ("django_session", "auditlog_logentry", "axes_")
WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)', re.IGNORECASE)


def _writes(queries) -> list[str]:
    tables = [m.group(2) for q in queries.captured_queries if (m := WRITE.match(q["sql"]))]
    return [t for t in tables if not t.startswith(ALLOWED_WRITES)]


def test_raising_a_barrier_needs_a_seat_at_the_site(client, cast):
    for who in EVERYONE:
        client.force_login(getattr(cast, who))
        expected = 200 if who in REX_MEMBERS else 404
        assert client.get("/barriers/new/?site=REX").status_code == expected, who
        expected = 200 if who == "charlie" else 404
        assert client.get("/barriers/new/?site=SCA").status_code == expected, who


# ---- every route is in a matrix -----------------------------------------------------------

# Pages for signing in and out, reached before a session exists or to end one: the sign-in
# tests cover them (test_sign_in.py, test_sign_in_required.py, test_security.py).
SIGN_IN_PAGES = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "password_change_done",
    "mfa_setup",
    "mfa_verify",
    "healthz",
    "readyz",
    None,  # /admin/login/, a redirect to ours
    "calendar_feed",  # its secret address is the key: test_calendar.py
}
COVERED_ELSEWHERE = {
    "barrier_raise",  # test_raising_a_barrier_needs_a_seat_at_the_site
    "metrics",  # no person's page: a scraper's, with its own token (test_metrics.py)
}


def _names(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":  # the Django admin: test_admin_*.py
                yield from _names(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            yield entry.name


def test_the_matrices_name_every_route():
    routes = set(_names(get_resolver().url_patterns)) - SIGN_IN_PAGES - COVERED_ELSEWHERE
    covered = {row[0] for row in MATRIX} | {row[0] for row in situation_matrix.MATRIX}
    assert routes - covered == set(), "routes no permission matrix checks"
