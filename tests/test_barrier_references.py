"""Barrier texts refuse anything shaped like a situation reference (issue 13, item 5): the
steering committee and every table a barrier reaches read them."""

import pytest
from django.core.exceptions import ValidationError

from barriers import services as barriers
from barriers.models import Barrier, BarrierCategory

REFERENCE_REFUSED = "looks like a situation reference"


@pytest.mark.parametrize(
    "text",
    [
        "Like REX-2026-001, no youth bed north of the 401.",
        "see rex-2026-14",
        "SCA–2026–003 shows it",
        "REX/2026/001",
        "REX2026001",
        "REX 2026 001",
        "ＲＥＸ－２０２６－００１",  # full-width look-alikes
    ],
)
def test_a_barrier_description_naming_a_situation_is_refused_with_the_reason(client, cast, text):
    client.force_login(cast.erin)
    body = client.post(
        "/barriers/new/?site=rex",
        {"category": BarrierCategory.objects.first().pk, "description": text},
    ).content.decode()
    assert REFERENCE_REFUSED in body
    assert not Barrier.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "No youth shelter bed north of the 401 since March 2025 (120 turned away).",
        "Same as barrier B-2026-001, in the east end.",
    ],
)
def test_ordinary_barrier_text_is_accepted(client, cast, text):
    client.force_login(cast.erin)
    response = client.post(
        "/barriers/new/?site=rex",
        {"category": BarrierCategory.objects.first().pk, "description": text},
    )
    assert response.status_code == 302
    assert Barrier.objects.get().description == text


def test_the_services_refuse_a_reference_whatever_calls_them(cast, story):
    category = BarrierCategory.objects.first()
    with pytest.raises(ValidationError, match="situation reference"):
        barriers.raise_barrier(cast.erin, cast.rex, category, f"As {story.open.reference}.")
    barrier = barriers.raise_barrier(cast.erin, cast.rex, category, "No bus after 6 pm.")
    with pytest.raises(ValidationError, match="situation reference"):
        barriers.record(cast.steve, barrier, f"Decided after {story.open.reference}", decision=True)
    assert not barrier.actions.filter(kind="decision").exists()


def test_the_link_form_refuses_a_reference_and_carries_the_reminder(client, cast, story):
    client.force_login(cast.erin)
    path = f"/sites/rex/situations/{story.open.reference}/barriers/"
    page = client.get(path).content.decode()
    assert "de-identified: no names, no details of any situation" in page
    body = client.post(
        path,
        {
            "category": BarrierCategory.objects.first().pk,
            "description": f"Same as {story.open.reference}",
        },
    ).content.decode()
    assert REFERENCE_REFUSED in body
    assert not Barrier.objects.exists()


def test_a_steering_comment_naming_a_situation_is_refused(client, cast, story):
    barrier = barriers.raise_barrier(
        cast.erin, cast.rex, BarrierCategory.objects.first(), "No bus after 6 pm."
    )
    client.force_login(cast.steve)
    body = client.post(
        f"/barriers/{barrier.reference}/",
        {"action": "record", "record-text": "Discussed REX-2026-001 at length."},
    ).content.decode()
    assert REFERENCE_REFUSED in body
    assert not barrier.actions.filter(kind__in=["comment", "decision"]).exists()
