"""Input that makes sense (issue 14, items 5 and 6): no 500 for odd input, no value chosen
for the person, ages that agree, a factor listed once, /readyz that always answers JSON."""

import csv
import io
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from reminders.models import Reminder
from situations.models import AffectedPerson, IdentifyingDetails, InterventionPlan, Situation


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("adam", "/people/?q=%00"),
        ("polly", "/privacy/audit/?actor=%00"),
        ("alice", "/barriers/?site=%00"),
        ("alice", "/sites/rex/situations/?q=a%00b"),
        ("alice", "/sites/rex/situations/REX-2026-0%0001/"),
        ("alice", "/barriers/?%00=x"),
    ],
)
def test_a_nul_in_the_address_is_a_400_not_a_500(client, cast, who, url):
    client.force_login(getattr(cast, who))
    assert client.get(url).status_code == 400


def test_tabs_and_ordinary_text_still_reach_the_page(client, cast):
    client.force_login(cast.alice)
    assert client.get("/sites/rex/situations/?q=REX%092026").status_code == 200


def _responses(situation):
    return reverse("situation_responses", kwargs={"code": "rex", "reference": situation.reference})


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0001-01-01T00:00", "1899-12-31T12:00"])
def test_a_plan_dated_out_of_range_is_a_form_error(client, cast, story, when):
    client.force_login(cast.bob)
    response = client.post(
        _responses(story.open),
        {"form": "plan", "plan-who": "Outreach", "plan-planned_for": when, "plan-how": "Visit"},
    )
    assert response.status_code == 200
    assert "Enter a date between 1900-01-01 and 2100-12-31." in response.content.decode()
    assert not InterventionPlan.objects.exists()


def _person(client, situation, **fields):
    data = {"label": "Person B", "age_group": "18-24", "gender": "man", "full_name": "B"}
    data.update(fields)
    return client.post(
        reverse("person_add", kwargs={"code": "rex", "reference": situation.reference}), data
    )


def test_a_birth_date_that_disagrees_with_the_age_group_is_refused(client, cast, story):
    client.force_login(cast.bob)
    body = _person(client, story.open, date_of_birth="1960-03-02").content.decode()
    assert "This age group does not match the age" in body
    assert not AffectedPerson.objects.filter(label="Person B").exists()
    born = (timezone.localdate() - timedelta(days=365 * 20 + 10)).isoformat()
    assert _person(client, story.open, date_of_birth=born).status_code == 302


def test_an_approximate_age_is_a_whole_number_in_range(client, cast, story):
    client.force_login(cast.bob)
    for typed in ("abc", "-1", "250", "20.5"):
        response = _person(client, story.open, approximate_age=typed)
        assert response.status_code == 200, typed
        assert not AffectedPerson.objects.filter(label="Person B").exists()
    assert "does not match" in _person(client, story.open, approximate_age="45").content.decode()
    assert _person(client, story.open, approximate_age="21").status_code == 302
    person = AffectedPerson.objects.get(label="Person B")
    assert IdentifyingDetails.objects.get(person=person).approximate_age == "21"


def test_a_new_situation_starts_with_no_age_group_or_gender(client, cast):
    client.force_login(cast.alice)
    page = client.get(reverse("situation_create", kwargs={"code": "rex"})).content.decode()
    assert page.count('<option value="" selected>Choose…</option>') == 2
    assert "Unknown / not recorded" in page
    body = client.post(
        reverse("situation_create", kwargs={"code": "rex"}),
        {"subject_type": "person", "narrative": "Kept as typed."},
    ).content.decode()
    assert body.count("This field is required.") >= 2 and "Kept as typed." in body
    assert not Situation.objects.exists()


def test_a_new_persons_age_group_and_gender_start_blank(client, cast, story):
    client.force_login(cast.bob)
    url = reverse("person_add", kwargs={"code": "rex", "reference": story.open.reference})
    page = client.get(url).content.decode()
    assert page.count('<option value="" selected>Choose…</option>') == 2


def test_unknown_is_exported_as_the_rtd_code_and_so_is_a_value_off_the_list(client, cast, story):
    Situation.objects.filter(pk=story.open.pk).update(age_group="unknown", gender="unknown")
    Situation.objects.filter(pk=story.concluded.pk).update(age_group="", gender="")
    client.force_login(cast.carol)
    rows = list(csv.DictReader(io.StringIO(client.get("/sites/rex/export.csv").content.decode())))
    by_ref = {row["reference"]: row for row in rows}
    for situation in (story.open, story.concluded):
        assert (
            by_ref[situation.reference]["age_group"],
            by_ref[situation.reference]["gender"],
        ) == (
            "unknown",
            "unknown",
        )


def test_a_factor_of_the_situation_and_a_person_is_listed_once(client, cast, story):
    client.force_login(cast.erin)
    body = client.get(story.open.get_absolute_url()).content.decode()
    tied = story.open.risk_factors.filter(person__isnull=False).get().factor
    assert body.count(f"{tied.category.name}: {tied.name}") == 1
    assert f'{tied.category.name}: {tied.name} <small class="muted">(Person A)</small>' in body


# ---- /readyz ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_readyz_answers_503_json_when_the_database_fails_after_its_first_check(client):
    """A real failure, not a stand-in: another session holds the heartbeat table locked and
    this one gives up waiting, after SELECT 1 has already succeeded."""
    from core.tasks import heartbeat

    heartbeat()
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        other = connections.create_connection("default")
        try:
            other.set_autocommit(False)
            with other.cursor() as cursor:
                cursor.execute("LOCK TABLE core_heartbeat IN ACCESS EXCLUSIVE MODE")
                locked.set()
                release.wait(10)
            other.rollback()
        finally:
            other.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '300ms'")
        response = client.get("/readyz")
    finally:
        release.set()
        holder.join(10)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["heartbeat"] == "OperationalError"  # the statement timed out


def test_readyz_reports_reminders_queued_over_ten_minutes(client, cast, story):
    from core.tasks import heartbeat
    from reminders.services import sweep

    heartbeat()
    sweep()
    reminder = Reminder.objects.create(
        situation=story.open, rung="lead", recipient=cast.bob, due_at=timezone.now()
    )
    assert client.get("/readyz").json()["checks"]["reminder_backlog"] == "ok"
    Reminder.objects.filter(pk=reminder.pk).update(queued_at=timezone.now() - timedelta(minutes=11))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["reminder_backlog"] == "1 queued over 10 min"
    Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
    assert client.get("/readyz").json()["checks"]["reminder_backlog"] == "ok"
