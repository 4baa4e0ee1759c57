"""The privacy officer's pages: the audit trail's metadata, the grants check, retention.
No case content: references, people, times and kinds of act, never values."""

import csv
import io

from auditlog.models import LogEntry
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from xhtml2pdf import pisa

from access.decorators import requires
from access.gates import Gate, restrict
from access.policy import Kind
from agencies.models import Agency, Site
from agencies.services import Act
from core.adapter import attempt
from core.models import Heartbeat
from situations.models import Status
from situations.services import grant_drift
from situations.tasks import PURGE_HEARTBEAT

from . import access_requests
from .forms import AccessRequestForm, AuditFilterForm, CorrectionForm


class AuditEntryGate(Gate):
    """Audit entries answer to roles only (the policy's AUDIT_ENTRY rules)."""

    kind = Kind.AUDIT_ENTRY


AUDIT_GATE = AuditEntryGate()


def audit_entries(user):
    return restrict(LogEntry.objects.all(), AUDIT_GATE, user, "view")


CSV_COLUMNS = ["when", "who", "action", "record_type", "record", "address"]


@never_cache
@requires("audit_trail")
def audit_trail(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = form.filter(
        audit_entries(request.user).select_related("actor", "content_type").order_by("-timestamp")
    )
    if request.GET.get("format") == "csv" and (form.is_valid() or not request.GET):
        return _audit_csv(request, entries)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    for entry in page:
        entry.act = Act.of(entry)  # what an administrator did to a person, if it was that
    query = request.GET.copy()
    query.pop("page", None)
    csv_query = query.copy()
    csv_query["format"] = "csv"
    return render(
        request,
        "privacy/audit_trail.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "csv_query": csv_query.urlencode(),
        },
    )


def _audit_csv(request, entries) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=2000):
        act = Act.of(entry)
        writer.writerow(
            [
                timezone.localtime(entry.timestamp).isoformat(timespec="seconds"),
                entry.actor.username if entry.actor else "system",
                act.label if act else entry.get_action_display(),
                entry.content_type.name if entry.content_type else "",
                entry.object_repr,
                entry.remote_addr or "",
            ]
        )
    LogEntry.objects.log_create(
        request.user,
        action=LogEntry.Action.ACCESS,
        actor=request.user,
        force_log=True,
        changes={"exported": [None, "audit trail CSV"]},
    )
    return response


@never_cache
@requires("audit_trail")
def grants(request: HttpRequest) -> HttpResponse:
    """check_access, on a page: do the need-to-know grants match participation?"""
    drift = list(grant_drift())
    agencies = dict(Agency.objects.values_list("pk", "name"))
    rows = [
        {
            "reference": reference,
            "problem": problem,
            "permission": permission,
            "holder": agencies.get(holder, holder) if problem != "personal" else holder,
        }
        for reference, problem, permission, holder in drift
    ]
    return render(request, "privacy/grants.html", {"rows": rows})


@never_cache
@requires("audit_trail")
def retention(request: HttpRequest) -> HttpResponse:
    """Per site: what is kept, what is waiting to be purged, and whether purging runs."""
    now = timezone.now()
    rows = []
    for site in Site.objects.order_by("name"):
        concluded = site.situations.filter(status=Status.CONCLUDED)
        counts = concluded.aggregate(
            kept=Count("pk", filter=Q(identity_purged_at__isnull=True)),
            purged=Count("pk", filter=Q(identity_purged_at__isnull=False)),
            oldest=Min("concluded_at", filter=Q(identity_purged_at__isnull=True)),
        )
        due = now - timezone.timedelta(days=site.retention_days)
        overdue = concluded.filter(identity_purged_at__isnull=True, concluded_at__lte=due).count()
        rows.append({"site": site, "overdue": overdue, **counts})
    return render(
        request,
        "privacy/retention.html",
        {
            "rows": rows,
            "last_purge": Heartbeat.objects.filter(name=PURGE_HEARTBEAT)
            .values_list("last_run_at", flat=True)
            .first(),
        },
    )


# ---- Access and correction requests -----------------------------------------------------------
# The identifying details come in a POST body only, and go out only in the page or the PDF
# answering that POST: never a URL, a session, a message, a log line or an audit diff.


def _search(form: AccessRequestForm) -> access_requests.Search:
    return access_requests.Search(
        form.cleaned_data["full_name"], form.cleaned_data.get("date_of_birth")
    )


def _correction_form(person, bound=None):
    if bound is not None:
        return bound
    return CorrectionForm(
        prefix=f"fix{person.pk}",
        initial={"person": person.pk, "received_on": timezone.localdate()},
    )


def _report_context(form, reports, bound=None, bound_person=""):
    """The report, each matching person with a correction form (the bound one, with its
    errors, for the person just corrected; at the top if that person is not in it)."""
    placed = False
    for report in reports:
        for person in report.persons:
            mine = bound if str(person.pk) == bound_person else None
            placed = placed or mine is not None
            person.correction_form = _correction_form(person, mine)
    return {
        "form": form,
        "reports": reports,
        "unplaced": bound if bound is not None and not placed else None,
        "today": timezone.localdate(),
    }


# Every POST field of these views is identifying: an error report (a 500's email or page)
# shows none of them.
@sensitive_post_parameters()
@never_cache
@requires("access_requests")
def access_request(request: HttpRequest) -> HttpResponse:
    form = AccessRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reports = access_requests.answer(request.user, _search(form), "report")
        return render(request, "privacy/access_report.html", _report_context(form, reports))
    return render(request, "privacy/access_request.html", {"form": form})


@sensitive_post_parameters()
@never_cache
@requires("access_requests")
@require_POST
def access_request_pdf(request: HttpRequest) -> HttpResponse:
    form = AccessRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/access_request.html", {"form": form})
    reports = access_requests.answer(request.user, _search(form), "PDF")
    html = render_to_string(
        "privacy/access_report_pdf.html", _report_context(form, reports), request=request
    )
    buffer = io.BytesIO()
    if pisa.CreatePDF(html, dest=buffer, encoding="utf-8").err:
        raise RuntimeError("PDF rendering failed")
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="access-request-{stamp}.pdf"'
    return response


@sensitive_post_parameters()
@never_cache
@requires("access_requests")
@require_POST
def access_correction(request: HttpRequest) -> HttpResponse:
    """Correct one matching person's details. The search comes along (hidden fields of the
    report's form) so that only a person who matches it can be corrected."""
    form = AccessRequestForm(request.POST)
    person = request.POST.get("person_form", "")
    fix = CorrectionForm(request.POST, prefix=f"fix{person}" if person.isdigit() else "fix")
    if form.is_valid() and fix.is_valid():
        done = attempt(
            request,
            lambda: access_requests.correct(
                request.user,
                _search(form),
                fix.cleaned_data["person"],
                fix.changes(),
                fix.cleaned_data["received_on"],
            ),
            form=fix,
            success=_("Corrected. Search again, with the corrected details if the name changed."),
        )
        if done:
            return render(request, "privacy/access_request.html", {"form": AccessRequestForm()})
    if not form.is_valid():
        return render(request, "privacy/access_request.html", {"form": form})
    reports = access_requests.answer(request.user, _search(form), "report")
    return render(
        request, "privacy/access_report.html", _report_context(form, reports, fix, person)
    )
