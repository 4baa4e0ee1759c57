"""Issue 13, item 5: the small leaks, each closed, each with a test that fails without it."""

import re
from datetime import timedelta
from importlib import import_module

from auditlog.models import LogEntry
from celery.schedules import crontab
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from focus.celery import app as celery_app
from situations.models import AffectedPerson, Situation
from tests.conftest import PASSWORD, VerifiedClient
from tests.test_security import code_for

# ---- Password-reset and invitation emails leave the request to the worker --------------------


def _reset_request(client, address, capture):
    """Ask for a reset link: what the request ran (its SQL, the address blanked) and what it
    left to run after commit."""
    with CaptureQueriesContext(connection) as queries, capture() as callbacks:
        response = client.post("/accounts/password_reset/", {"email": address})
    sql = [q["sql"].replace(address, "<address>") for q in queries.captured_queries]
    return response, sql, callbacks


def test_a_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(
    cast, django_capture_on_commit_callbacks, run_tasks
):
    known = _reset_request(Client(), "alice@example.invalid", django_capture_on_commit_callbacks)
    assert mail.outbox == []  # nothing is sent inside the request
    unknown = _reset_request(Client(), "ghost@example.invalid", django_capture_on_commit_callbacks)
    assert mail.outbox == []

    (known_response, known_sql, known_tasks) = known
    (unknown_response, unknown_sql, unknown_tasks) = unknown
    assert known_response["Location"] == unknown_response["Location"]
    assert known_sql == unknown_sql  # the same queries, in the same order
    assert len(known_tasks) == len(unknown_tasks) == 1  # one task handed over, either way

    # The worker sends the one email there is to send.
    for callback in known_tasks + unknown_tasks:
        callback()
    assert [m.to for m in mail.outbox] == [["alice@example.invalid"]]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_the_reset_task_carries_ids_not_the_address(
    cast, django_capture_on_commit_callbacks, run_tasks
):
    from celery.signals import task_prerun

    ran = []

    def record(task=None, args=None, **kwargs):
        ran.append((task.name, args))

    task_prerun.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            Client().post("/accounts/password_reset/", {"email": "ALICE@example.invalid"})
    finally:
        task_prerun.disconnect(record)
    assert ran == [("agencies.tasks.email_reset_links", [[cast.alice.pk], "en"])]


def test_an_invitation_is_sent_by_the_worker_after_the_request(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    client.force_login(cast.adam)
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post("/people/alice/invite/").status_code == 302
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["alice@example.invalid"]]


# ---- Sessions ----------------------------------------------------------------------------------


def test_expired_sessions_are_cleared_daily_by_beat(cast):
    from agencies.tasks import clear_expired_sessions

    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "agencies.tasks.clear_expired_sessions"
    )
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {3} and len(entry["schedule"].minute) == 1  # once a day
    assert entry["task"] in celery_app.tasks

    store = import_module(settings.SESSION_ENGINE).SessionStore
    live, expired = store(), store()
    live["note"] = expired["note"] = "kept free text"
    live.create()
    expired.set_expiry(1)
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    clear_expired_sessions()
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert Session.objects.filter(session_key=live.session_key).exists()


def _session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_verifying_the_second_factor_gives_a_new_session_key(cast):
    device = TOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=True)
    client = Client()
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    before = _session_key(client)
    response = client.post("/accounts/mfa/verify/", {"code": code_for(device)})
    assert response.status_code == 302
    assert _session_key(client) != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get("/my/situations/").status_code == 200


def test_enrolling_the_second_factor_gives_a_new_session_key(cast):
    client = Client()
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    client.get("/accounts/mfa/setup/")
    device = TOTPDevice.objects.get(user=cast.bob, confirmed=False)
    before = _session_key(client)
    page = client.post("/accounts/mfa/setup/", {"code": code_for(device)})
    assert "Your recovery codes" in page.content.decode()
    assert _session_key(client) != before
    assert not Session.objects.filter(session_key=before).exists()


def test_deactivating_a_person_deletes_their_sessions(client, cast):
    from tests.test_people import _form

    bobs = [VerifiedClient(), VerifiedClient()]
    for other in bobs:
        other.force_login(cast.bob)
    keys = [_session_key(other) for other in bobs]
    alice = VerifiedClient()
    alice.force_login(cast.alice)
    client.force_login(cast.adam)
    bob = cast.bob
    response = client.post(
        "/people/bob/",
        _form(
            first_name=bob.first_name,
            last_name=bob.last_name,
            username="bob",
            email=bob.email,
            agency=bob.agency_id,
            version=bob.version,
            is_active="",
            **{"seats-0-site": cast.rex.pk, "seats-INITIAL_FORMS": "1"},
        ),
    )
    assert response.status_code == 302
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert Session.objects.filter(session_key=_session_key(alice)).exists()
    assert bobs[0].get("/")["Location"].startswith("/accounts/login/")


# ---- Affected-person labels are masked in audit diffs -------------------------------------------


def test_an_affected_persons_label_is_masked_in_every_audit_diff(cast):
    from situations import services
    from tests.conftest import make_situation

    situation = make_situation(cast)
    person = situation.affected_persons.get()
    services.save_person(
        cast.alice,
        situation,
        person=person,
        label="Jordan Whitecloud",
        age_group=person.age_group,
        gender=person.gender,
        identity=None,
    )
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(AffectedPerson)
    )
    assert entries.count() >= 2  # created, then renamed
    for entry in entries:
        assert "Jordan" not in str(entry.changes) and "Person A" not in str(entry.changes)
    renamed = entries.filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert "label" in renamed.changes


# ---- The admin's view-on-site redirect is off ------------------------------------------------


def test_the_admins_view_on_site_redirect_answers_404(cast, story):
    from tests.factories import UserFactory

    root = UserFactory(username="root", agency=None, is_superuser=True)
    client = VerifiedClient()
    client.force_login(root)
    situation_type = ContentType.objects.get_for_model(Situation)
    response = client.get(f"/admin/r/{situation_type.pk}/{story.open.pk}/")
    assert response.status_code == 404
    assert story.open.reference not in response.get("Location", "")
    assert re.search(r"/admin/r/", client.get("/admin/").content.decode()) is None
