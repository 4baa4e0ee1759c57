"""Regressions for what a review of the code found."""

from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.utils import timezone

from barriers import services as barriers
from barriers.models import BarrierCategory
from meetings.services import ensure_next_meeting
from reminders import services as reminders
from situations import services
from tests.conftest import accept, make_situation


def test_a_malformed_meeting_date_is_404_not_500(client, cast):
    ensure_next_meeting(cast.rex)
    client.force_login(cast.erin)
    for key in ("foo", "2026-02-30", "2026-13-01"):
        assert client.get(f"/sites/rex/meetings/{key}/").status_code == 404


def test_unicode_digits_in_filters_are_ignored_not_500(client, cast):
    client.force_login(cast.polly)
    assert client.get("/privacy/audit/?action=²").status_code == 200
    client.force_login(cast.erin)
    assert client.get("/barriers/?category=²").status_code == 200


def test_the_audit_trail_names_no_risk_factor_or_person_label(client, cast, story):
    from situations.models import RiskFactor

    names = set(RiskFactor.objects.values_list("name", flat=True))
    client.force_login(cast.polly)
    response = client.get("/privacy/audit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert not [name for name in names if name in body]
    assert "Person A" not in body
    assert all("Person A" not in e.object_repr for e in LogEntry.objects.all())


def test_the_situation_page_title_is_only_its_reference(client, cast, story):
    client.force_login(cast.bob)
    url = f"/sites/rex/situations/{story.open.reference}/responses/"
    client.post(url, {"form": "update", "update-text": "Met the family at the shelter."})
    body = client.get(story.open.get_absolute_url()).content.decode()
    title = body.split("<title>")[1].split("</title>")[0]
    assert "Met the family" not in title and story.open.reference in title


def test_barrier_cells_are_suppressed_as_a_group_and_members_count_their_own_sites(
    client, cast, story
):
    housing = BarrierCategory.objects.first()
    barrier = barriers.raise_barrier(cast.alice, cast.rex, housing, "No beds.", story.open)
    barriers.link(cast.alice, story.submitted, barrier)
    client.force_login(cast.steve)
    body = client.get(barrier.get_absolute_url()).content.decode()
    assert "<dd>&lt;5</dd>" in body  # the total of 2, and its single cell
    counts = barriers.evidence([barrier], sites=[cast.sca])
    assert counts == {}  # Scarborough members count none of Rexdale's situations


def test_a_reminder_is_not_sent_to_someone_no_longer_entitled(cast):
    from agencies.models import Agency

    situation = accept(cast, services.submit(cast.alice, make_situation(cast)))
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        (pk,) = reminders.sweep(enqueue=False).enqueued  # for bob, of the lead agency
        cast.bob.agency = Agency.objects.get(short_name="CDSB")  # bob changes agency
        cast.bob.save()
        assert reminders.deliver(pk) == "cancelled"
    assert situation.reminders.get().cancelled_at is not None


@pytest.mark.parametrize("path", ["/people/root/reset-mfa/", "/people/root/invite/"])
def test_administrators_cannot_touch_a_superusers_factors_or_invitations(client, cast, path):
    from tests.factories import UserFactory

    UserFactory(username="root", agency=None, is_administrator=True, is_superuser=True)
    client.force_login(cast.adam)
    assert client.post(path).status_code == 404
