"""Bad input gets a clear message and saves nothing; lists do not grow their query count."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from situations import services
from situations.models import AffectedPerson, RiskFactor, Situation, Status
from tests.conftest import make_situation
from tests.factories import AgencyFactory, MembershipFactory, UserFactory


def _record_post(**overrides):
    factor = RiskFactor.objects.order_by("pk").first()
    data = {
        "subject_type": "person",
        "age_group": "18-24",
        "gender": "man",
        "narrative": "A young man was threatened; housing and mental health needed.",
        "risk_factors": [factor.pk],
    }
    data.update(overrides)
    return data


def test_a_representative_drafts_a_situation_in_the_browser_form(client, cast):
    client.force_login(cast.alice)
    response = client.post("/sites/rex/situations/new/", _record_post())
    situation = Situation.objects.get()
    assert response["Location"] == situation.get_absolute_url()
    assert situation.status == Status.DRAFT
    assert situation.originating_agency == cast.alice.agency
    assert situation.risk_factors.count() == 1


def test_the_new_situation_form_reminds_to_keep_names_out(client, cast):
    client.force_login(cast.alice)
    assert "Keep names out." in client.get("/sites/rex/situations/new/").content.decode()


def test_an_unknown_risk_factor_id_is_a_form_error_and_nothing_is_saved(client, cast):
    client.force_login(cast.alice)
    body = client.post(
        "/sites/rex/situations/new/", _record_post(risk_factors=[999999])
    ).content.decode()
    assert "Select a valid choice. 999999 is not one of the available choices." in body
    assert not Situation.objects.exists()
    assert "A young man was threatened" in body  # what was typed is kept


def test_an_empty_form_says_what_is_missing(client, cast):
    client.force_login(cast.alice)
    body = client.post("/sites/rex/situations/new/", {}).content.decode()
    assert body.count("This field is required.") >= 4
    assert not Situation.objects.exists()


def test_an_agency_from_another_site_is_refused_at_acceptance(client, cast):
    elsewhere = AgencyFactory(short_name="ELSE")
    MembershipFactory(user=UserFactory(agency=elsewhere), site=cast.sca)
    submitted = services.submit(cast.alice, make_situation(cast))
    client.force_login(cast.carol)
    url = reverse("situation_accept", kwargs={"code": "rex", "reference": submitted.reference})
    body = client.post(url, {"lead_agency": elsewhere.pk, "consent": "obtained"}).content.decode()
    assert "Select a valid choice." in body
    assert Situation.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_the_lead_cannot_also_assist(client, cast):
    submitted = services.submit(cast.alice, make_situation(cast))
    cac = Agency.objects.get(short_name="CAC")
    client.force_login(cast.carol)
    url = reverse("situation_accept", kwargs={"code": "rex", "reference": submitted.reference})
    body = client.post(
        url, {"lead_agency": cac.pk, "assisting_agencies": [cac.pk], "consent": "obtained"}
    ).content.decode()
    assert "The lead agency cannot also be an assisting agency." in body
    assert Situation.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_consent_not_obtained_needs_a_reason(client, cast):
    submitted = services.submit(cast.alice, make_situation(cast))
    cac = Agency.objects.get(short_name="CAC")
    client.force_login(cast.carol)
    url = reverse("situation_accept", kwargs={"code": "rex", "reference": submitted.reference})
    body = client.post(url, {"lead_agency": cac.pk, "consent": "not_obtained"}).content.decode()
    assert "Say why consent was not obtained." in body


def test_a_chair_accepts_through_the_form(client, cast):
    submitted = services.submit(cast.alice, make_situation(cast))
    cac, csho = Agency.objects.get(short_name="CAC"), Agency.objects.get(short_name="CSHO")
    client.force_login(cast.carol)
    url = reverse("situation_accept", kwargs={"code": "rex", "reference": submitted.reference})
    response = client.post(
        url, {"lead_agency": cac.pk, "assisting_agencies": [csho.pk], "consent": "obtained"}
    )
    assert response.status_code == 302
    situation = Situation.objects.get(pk=submitted.pk)
    assert situation.status == Status.OPEN and situation.lead_agency == cac


def test_a_tampered_person_key_from_another_situation_is_404(client, cast):
    mine = make_situation(cast)
    other = make_situation(cast)
    client.force_login(cast.alice)
    foreign_key = AffectedPerson.objects.get(situation=other).key
    url = f"/sites/rex/situations/{mine.reference}/persons/{foreign_key}/"
    assert client.get(url).status_code == 404
    assert client.post(url + "remove/").status_code == 404
    assert AffectedPerson.objects.filter(key=foreign_key).exists()


def test_an_illegal_transition_in_the_browser_is_explained_and_changes_nothing(client, cast):
    draft = make_situation(cast)
    services.submit(cast.alice, draft)
    client.force_login(cast.alice)
    url = reverse("situation_submit", kwargs={"code": "rex", "reference": draft.reference})
    response = client.post(url, follow=True)
    assert "no longer possible" in response.content.decode()
    assert Situation.objects.get(pk=draft.pk).status == Status.SUBMITTED


def test_submitting_needs_a_risk_factor(client, cast):
    draft = services.create_draft(
        cast.alice,
        cast.rex,
        services.Record(subject_type="group", age_group="na", gender="na", narrative="A group."),
    )
    client.force_login(cast.alice)
    url = reverse("situation_submit", kwargs={"code": "rex", "reference": draft.reference})
    body = client.post(url, follow=True).content.decode()
    assert "Add at least one risk factor" in body
    assert Situation.objects.get(pk=draft.pk).status == Status.DRAFT


def test_two_people_editing_the_same_record_do_not_overwrite_each_other(client, cast):
    draft = make_situation(cast)
    client.force_login(cast.alice)
    url = reverse("situation_edit", kwargs={"code": "rex", "reference": draft.reference})
    first = client.post(url, _record_post(narrative="First edit.", version=draft.version))
    assert first.status_code == 302
    second = client.post(url, _record_post(narrative="Second edit.", version=draft.version))
    body = second.content.decode()
    assert "Someone else saved a change while you were editing" in body
    assert "Second edit." in body
    assert Situation.objects.get(pk=draft.pk).narrative == "First edit."


def test_person_labels_are_unique_within_a_situation(client, cast):
    draft = make_situation(cast)
    client.force_login(cast.alice)
    url = reverse("person_add", kwargs={"code": "rex", "reference": draft.reference})
    body = client.post(
        url, {"label": "person a", "age_group": "unknown", "gender": "unknown"}
    ).content.decode()
    assert "Another person in this situation already has that label." in body


def test_identifying_details_need_a_name(client, cast):
    draft = make_situation(cast)
    client.force_login(cast.alice)
    url = reverse("person_add", kwargs={"code": "rex", "reference": draft.reference})
    body = client.post(
        url,
        {"label": "Person B", "age_group": "unknown", "gender": "unknown", "location": "x"},
    ).content.decode()
    assert "Identifying details need a name to belong to." in body
    assert draft.affected_persons.count() == 1


def test_a_person_cannot_be_tied_to_a_factor_outside_the_situation(client, cast):
    draft = make_situation(cast)
    unrelated = RiskFactor.objects.order_by("-pk").first()
    client.force_login(cast.alice)
    url = reverse("person_add", kwargs={"code": "rex", "reference": draft.reference})
    body = client.post(
        url,
        {
            "label": "Person B",
            "age_group": "unknown",
            "gender": "unknown",
            "risk_factors": [unrelated.pk],
        },
    ).content.decode()
    assert "is not one of the available choices" in body


@pytest.mark.parametrize("filters", ["", "?status=open", "?q=REX", "?category=1&agency=1"])
def test_the_situation_list_costs_the_same_queries_for_5_and_for_200(client, cast, filters):
    from situations.models import ReferenceSequence

    factor = RiskFactor.objects.order_by("pk").first()

    def add(n):
        for _ in range(n):
            seq, _ = ReferenceSequence.objects.get_or_create(site=cast.rex, year=2026)
            seq.last_number += 1
            seq.save()
            s = Situation.objects.create(
                site=cast.rex,
                reference=f"REX-2026-{seq.last_number:03d}",
                status="open",
                subject_type="person",
                originating_agency=cast.alice.agency,
                narrative="x",
                lead_agency=cast.bob.agency,
            )
            s.risk_factors.create(factor=factor)

    client.force_login(cast.bob)
    client.get("/")  # the session's first request records its start; not counted below
    add(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/sites/rex/situations/{filters}").status_code == 200
    add(195)
    caches["fragments"].clear()  # the unfiltered fields are kept a minute: read them again
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/sites/rex/situations/{filters}").status_code == 200
    assert len(few) == len(many)
    assert len(many) <= 15
