"""Each person's language (issue 15): chosen on any page, kept on the person, and used for
everything sent to them, whoever caused it.

The dates, the lang attribute, Content-Language and the wording from our French catalogue.
"""

import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import User
from tests.conftest import PASSWORD

COOKIE = settings.LANGUAGE_COOKIE_NAME


def _lang(response) -> str:
    return re.search(r'<html lang="([a-z-]+)"', response.content.decode()).group(1)


def test_a_first_visit_follows_the_browsers_language(db):
    assert _lang(Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")) == "fr"
    assert _lang(Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-CA")) == "en"


def test_the_switch_on_the_sign_in_page_works_before_signing_in(db):
    browser = Client()
    page = browser.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="fr"' in page and 'action="/language/"' in page  # "Français", marked French
    response = browser.post("/language/", {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert browser.cookies[COOKIE].value == "fr"
    assert _lang(browser.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")) == "fr"


def test_the_switch_refuses_an_unknown_language_and_a_next_off_the_site(db):
    browser = Client()
    response = browser.post("/language/", {"language": "xx", "next": "https://evil.invalid/"})
    assert response["Location"] == "/"
    assert COOKIE not in browser.cookies


def test_a_signed_in_persons_choice_is_kept_on_them_and_audited(client, cast):
    client.force_login(cast.bob)
    assert cast.bob.language == "" and cast.bob.version == 1
    client.post("/language/", {"language": "fr", "next": "/"})
    cast.bob.refresh_from_db()
    assert cast.bob.language == "fr"
    entry = LogEntry.objects.get_for_object(cast.bob).latest("timestamp")
    assert entry.changes_dict["language"] == ["", "fr"] and entry.actor == cast.bob
    assert cast.bob.version == 2  # an administrator's form opened before is now stale
    # On another browser, with no cookie and an English browser, bob reads French.
    elsewhere = Client()
    elsewhere.force_login(cast.bob)
    from tests.conftest import verify_second_factor

    verify_second_factor(elsewhere, cast.bob)
    home = elsewhere.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert _lang(home) == "fr" and home["Content-Language"] == "fr"
    assert home.cookies[COOKIE].value == "fr"  # the cookie follows the profile


def test_half_way_through_sign_in_the_switch_sets_the_cookie_only(cast):
    from tests.test_security import sign_in

    browser = Client()
    sign_in(browser, "alice")  # password given, second step not yet
    response = browser.post("/language/", {"language": "fr", "next": "/accounts/mfa/setup/"})
    assert response["Location"] == "/accounts/mfa/setup/"
    assert browser.cookies[COOKIE].value == "fr"
    cast.alice.refresh_from_db()
    assert cast.alice.language == ""  # the account is not theirs until the second step


def test_a_choice_made_before_sign_in_becomes_the_persons_own(cast):
    browser = Client()
    browser.post("/language/", {"language": "fr", "next": "/"})
    browser.post("/accounts/login/", {"username": "erin", "password": PASSWORD})
    cast.erin.refresh_from_db()
    assert cast.erin.language == "fr"


def test_signing_in_sets_the_cookie_from_the_profile(cast):
    User.objects.filter(pk=cast.dave.pk).update(language="fr")
    browser = Client()
    response = browser.post(
        "/accounts/login/",
        {"username": "dave", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert browser.cookies[COOKIE].value == "fr"


def test_the_accessibility_statement_is_public_and_linked_from_every_page(client, cast, settings):
    settings.ACCESSIBILITY_CONTACT = "access@example.invalid"
    page = Client().get("/accessibility/").content.decode()
    assert "WCAG 2.1" in page and "mailto:access@example.invalid" in page
    assert "screen reader" in page  # says honestly what was not tested
    assert 'href="/accessibility/"' in Client().get("/accounts/login/").content.decode()
    client.force_login(cast.alice)
    assert 'href="/accessibility/"' in client.get("/").content.decode()


# ---- What is sent: in the recipient's language, whoever caused it ---------------------------


def test_an_invitation_is_in_the_invitees_language_not_the_administrators(
    client, cast, django_capture_on_commit_callbacks, run_tasks
):
    User.objects.filter(pk=cast.alice.pk).update(language="fr")
    User.objects.filter(pk=cast.adam.pk).update(language="en")
    client.force_login(cast.adam)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("person_invite", kwargs={"username": "alice"}))
    (message,) = mail.outbox
    assert message.to == [cast.alice.email]
    assert message.extra_headers["Content-Language"] == "fr"
    assert translation.get_language() == "en"  # the administrator's request is untouched


def test_a_forgotten_password_email_is_in_the_persons_language(
    cast, django_capture_on_commit_callbacks, run_tasks
):
    User.objects.filter(pk=cast.bob.pk).update(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            "/accounts/password_reset/", {"email": cast.bob.email}, HTTP_ACCEPT_LANGUAGE="en"
        )
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "fr"


def test_a_person_who_never_chose_gets_the_sites_language(
    cast, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            "/accounts/password_reset/", {"email": cast.bob.email}, HTTP_ACCEPT_LANGUAGE="fr"
        )
    assert mail.outbox[0].extra_headers["Content-Language"] == settings.LANGUAGE_CODE


def test_the_calendar_is_in_its_owners_language(client, cast):
    from meetings import services

    services.ensure_next_meeting(cast.rex)
    User.objects.filter(pk=cast.erin.pk).update(language="fr")
    client.force_login(User.objects.get(pk=cast.erin.pk))
    body = client.post(reverse("my_calendar"), {"do": "new"}).content.decode()
    address = re.search(r'value="(http[^"]+\.ics)"', body).group(1)
    response = Client().get(address, HTTP_ACCEPT_LANGUAGE="en")  # a calendar program
    assert response["Content-Language"] == "fr"
    assert "SUMMARY;LANGUAGE=fr:" in response.content.decode()


def test_a_pdf_is_in_the_language_of_the_person_downloading_it(client, cast):
    from meetings.models import Meeting

    meeting = Meeting.objects.create(
        site=cast.rex, starts_at=timezone.now() - timedelta(days=7), status=Meeting.Status.CLOSED
    )
    User.objects.filter(pk=cast.bob.pk).update(language="fr")
    client.force_login(User.objects.get(pk=cast.bob.pk))
    url = reverse("meeting_minutes", kwargs={"code": "rex", "key": meeting.key})
    response = client.get(url + "?format=pdf", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Language"] == "fr"


# ---- The reminder, through a real worker ------------------------------------------------------


def _due(situation, language):
    from core.templatetags.when import when

    with translation.override(language):
        return when(timezone.localtime(situation.response_due_at), "LONG_DAY_TIME")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_french_representative_gets_a_french_reminder_from_a_chairs_english_decision(cast):
    from celery.contrib.testing.worker import start_worker

    from agencies.models import Agency
    from focus.celery import app as celery_app
    from reminders.models import Reminder
    from reminders.services import sweep
    from situations import services
    from tests.conftest import make_situation
    from tests.test_worker import _flush_broker, _wait_for

    User.objects.filter(pk=cast.bob.pk).update(language="fr")  # lead agency's representative
    User.objects.filter(pk=cast.carol.pk).update(language="en")  # the chair
    with translation.override("en"):  # the chair's own request, in English
        situation = services.accept(
            User.objects.get(pk=cast.carol.pk),
            services.submit(cast.alice, make_situation(cast)),
            services.Assignment(lead=Agency.objects.get(short_name="CAC")),
            "obtained",
            at=timezone.now() - timedelta(hours=50),
        )
        _flush_broker()
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            created = sweep().created  # as beat's sweep does; the worker sends
            assert created == 4  # lead and overdue to bob, chair and overdue to carol
            assert _wait_for(lambda: not Reminder.objects.filter(sent_at__isnull=True).exists())
    by_person = {}
    for message in mail.outbox:
        by_person.setdefault(message.to[0], []).append(message)
    assert len(by_person[cast.bob.email]) == 2 and len(by_person[cast.carol.email]) == 2
    french, english = _due(situation, "fr"), _due(situation, "en")
    assert french != english  # "jeudi 3 décembre à 14 h 30" against "Thursday 3 December, 14:30"
    for message in by_person[cast.bob.email]:
        assert message.extra_headers["Content-Language"] == "fr"
        assert french in message.body and english not in message.body
        # The wording too, from the French catalogue, in the subject and the body.
        assert "premier contact" in message.subject or "première intervention" in message.subject
        assert "a été acceptée" in message.body and "was accepted" not in message.body
    for message in by_person[cast.carol.email]:
        assert message.extra_headers["Content-Language"] == "en"
        assert english in message.body
