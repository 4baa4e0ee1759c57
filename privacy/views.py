"""The privacy officer's pages: the audit trail's metadata, the grants check, retention.
No case content: references, people, times and kinds of act, never values."""

import csv

from auditlog.models import LogEntry
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from access.decorators import requires
from access.gates import Gate, restrict
from access.policy import Kind
from agencies.models import Agency, Site
from agencies.services import Act
from core.models import Heartbeat
from situations.models import Status
from situations.services import grant_drift
from situations.tasks import PURGE_HEARTBEAT

from .forms import AuditFilterForm


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
