"""What an attacker would try: other ids, extra fields, payloads, oversize input, fuzzing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from situations.models import Situation, Status
from tests.conftest import make_situation

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_payloads_in_every_text_field_come_back_escaped(client, cast, story):
    client.force_login(cast.alice)
    url = reverse("situation_create", kwargs={"code": "rex"})
    from situations.models import RiskFactor

    client.post(
        url,
        {
            "subject_type": "person",
            "age_group": "12-17",
            "gender": "woman",
            "narrative": PAYLOAD,
            "risk_factors": [RiskFactor.objects.first().pk],
        },
    )
    created = Situation.objects.get(narrative=PAYLOAD)
    person_url = reverse("person_add", kwargs={"code": "rex", "reference": created.reference})
    client.post(
        person_url,
        {
            "label": PAYLOAD[:40],
            "age_group": "unknown",
            "gender": "unknown",
            "full_name": PAYLOAD,
            "location": PAYLOAD,
            "contact_notes": PAYLOAD,
        },
    )
    client.force_login(cast.bob)
    client.post(
        reverse("situation_responses", kwargs={"code": "rex", "reference": story.open.reference}),
        {"form": "update", "update-text": PAYLOAD},
    )
    pages = [
        (cast.alice, created.get_absolute_url()),
        (
            cast.alice,
            reverse("situation_identity", kwargs={"code": "rex", "reference": created.reference}),
        ),
        (cast.erin, story.open.get_absolute_url()),
        (
            cast.bob,
            reverse(
                "situation_responses", kwargs={"code": "rex", "reference": story.open.reference}
            ),
        ),
    ]
    for user, path in pages:
        client.force_login(user)
        body = client.get(path).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;" in body, path


def test_extra_post_fields_are_ignored(client, cast):
    draft = make_situation(cast)
    client.force_login(cast.alice)
    url = reverse("situation_edit", kwargs={"code": "rex", "reference": draft.reference})
    from situations.models import RiskFactor

    client.post(
        url,
        {
            "version": draft.version,
            "subject_type": "person",
            "age_group": "12-17",
            "gender": "woman",
            "narrative": "ok",
            "risk_factors": [RiskFactor.objects.first().pk],
            "status": "open",
            "originating_agency": cast.bob.agency_id,
            "site": cast.sca.pk,
            "reference": "REX-1999-001",
            "lead_agency": 1,
        },
    )
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.originating_agency == cast.alice.agency
    assert draft.site == cast.rex and draft.reference != "REX-1999-001"


def test_oversize_input_is_refused_with_a_message(client, cast):
    client.force_login(cast.alice)
    from situations.models import RiskFactor

    body = client.post(
        reverse("situation_create", kwargs={"code": "rex"}),
        {
            "subject_type": "person",
            "age_group": "12-17",
            "gender": "woman",
            "narrative": "x" * 5000,
            "risk_factors": [RiskFactor.objects.first().pk],
        },
    ).content.decode()
    assert "Ensure this value has at most 4000 characters" in body
    assert not Situation.objects.exists()


def test_a_request_body_over_the_limit_is_refused_cleanly(client, cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(cast.alice)
    response = client.post(
        reverse("situation_create", kwargs={"code": "rex"}), {"narrative": "x" * 20_000}
    )
    assert response.status_code == 400


def test_ids_of_other_sites_and_agencies_answer_404(client, cast, story):
    # Charlie's agency is the originating agency, but he sits at another table.
    client.force_login(cast.charlie)
    for situation in (story.draft, story.submitted, story.open, story.concluded):
        for name in (
            "situation_detail",
            "situation_identity",
            "situation_history",
            "situation_responses",
            "situation_edit",
        ):
            url = reverse(name, kwargs={"code": "rex", "reference": situation.reference})
            assert client.get(url).status_code == 404, url
            url = reverse(name, kwargs={"code": "sca", "reference": situation.reference})
            assert client.get(url).status_code == 404, url


text = st.text(max_size=300)
maybe_date = st.one_of(st.none(), st.dates().map(str), text)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same examples in every run, so CI is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    data=st.fixed_dictionaries(
        {
            "subject_type": st.one_of(text, st.sampled_from(["person", "family", "group"])),
            "age_group": st.one_of(text, st.sampled_from(["12-17", "na"])),
            "gender": text,
            "narrative": st.text(max_size=5000),
            "referral_source": st.one_of(text, st.integers().map(str)),
            "risk_factors": st.lists(st.one_of(st.integers().map(str), text), max_size=4),
            "protective_factors": st.lists(st.integers(-5, 10**12).map(str), max_size=3),
            "version": st.one_of(text, st.integers().map(str)),
        }
    )
)
def test_the_situation_form_never_answers_500(client, cast, data):
    client.force_login(cast.alice)
    response = client.post(reverse("situation_create", kwargs={"code": "rex"}), data)
    assert response.status_code in (200, 302)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same examples in every run, so CI is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    form=st.sampled_from(["plan", "contact", "update", "services"]),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "plan-who",
                "plan-planned_for",
                "plan-how",
                "plan-version",
                "contact-attempted_at",
                "contact-method",
                "contact-outcome",
                "contact-notes",
                "update-text",
                "update-proposes_conclusion",
                "update-proposed_reason",
                "services-services_mobilized",
            ]
        ),
        st.one_of(
            st.text(max_size=200),
            maybe_date.map(str),
            st.integers().map(str),
            st.just((timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")),
        ),
        max_size=8,
    ),
)
def test_the_response_forms_never_answer_500(client, cast, story, form, fields):
    client.force_login(cast.bob)
    url = reverse("situation_responses", kwargs={"code": "rex", "reference": story.open.reference})
    response = client.post(url, {"form": form, **fields})
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("bad", ["\x00", "a\x00b"])
def test_null_bytes_are_a_form_error_not_a_crash(client, cast, bad):
    client.force_login(cast.alice)
    response = client.post(
        reverse("situation_create", kwargs={"code": "rex"}),
        {"subject_type": "person", "age_group": "na", "gender": "na", "narrative": bad},
    )
    assert response.status_code == 200


HUGE = "99999999999999999999999"


def test_ids_beyond_64_bits_are_invalid_choices_not_crashes(client, cast, story):
    client.force_login(cast.bob)
    url = reverse("situation_responses", kwargs={"code": "rex", "reference": story.open.reference})
    body = client.post(url, {"form": "services", "services-services_mobilized": [HUGE]})
    assert body.status_code == 200 and "Select a valid choice" in body.content.decode()
    body = client.post(
        url,
        {
            "form": "update",
            "update-text": "t",
            "update-proposes_conclusion": "on",
            "update-proposed_reason": HUGE,
        },
    )
    assert body.status_code == 200
    client.force_login(cast.alice)
    response = client.post(
        reverse("situation_create", kwargs={"code": "rex"}),
        {"protective_factors": [HUGE], "referral_source": HUGE},
    )
    assert response.status_code == 200
    client.force_login(cast.adam)
    response = client.post("/people/new/", {"agency": HUGE, "username": "x"})
    assert response.status_code == 200
