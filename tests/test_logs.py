"""Structured logs: JSON lines with request ids, and no identifying content in any of them.

The marker identity (tests/conftest.py) is typed into every form a person fills on the way
a situation goes (drafting, the person and their identity, the meeting, contacts, the plan
and updates, conclusion, the exports and minutes, reminders and the purge), with every logger
of the application open at DEBUG, through the handler, filters and formatter settings.LOGGING
gives production. Not one line may carry it.
"""

import copy
import io
import json
import logging
import logging.config
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from core.logs import JSONFormatter
from meetings.services import ensure_next_meeting
from situations.models import ConclusionReason, RiskFactor, Situation
from tests.conftest import MARKER
from tests.test_access_logs import (
    LINK,
    TOKEN,
    UID,
    dockerfile_command,
    free_port,
    serve_and_read_logs,
)

NEEDLE = MARKER.split()[0].lower()  # the part of the marker no other text contains


@pytest.fixture
def log_lines(settings):
    """Every record, as settings.LOGGING writes it in production (LOG_FORMAT=json) with
    LOG_LEVEL=DEBUG, the most an operator can open it; into a buffer instead of stderr."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    for name in ("console", "django.server"):
        config["handlers"][name].update(formatter="json", stream=stream)
    config["root"]["level"] = "DEBUG"
    config["loggers"]["django"]["level"] = "DEBUG"
    axes = logging.getLogger("axes")
    quiet = axes.level  # tests/conftest.py quietens it; production does not
    axes.setLevel(logging.NOTSET)
    logging.config.dictConfig(config)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        logging.config.dictConfig(settings.LOGGING)
        axes.setLevel(quiet)


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _every_path(client, cast, django_capture_on_commit_callbacks, mailoutbox):
    """A situation from draft to purge, through the pages, the marker in every field."""
    factor = RiskFactor.objects.order_by("pk").first()
    client.force_login(cast.alice)
    created = client.post(
        "/sites/rex/situations/new/",
        {
            "subject_type": "person",
            "age_group": "12-17",
            "gender": "woman",
            "narrative": f"{MARKER} was threatened; housing needed.",
            "risk_factors": [factor.pk],
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    situation = Situation.objects.get()
    url = situation.get_absolute_url()
    person = {
        "label": "Person A",
        "age_group": "12-17",
        "gender": "woman",
        "full_name": MARKER,
        "date_of_birth": "2010-05-04",
        "location": f"12 {MARKER} Street",
        "contact_notes": f"Call {MARKER}'s aunt",
        "risk_factors": [factor.pk],
    }
    # A mistake first (a birth date in the future), then the person saved.
    refused = client.post(url + "persons/new/", {**person, "date_of_birth": "2999-01-01"})
    assert refused.status_code == 200
    assert client.post(url + "persons/new/", person).status_code == 302
    for page in (url, url + "identity/", url + "history/"):
        assert client.get(page).status_code == 200
    assert MARKER in client.get(url + "identity/").content.decode()
    assert client.get("/sites/rex/situations/", {"q": MARKER}).status_code == 200
    assert client.post(url + "submit/").status_code == 302

    # The meeting: the chair starts it, writes notes and accepts the situation.
    meeting = ensure_next_meeting(cast.rex)  # the one the submission put it on
    kwargs = {"code": "rex", "key": meeting.key}
    client.force_login(cast.carol)
    assert (
        client.post(reverse("meeting_start", kwargs=kwargs), {"confirmed": "yes"}).status_code
        == 302
    )
    item = meeting.items.get()
    item_kwargs = {**kwargs, "reference": situation.reference}
    for page in ("meeting_live", "meeting_agenda", "meeting_detail"):
        assert client.get(reverse(page, kwargs=kwargs)).status_code == 200
    client.post(
        reverse("item_notes", kwargs=item_kwargs),
        {"notes-version": item.version, "notes-notes": f"Discussed {MARKER}."},
    )
    item.refresh_from_db()
    decided = client.post(
        reverse("item_decide", kwargs=item_kwargs),
        {
            "action": "accept",
            "accept-version": item.version,
            "accept-lead_agency": Agency.objects.get(short_name="CAC").pk,
            "accept-assisting_agencies": [Agency.objects.get(short_name="CSHO").pk],
            "accept-consent": "obtained",
        },
    )
    assert decided.status_code == 302, decided.content.decode()[:2000]
    client.post(
        reverse("action_add", kwargs=kwargs),
        {
            "reference": situation.reference,
            "action-text": f"Visit {MARKER}",
            "action-owner": Agency.objects.get(short_name="CAC").pk,
            "action-due_on": timezone.localdate().isoformat(),
        },
    )

    # The lead agency: its identity page, the plan, a contact, an update.
    client.force_login(cast.bob)
    responses = url + "responses/"
    assert client.get(url + "identity/").status_code == 200
    forms = [
        {
            "form": "plan",
            "plan-who": f"{MARKER}'s worker",
            "plan-planned_for": _local(timezone.now() + timedelta(hours=3)),
            "plan-how": f"Visit {MARKER}",
        },
        {  # refused (in the future), then logged
            "form": "contact",
            "contact-attempted_at": _local(timezone.now() + timedelta(days=1)),
            "contact-method": "door_knock",
            "contact-outcome": "contacted",
            "contact-notes": f"Met {MARKER}.",
        },
        {
            "form": "contact",
            "contact-attempted_at": _local(timezone.now() - timedelta(minutes=5)),
            "contact-method": "door_knock",
            "contact-outcome": "contacted",
            "contact-notes": f"Met {MARKER}.",
        },
        {"form": "update", "update-text": f"{MARKER} housed."},
    ]
    for form in forms:
        assert client.post(responses, form).status_code in (200, 302)
    assert situation.contact_attempts.exists()

    # Reminders for the clock of a second situation that nobody contacted.
    from reminders.services import deliver, sweep

    with django_capture_on_commit_callbacks(execute=False):
        swept = sweep(now=timezone.now() + timedelta(days=3), enqueue=False)
    for pk in swept.enqueued:
        deliver(pk)

    # The meeting closes; minutes, the agency's action list and the exports.
    client.force_login(cast.carol)
    assert (
        client.post(reverse("meeting_close", kwargs=kwargs), {"confirmed": "yes"}).status_code
        == 302
    )
    for name, fmt in (("meeting_minutes", None), ("meeting_minutes", "pdf")):
        query = {"format": fmt} if fmt else {}
        assert client.get(reverse(name, kwargs=kwargs), query).status_code == 200
    assert client.get("/sites/rex/export.csv").status_code == 200
    assert client.get("/sites/rex/export.xlsx").status_code == 200
    client.force_login(cast.bob)
    for fmt in (None, "pdf"):
        query = {"format": fmt} if fmt else {}
        assert client.get(reverse("agency_minutes", kwargs=kwargs), query).status_code == 200

    # Consent over time, telling the person, and an access request answered with a
    # correction: the marker typed into each.
    client.force_login(cast.bob)
    today = timezone.localdate().isoformat()
    consent = {"status": "withdrawn", "on_date": today, "note": f"{MARKER} changed her mind."}
    assert client.post(url + "consent/", consent).status_code == 302
    assert client.post(url + "told/", {"outcome": "told", "told_on": today}).status_code == 302
    client.force_login(cast.polly)
    search = {"full_name": f"  {MARKER.upper()} "}
    assert MARKER in client.post("/privacy/access-requests/", search).content.decode()
    assert client.post("/privacy/access-requests/pdf/", search).status_code == 200
    person_pk = situation.affected_persons.get().pk
    prefix = f"fix{person_pk}"
    correction = {
        **search,
        "person_form": str(person_pk),
        f"{prefix}-person": str(person_pk),
        f"{prefix}-received_on": today,
        f"{prefix}-location": f"14 {MARKER} Street",
    }
    assert client.post("/privacy/access-requests/correction/", correction).status_code == 200

    # Concluded, and purged when its retention period is over.
    client.force_login(cast.carol)
    reason = ConclusionReason.objects.filter(outcome="lowered").first()
    concluded = client.post(
        url + "conclude/",
        {
            "conclusion_reason": reason.pk,
            "concluded_on": timezone.localdate().isoformat(),
            "confirmed": "yes",
        },
    )
    assert concluded.status_code == 302
    from situations.services import purge_expired_identities

    later = timezone.now() + timedelta(days=cast.rex.retention_days + 1)
    assert purge_expired_identities(now=later) == 1
    return situation


def test_no_log_line_carries_identifying_content(
    client, cast, log_lines, django_capture_on_commit_callbacks, mailoutbox
):
    _every_path(client, cast, django_capture_on_commit_callbacks, mailoutbox)
    # A page that is not there: Django's warning, with the request's id.
    missing = client.get("/sites/rex/situations/REX-1999-999/")
    assert missing.status_code == 404
    lines = log_lines()
    assert len(lines) > 20  # the paths did log: DEBUG lines of Django, axes, the app
    entries = [json.loads(line) for line in lines]  # each line is one JSON object
    assert all(NEEDLE not in line.lower() for line in lines), [
        line for line in lines if NEEDLE in line.lower()
    ]
    request_id = missing["X-Request-ID"]
    warning = [e for e in entries if e.get("request_id") == request_id]
    assert warning and warning[-1]["message"] == "Not Found: /sites/rex/situations/REX-1999-999/"
    assert {"time", "level", "logger", "message"} <= set(entries[0])


def test_a_json_line_redacts_tokens_in_message_and_traceback(log_lines):
    logger = logging.getLogger("focus.test")
    logger.warning("Not Found: %s", LINK)
    try:
        raise ValueError(f"no such link {LINK}")
    except ValueError:
        logger.exception("while resolving")
    text = "\n".join(log_lines())
    assert TOKEN not in text and UID not in text
    first, second = (json.loads(line) for line in log_lines())
    assert first["message"] == "Not Found: /accounts/reset/[redacted]/"
    assert "no such link /accounts/reset/[redacted]/" in second["exception"]


def test_a_record_carries_only_named_fields():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found", (), None
    )
    record.request = f"<WSGIRequest: GET '/x/?q={MARKER}'>"  # Django attaches the request
    record.status_code = 404
    entry = json.loads(JSONFormatter().format(record))
    assert set(entry) == {"time", "level", "logger", "message"}


def test_gunicorn_writes_json_lines_with_request_ids_and_no_token(tmp_path, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    port = free_port()
    command = dockerfile_command()
    command[0] = str(Path(sys.executable).parent / "gunicorn")
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    command.append("--no-control-socket")
    output = serve_and_read_logs(command, port, tmp_path)
    assert TOKEN not in output and UID not in output
    entries = [json.loads(line) for line in output.splitlines() if line.strip()]
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert {(e["path"], e["status"]) for e in access} >= {
        ("/accounts/reset/[redacted]/", 200),
        ("/accounts/reset/[redacted]/", 404),
    }
    # The access line and Django's own warning of one request share its id.
    not_found = next(e for e in entries if e["message"].startswith("Not Found:"))
    assert not_found["request_id"] in {e.get("request_id") for e in access}


def test_no_ledger_row_carries_identifying_content(
    client, cast, django_capture_on_commit_callbacks, mailoutbox
):
    """The disclosure ledger outlives the purge as the record that the disclosures happened:
    not one of its rows (nor any audit entry) may carry the marker typed everywhere on the way.
    A consent note is free text held with the case, masked in the trail: it is the one field
    left out, and it is checked to be the only place the marker is."""
    from auditlog.models import LogEntry

    from ledger.models import ConsentRecord, CorrectionRecord, Disclosure, TellingRecord

    situation = _every_path(client, cast, django_capture_on_commit_callbacks, mailoutbox)
    assert Disclosure.objects.filter(situation=situation).count() >= 8
    assert CorrectionRecord.objects.filter(situation=situation).exists()
    for model in (Disclosure, TellingRecord, CorrectionRecord, ConsentRecord):
        for row in model.objects.values():
            note = row.pop("note", "")
            assert NEEDLE not in json.dumps(row, default=str).lower(), (model, row)
            if model is ConsentRecord and note:
                assert NEEDLE in note.lower()  # proves the marker was typed there
    for entry in LogEntry.objects.all():
        text = json.dumps([entry.changes, entry.additional_data, entry.object_repr])
        assert NEEDLE not in text.lower(), entry.pk
