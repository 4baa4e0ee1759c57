"""Access and correction requests answered by the privacy officer: found through the encrypted
identity whatever the spacing, case and accents, nothing for a person never recorded, the
report lists exactly the disclosures made, and what was typed is kept nowhere."""

import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from agencies.models import Agency
from ledger.models import CorrectionRecord, Disclosure
from privacy.access_requests import Search, build_report, matching_persons, normalise
from situations import services
from situations.models import ConclusionReason, IdentifyingDetails
from tests.conftest import MARKER, make_situation
from tests.test_logs import log_lines  # noqa: F401  (the fixture)

URL = "/privacy/access-requests/"
NAME = f"Zoë {MARKER}-Ortiz"
NEEDLE = MARKER.split()[0].lower()


def agency(short_name):
    return Agency.objects.get(short_name=short_name)


def assign(lead, *assisting):
    return services.Assignment(lead=agency(lead), assisting=[agency(a) for a in assisting])


def _named(cast, name=NAME, born="1990-02-03"):
    """A submitted situation whose one affected person has this identity."""
    situation = make_situation(cast)
    person = situation.affected_persons.get()
    services.save_person(
        cast.alice,
        situation,
        person=person,
        label="Person A",
        age_group="25-39",
        gender="woman",
        identity=services.Identity(full_name=name, date_of_birth=born),
    )
    return services.submit(cast.alice, situation)


@pytest.fixture
def scenario(cast):
    """By hand: accepted without consent (CAC lead, CSHO assisting), CDSB added, CSHO taken
    off, concluded. Another person's situation beside it."""
    situation = _named(cast)
    services.accept(
        cast.carol,
        situation,
        assign("CAC", "CSHO"),
        "not_obtained",
        "Asking would warn the person harming her.",
    )
    services.reassign(cast.carol, situation, assign("CAC", "CSHO", "CDSB"))
    services.reassign(cast.carol, situation, assign("CAC", "CDSB"))
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    services.conclude(cast.carol, situation, reason)
    other = _named(cast, name="Someone Else Entirely")
    return situation, other


def test_names_compare_without_accents_case_punctuation_or_spacing():
    assert normalise("  ZOË   o'Brien-Smith ") == normalise("zoe o brien smith")
    assert normalise("Zoe Obrien") != normalise("Zoe O Brien")


def test_a_person_typed_differently_is_found_and_a_stranger_is_not(cast, scenario):
    situation, other = scenario
    typed = f"  zoe  {MARKER.upper()}   ortiz "
    found = matching_persons(Search(typed))
    assert found == [situation.affected_persons.get().pk]
    from datetime import date

    assert matching_persons(Search(typed, date(1990, 2, 3))) == found
    assert matching_persons(Search(typed, date(1991, 2, 3))) == []  # another birth date
    assert matching_persons(Search("Never Recorded Person")) == []


def test_linkage_keys_find_the_person_typed_with_day_and_month_swapped(cast, scenario):
    """The name as typed and a birth date with day and month swapped: the encrypted identity
    alone misses it (another date), repeat detection's keys find it, by the rule of a
    repeat; a namesake born in another year is still not found."""
    from datetime import date

    situation, _other = scenario
    person = situation.affected_persons.get().pk
    swapped = Search(f"zoe {MARKER} ortiz", date(1990, 3, 2))
    assert not any(
        swapped.matches(row.full_name, row.date_of_birth)
        for row in IdentifyingDetails.objects.filter(person_id=person)
    )
    assert matching_persons(swapped) == [person]
    assert matching_persons(Search(f"zoe {MARKER} ortiz", date(1971, 6, 9))) == []


def test_a_purged_situation_is_no_longer_found(cast, scenario):
    situation, _other = scenario
    later = timezone.now() + timedelta(days=cast.rex.retention_days + 1)
    assert services.purge_identity(situation.pk, now=later)
    assert matching_persons(Search(NAME)) == []


def test_the_report_lists_exactly_the_disclosures_made(cast, scenario):
    situation, _other = scenario
    (report,) = build_report(matching_persons(Search(NAME)))
    assert report.situation == situation
    got = sorted(
        (d.recipient.short_name, d.info_class, d.basis, d.closed_because)
        for d in report.disclosures
    )
    expected = sorted(
        [
            # The originating agency, from the draft: its own record, until purge.
            ("COMH", "identity", "own_record", ""),
            ("COMH", "narrative", "own_record", ""),
            # The lead and the agency added later: identity until purge, the plan until
            # conclusion; no consent, so acutely elevated risk.
            ("CAC", "identity", "acute_risk", ""),
            ("CAC", "narrative", "acute_risk", ""),
            ("CAC", "plan", "acute_risk", "concluded"),
            ("CDSB", "identity", "acute_risk", ""),
            ("CDSB", "narrative", "acute_risk", ""),
            ("CDSB", "plan", "acute_risk", "concluded"),
            # Taken off the situation.
            ("CSHO", "identity", "acute_risk", "removed"),
            ("CSHO", "narrative", "acute_risk", "removed"),
            ("CSHO", "plan", "acute_risk", "removed"),
        ]
    )
    assert got == expected
    assert [c.status for c in report.consent] == ["not_sought"]


def test_the_page_answers_a_post_and_records_the_search_without_the_identity(
    client, cast, scenario
):
    situation, other = scenario
    client.force_login(cast.bob)
    client.get(situation.get_absolute_url() + "identity/")  # a view the report must list
    client.force_login(cast.polly)
    before = LogEntry.objects.count()
    page = client.post(URL, {"full_name": f"zoe {MARKER} ortiz", "date_of_birth": ""})
    assert page.status_code == 200
    html = page.content.decode()
    assert situation.reference in html and other.reference not in html
    assert NAME in html  # the values the person is entitled to
    assert html.count("<tr><td>Identifying details</td>") == 4  # COMH, CAC, CSHO, CDSB
    table = html[html.index('class="disclosures"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr><td>") == Disclosure.objects.filter(situation=situation).count()
    views = html[html.index('class="views"') :]
    assert "Bob" in views[: views.index("</table>")]
    new = LogEntry.objects.order_by("pk")[before:]
    assert len(new) == 2  # the search, and the access entry on the one situation found
    search = new[0]
    assert search.actor == cast.polly
    assert search.additional_data["matched"] == [situation.reference]
    for entry in LogEntry.objects.all():
        text = json.dumps([entry.changes, entry.additional_data, entry.object_repr]).lower()
        assert NEEDLE not in text and "zo" + "ë" not in text


def test_nothing_held_says_so(client, cast, scenario):
    client.force_login(cast.polly)
    page = client.post(URL, {"full_name": "Never Recorded Person"})
    assert 'class="no-match"' in page.content.decode()
    assert LogEntry.objects.filter(actor=cast.polly).count() == 1


def test_the_pdf_answers_a_post_only(client, cast, scenario):
    client.force_login(cast.polly)
    assert client.get(URL + "pdf/").status_code == 405
    response = client.post(URL + "pdf/", {"full_name": NAME, "date_of_birth": "1990-02-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_correction_records_the_fields_not_the_values(client, cast, scenario):
    situation, other = scenario
    person = situation.affected_persons.get()
    client.force_login(cast.polly)
    new_address = f"99 {MARKER} Crescent"
    prefix = f"fix{person.pk}"
    post = {
        "full_name": NAME,
        "person_form": str(person.pk),
        f"{prefix}-person": str(person.pk),
        f"{prefix}-received_on": timezone.localdate().isoformat(),
        f"{prefix}-location": new_address,
    }
    assert client.post(URL + "correction/", post).status_code == 200
    assert IdentifyingDetails.objects.get(person=person).location == new_address
    record = CorrectionRecord.objects.get()
    assert record.fields == ["location"] and record.recorded_by == cast.polly
    assert record.situation == situation
    for entry in LogEntry.objects.all():
        assert NEEDLE not in json.dumps([entry.changes, entry.additional_data]).lower()

    # Someone else's details cannot be corrected through this person's request.
    stranger = other.affected_persons.get()
    prefix = f"fix{stranger.pk}"
    refused = client.post(
        URL + "correction/",
        {
            "full_name": NAME,
            "person_form": str(stranger.pk),
            f"{prefix}-person": str(stranger.pk),
            f"{prefix}-received_on": timezone.localdate().isoformat(),
            f"{prefix}-location": "elsewhere",
        },
    )
    assert refused.status_code == 200
    assert "does not match" in refused.content.decode()
    assert IdentifyingDetails.objects.get(person=stranger).location != "elsewhere"
    assert CorrectionRecord.objects.count() == 1


def test_no_log_line_carries_what_was_typed(client, cast, scenario, log_lines):  # noqa: F811
    situation, _other = scenario
    person = situation.affected_persons.get()
    client.force_login(cast.polly)
    client.post(URL, {"full_name": NAME})
    client.post(URL + "pdf/", {"full_name": NAME})
    prefix = f"fix{person.pk}"
    client.post(
        URL + "correction/",
        {
            "full_name": NAME,
            "person_form": str(person.pk),
            f"{prefix}-person": str(person.pk),
            f"{prefix}-received_on": timezone.localdate().isoformat(),
            f"{prefix}-location": f"1 {MARKER} Road",
        },
    )
    lines = log_lines()
    assert lines  # the requests did log
    assert all(NEEDLE not in line.lower() for line in lines)
