"""Aggregates for the steering committee (all sites, small cells suppressed) and for chairs
(their own sites). No page here lists an individual situation."""

import hashlib
from datetime import timedelta

from auditlog.models import LogEntry
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from access.decorators import requires
from agencies.models import RESPONSE_WINDOW_MAX_HOURS, Site
from barriers.models import Barrier, BarrierLink
from barriers.services import open_barrier_evidence
from core import exports
from ledger.models import TellingRecord
from situations.models import AgeGroup, Gender, Situation, SituationRiskFactor, Status

from . import metrics, rollups
from .forms import PeriodForm, ReportingPeriodForm


def _scope(user) -> tuple[list[Site], bool]:
    """The sites the viewer may count, and whether small cells are suppressed for them:
    exact figures where the policy says so (a chair's own sites), suppressed elsewhere."""
    exact = list(Site.objects.restrict(user, "count_exactly"))
    if exact:
        return exact, False
    return list(Site.objects.restrict(user, "count")), True


def _log_export(user, what: str, site: Site | None = None) -> None:
    LogEntry.objects.log_create(
        site or user,
        action=LogEntry.Action.ACCESS,
        actor=user,
        force_log=True,
        changes={"exported": [None, what]},
    )


# The key changes with the data, so the figures may live longer than a few minutes (the
# biggest views, ten years of every site, take seconds to compute). Not for days: a change
# written just before another but committed just after it leaves the key as it was, and this
# lifetime bounds how long such figures can lag.
FIGURES_SECONDS = 60 * 60


# A period that ended longer ago than the longest response window (and a day, for the local
# day's edges) has every clock of its situations settled: a deadline passing elsewhere does
# not change its figures, so it does not change its key. Without this, every deadline passing
# anywhere recomputed the committee's closed periods, and 20 people reading them at once each
# waited for it (the quarter's p95 with 20 people).
SETTLED_AFTER = timedelta(hours=RESPONSE_WINDOW_MAX_HOURS, days=1)


def _data_version(clocks: bool = True) -> str:
    """Changes whenever any situation or barrier is added or changed, and (with `clocks`)
    whenever a running response clock passes its deadline (the response promise counts it
    from then). Situations
    are never deleted, so the newest id and the latest change tell it, each read from the end
    of an index. It is global on purpose: filtering by 150 sites cost more than the rare
    recompute of one table's figures when another table's data changes."""
    state = Situation.objects.aggregate(changed=Max("updated_at"), last=Max("pk"))
    changed = state["changed"].timestamp() if state["changed"] else 0
    # From the running clocks' own partial index: the latest deadline already passed.
    passed = (
        Situation.objects.filter(
            status=Status.OPEN, first_contact_at__isnull=True, response_due_at__lte=timezone.now()
        ).aggregate(last=Max("response_due_at"))["last"]
        if clocks
        else None
    )
    barriers = BarrierLink.objects.aggregate(n=Count("pk"), last=Max("linked_at"))
    barrier_state = f"{barriers['n']}:{barriers['last'].timestamp() if barriers['last'] else 0}"
    statuses = Barrier.objects.aggregate(last=Max("updated_at"))["last"]
    # "Was the person told" is recorded without changing the situation.
    told = TellingRecord.objects.aggregate(last=Max("pk"))["last"]
    return ":".join(
        [
            str(state["last"]),
            str(changed),
            str(passed.timestamp() if passed else 0),
            barrier_state,
            str(statuses.timestamp() if statuses else 0),
            str(told or 0),
        ]
    )


def _compute(request):
    sites, suppressed = _scope(request.user)
    if suppressed:
        form = ReportingPeriodForm(request.GET)
    else:
        form = PeriodForm(request.GET, sites=sites)
    result = None
    if form.is_valid():
        chosen = sites if suppressed else form.chosen_sites()
        period = form.period()
        start, end = period.start, period.end
        # Aggregates only (never a row) are cached, keyed by the data's version, so a change
        # to any counted situation is seen at once and a repeated view costs two queries.
        key = ":".join(
            [
                "dashboard",
                get_language() or "",
                "suppressed" if suppressed else "exact",
                hashlib.sha256(",".join(sorted(s.code for s in chosen)).encode()).hexdigest(),
                start.isoformat(),
                end.isoformat(),
                _data_version(clocks=end + SETTLED_AFTER >= timezone.localdate()),
            ]
        )
        result = cache.get(key)
        if result is None:
            # The committee's periods are whole months: their figures are added up from
            # monthly cells per site, of which a change recomputes only the ones it touched.
            raw = (
                rollups.gather(chosen, start, end).raw
                if suppressed and rollups.whole_months(start, end)
                else None
            )
            if raw is not None:
                metrics.add_outcomes(raw, Situation.objects.filter(site__in=chosen), start, end)
            # The barrier tables are part of the same publication as the rest.
            result = metrics.compute(
                Situation.objects.filter(site__in=chosen),
                start,
                end,
                suppressed=suppressed,
                sites=chosen if suppressed else None,
                barriers=open_barrier_evidence(chosen, start, end),
                raw=raw,
            )
            result.sites = chosen
            result.key = key
            cache.set(key, result, timeout=FIGURES_SECONDS)
    return form, result, suppressed


@never_cache
@requires("dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    form, result, suppressed = _compute(request)
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "form": form,
            "m": result,
            "suppressed": suppressed,
            "query": request.GET.urlencode(),
            "figures_seconds": FIGURES_SECONDS,
        },
    )


@never_cache
@requires("dashboard")
def aggregate_csv(request: HttpRequest) -> HttpResponse:
    form, result, _suppressed = _compute(request)
    if result is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="focus-aggregates-{result.period_start}-{result.period_end}.csv"'
    )
    writer = exports.csv_writer(response)
    writer.writerow(["section", "label", "value"])
    writer.writerow(["period", "start", result.period_start.isoformat()])
    writer.writerow(["period", "end", result.period_end.isoformat()])
    writer.writerow(["period", "sites", " ".join(site.code for site in result.sites)])
    if result.withheld:
        writer.writerow(["period", "figures", "withheld: too few situations"])
    for figure in result.headline:
        writer.writerow(["headline", str(figure.label), figure.value or ""])
    for table in result.tables:
        if table.withheld:
            writer.writerow([table.key, "rows", "withheld: rests on fewer than 5 situations"])
        for label, cell in table.rows:
            writer.writerow([table.key, label, cell.display])
        if table.total is not None:
            writer.writerow([table.key, "total", table.total.display])
    for month in result.months:
        for key in ("presented", "accepted", "rejected", "concluded"):
            writer.writerow([f"month:{key}", month["month"].strftime("%Y-%m"), month[key].display])
    _log_export(request.user, "aggregate CSV")
    return response


# ---- The RTD-shaped export: de-identified rows, for a site's chairs and co-chairs ----

# Machine names as in Ontario's Risk-driven Tracking Database; the headings people read.
# docs/exports.md lists both and says what each column holds.
RTD_COLUMNS = [
    exports.Column("reference", _("Reference")),
    exports.Column("site", _("Site")),
    exports.Column("status", _("Status")),
    exports.Column("date_first_presented", _("Date first presented")),
    exports.Column("subject_type", _("Subject type")),
    exports.Column("age_group", _("Age group")),
    exports.Column("gender", _("Gender")),
    exports.Column("originating_agency", _("Originating agency")),
    exports.Column("originating_sector", _("Originating sector")),
    exports.Column("referral_source", _("Original referral source")),
    exports.Column("decision", _("Decision")),
    exports.Column("risk_factors", _("Risk factors")),
    exports.Column("protective_factors", _("Protective factors")),
    exports.Column("study_flags", _("Study flags")),
    exports.Column("affected_persons", _("Affected persons")),
    exports.Column("services_mobilized", _("Services mobilized")),
    exports.Column("lead_agency", _("Lead agency")),
    exports.Column("lead_sector", _("Lead sector")),
    exports.Column("assisting_agencies", _("Assisting agencies")),
    exports.Column("consent", _("Consent")),
    exports.Column("conclusion_reason", _("Conclusion reason")),
    exports.Column("conclusion_code", _("Conclusion code")),
    exports.Column("date_concluded", _("Date concluded")),
]
NA = "N/A"
# "Unknown / not recorded" is written as the RTD's `unknown` (docs/exports.md); so is a value
# outside the list, such as an empty one, rather than a code the province would not know.
RTD_UNKNOWN = AgeGroup.UNKNOWN.value


def _rtd_code(value: str, codes) -> str:
    return value if value in codes else RTD_UNKNOWN


def _export_site(request: HttpRequest, code: str) -> Site:
    """Only the site's chairs and co-chairs, who run its meetings (the policy's export_rows).
    Administrators read no case content, so they get no row-level export."""
    return Site.objects.find(request.user, "export_rows", code=code.upper())


def rtd_rows(site: Site):
    """One de-identified row per decided situation; rejected rows redacted as the province
    does. Neither narrative nor identifying detail is ever exported. Dates are dates and the
    count of affected persons a number, so the XLSX keeps their types."""
    from django.db.models import Prefetch

    situations = (
        Situation.objects.filter(
            site=site, status__in=[Status.OPEN, Status.REJECTED, Status.CONCLUDED]
        )
        .select_related("originating_agency", "referral_source", "lead_agency", "conclusion_reason")
        .prefetch_related(
            "assisting_agencies",
            "protective_factors",
            "study_flags",
            "services_mobilized",
            Prefetch(
                "risk_factors", SituationRiskFactor.objects.select_related("factor__category")
            ),
            "affected_persons",
        )
        .order_by("reference")
    )
    for s in situations.iterator(chunk_size=500):
        rejected = s.status == Status.REJECTED
        factors = sorted({str(r.factor) for r in s.risk_factors.all()})
        yield [
            s.reference,
            site.code,
            s.status,
            s.first_presented_on,
            s.subject_type,
            _rtd_code(s.age_group, AgeGroup.values),
            _rtd_code(s.gender, Gender.values),
            s.originating_agency.name,
            s.originating_agency.sector,
            s.referral_source.name if s.referral_source else "",
            "rejected" if rejected else "accepted",
            NA if rejected else "; ".join(factors),
            NA if rejected else "; ".join(p.name for p in s.protective_factors.all()),
            NA if rejected else "; ".join(f.name for f in s.study_flags.all()),
            NA if rejected else len(s.affected_persons.all()),
            NA if rejected else "; ".join(x.name for x in s.services_mobilized.all()),
            s.lead_agency.name if s.lead_agency else "",
            s.lead_agency.sector if s.lead_agency else "",
            NA if rejected else "; ".join(a.name for a in s.assisting_agencies.all()),
            s.consent,
            s.conclusion_reason.name if s.conclusion_reason else "",
            s.conclusion_reason.rtd_code if s.conclusion_reason else "",
            s.concluded_on,
        ]


def _rtd_filename(site: Site, extension: str) -> str:
    return f"{site.code}-rtd-{timezone.localdate().isoformat()}.{extension}"


@never_cache
def rtd_csv(request: HttpRequest, code: str) -> HttpResponse:
    """For machines (and the province's database): one header row of RTD column names."""
    site = _export_site(request, code)
    response, writer = exports.csv_response(_rtd_filename(site, "csv"))
    writer.writerow([column.name for column in RTD_COLUMNS])
    writer.writerows(rtd_rows(site))
    _log_export(request.user, "RTD CSV", site)
    return response


@never_cache
def rtd_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """For people: headings they can read, with the RTD column names in a second row."""
    site = _export_site(request, code)
    response = exports.xlsx_response(
        _rtd_filename(site, "xlsx"),
        site.code,
        [[column.label for column in RTD_COLUMNS], [column.name for column in RTD_COLUMNS]],
        rtd_rows(site),
    )
    _log_export(request.user, "RTD XLSX", site)
    return response
