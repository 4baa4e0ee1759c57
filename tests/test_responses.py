"""Filter 4 in the browser forms: plan, contact attempts, updates, services."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from situations.models import ContactAttempt, InterventionPlan, SituationUpdate
from tests.conftest import MARKER


def _url(situation):
    return reverse("situation_responses", kwargs={"code": "rex", "reference": situation.reference})


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_the_lead_logs_the_first_contact_and_the_clock_stops(client, cast, story):
    client.force_login(cast.bob)
    when = timezone.now() - timedelta(minutes=30)
    response = client.post(
        _url(story.open),
        {
            "form": "contact",
            "contact-attempted_at": _local(when),
            "contact-method": "door_knock",
            "contact-outcome": "contacted",
            "contact-notes": "Met at home.",
        },
    )
    assert response.status_code == 302
    story.open.refresh_from_db()
    assert story.open.first_contact_at is not None
    body = client.get(_url(story.open)).content.decode()
    assert "Met at home." in body and "Met" in body


def test_a_contact_in_the_future_is_refused_and_nothing_saved(client, cast, story):
    client.force_login(cast.bob)
    body = client.post(
        _url(story.open),
        {
            "form": "contact",
            "contact-attempted_at": _local(timezone.now() + timedelta(days=1)),
            "contact-method": "phone",
            "contact-outcome": "contacted",
        },
    ).content.decode()
    assert "A contact attempt cannot be in the future." in body
    assert not ContactAttempt.objects.exists()


def test_the_originating_agency_cannot_write_the_log_unless_it_intervenes(client, cast, story):
    client.force_login(cast.alice)
    response = client.post(_url(story.open), {"form": "update", "update-text": "We went round."})
    assert response.status_code == 404
    assert not SituationUpdate.objects.exists()


def test_an_unknown_form_name_is_404(client, cast, story):
    client.force_login(cast.bob)
    assert client.post(_url(story.open), {"form": "delete_everything"}).status_code == 404


def test_a_concluded_situations_log_is_read_only(client, cast, story):
    client.force_login(cast.bob)
    assert client.get(_url(story.concluded)).status_code == 200
    response = client.post(_url(story.concluded), {"form": "update", "update-text": "late"})
    assert response.status_code == 404


def test_proposing_to_conclude_needs_a_reason(client, cast, story):
    client.force_login(cast.bob)
    body = client.post(
        _url(story.open),
        {
            "form": "update",
            "update-text": "Connected to housing.",
            "update-proposes_conclusion": "on",
        },
    ).content.decode()
    assert "Choose the conclusion reason you propose." in body
    assert "Connected to housing." in body
    assert not SituationUpdate.objects.exists()


def test_an_update_reaches_the_table_on_the_detail_page(client, cast, story):
    client.force_login(cast.dave)
    client.post(_url(story.open), {"form": "update", "update-text": "Shelter bed found."})
    client.force_login(cast.erin)  # uninvolved, same table
    detail = client.get(story.open.get_absolute_url()).content.decode()
    assert "Shelter bed found." in detail


def test_two_agencies_saving_the_plan_at_once_do_not_overwrite_each_other(client, cast, story):
    client.force_login(cast.bob)
    when = _local(timezone.now() + timedelta(hours=3))
    client.post(
        _url(story.open),
        {
            "form": "plan",
            "plan-who": "Outreach worker",
            "plan-planned_for": when,
            "plan-how": "Door knock",
        },
    )
    version = InterventionPlan.objects.get().version
    client.post(
        _url(story.open),
        {
            "form": "plan",
            "plan-version": version,
            "plan-who": "Bob",
            "plan-planned_for": when,
            "plan-how": "Phone first",
        },
    )
    client.force_login(cast.dave)
    body = client.post(
        _url(story.open),
        {
            "form": "plan",
            "plan-version": version,
            "plan-who": "Dave",
            "plan-planned_for": when,
            "plan-how": "Visit",
        },
    ).content.decode()
    assert "Someone else saved a change while you were editing" in body
    assert InterventionPlan.objects.get().who == "Bob"


def test_my_agencys_situations_sorted_by_time_left(client, cast, story):
    client.force_login(cast.bob)
    body = client.get("/my/situations/").content.decode()
    assert story.open.reference in body
    assert story.concluded.reference not in body  # open ones only
    assert MARKER not in body
    client.force_login(cast.erin)
    assert story.open.reference not in client.get("/my/situations/").content.decode()


def test_the_contact_form_starts_with_no_outcome_and_refuses_none(client, cast, story):
    client.force_login(cast.bob)
    page = client.get(_url(story.open)).content.decode()
    assert '<option value="" selected>Choose…</option>' in page
    assert 'value="contacted" selected' not in page
    body = client.post(
        _url(story.open),
        {
            "form": "contact",
            "contact-attempted_at": _local(timezone.now()),
            "contact-method": "door_knock",
            "contact-notes": "Nobody chose an outcome.",
        },
    ).content.decode()
    assert "This field is required." in body and "Nobody chose an outcome." in body
    assert not ContactAttempt.objects.exists()
    story.open.refresh_from_db()
    assert story.open.first_contact_at is None


def _log(client, situation, when, outcome="contacted"):
    return client.post(
        _url(situation),
        {
            "form": "contact",
            "contact-attempted_at": _local(when),
            "contact-method": "phone",
            "contact-outcome": outcome,
        },
    )


def test_the_agency_corrects_and_deletes_its_own_attempt_from_the_log(client, cast, story):
    client.force_login(cast.bob)
    _log(client, story.open, timezone.now() - timedelta(hours=2))
    entry = ContactAttempt.objects.get()
    kwargs = {"code": "rex", "reference": story.open.reference, "key": entry.key}
    log_page = client.get(_url(story.open)).content.decode()
    assert reverse("contact_edit", kwargs=kwargs) in log_page
    assert reverse("contact_delete", kwargs=kwargs) in log_page
    # Correct the outcome: the clock runs again.
    response = client.post(
        reverse("contact_edit", kwargs=kwargs),
        {
            "contact-attempted_at": _local(entry.attempted_at),
            "contact-method": "phone",
            "contact-outcome": "not_found",
        },
    )
    assert response.status_code == 302
    story.open.refresh_from_db()
    assert story.open.first_contact_at is None
    # Put it back, then delete it: the confirmation says the clock will run again.
    client.post(
        reverse("contact_edit", kwargs=kwargs),
        {
            "contact-attempted_at": _local(entry.attempted_at),
            "contact-method": "phone",
            "contact-outcome": "contacted",
        },
    )
    confirm = client.get(reverse("contact_delete", kwargs=kwargs)).content.decode()
    assert "starts the response clock again" in confirm
    assert ContactAttempt.objects.exists()  # a GET deletes nothing
    assert client.post(reverse("contact_delete", kwargs=kwargs)).status_code == 302
    assert not ContactAttempt.objects.exists()
    story.open.refresh_from_db()
    assert story.open.first_contact_at is None


def test_another_agency_sees_the_attempt_but_no_way_to_change_it(client, cast, story):
    client.force_login(cast.bob)
    _log(client, story.open, timezone.now() - timedelta(hours=2))
    entry = ContactAttempt.objects.get()
    kwargs = {"code": "rex", "reference": story.open.reference, "key": entry.key}
    client.force_login(cast.dave)  # assisting: reads the log, did not write this entry
    page = client.get(_url(story.open)).content.decode()
    assert "Phone" in page and str(entry.key) not in page
    assert client.get(reverse("contact_edit", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("contact_delete", kwargs=kwargs)).status_code == 404
    assert ContactAttempt.objects.exists()


def test_a_bad_correction_keeps_what_was_typed_and_changes_nothing(client, cast, story):
    client.force_login(cast.bob)
    _log(client, story.open, timezone.now() - timedelta(hours=2))
    entry = ContactAttempt.objects.get()
    kwargs = {"code": "rex", "reference": story.open.reference, "key": entry.key}
    body = client.post(
        reverse("contact_edit", kwargs=kwargs),
        {
            "contact-attempted_at": "9999-12-31T23:59",
            "contact-method": "phone",
            "contact-outcome": "refused",
            "contact-notes": "Typed with care.",
        },
    ).content.decode()
    assert "Enter a date between 1900-01-01 and 2100-12-31." in body
    assert "Typed with care." in body
    assert ContactAttempt.objects.get().outcome == "contacted"
