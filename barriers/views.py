from datetime import date

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from access.decorators import requires
from agencies.models import Site
from core import exports
from core.adapter import attempt
from core.disclosure import Cell, Publication
from core.errors import NotFound
from core.forms import posted
from core.http import safe_next
from situations.models import Situation

from . import services
from .forms import ActionForm, LinkForm, OwnerForm, RaiseForm, StatusForm
from .models import Barrier, BarrierCategory


def _quarter_of(month: date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def _evidence(entry: dict | None, suppressed: bool) -> Publication:
    """One barrier's counts as one publication, for every page that shows them (register,
    detail, quarterly report): the total, its site-and-month cells, and each quarter's sum
    of them. Whatever one page withholds, the others withhold too."""
    entry = entry or {"total": 0, "cells": []}
    pub = Publication()
    pub.count("total", entry["total"], cost=10)
    quarters: dict[str, list] = {}
    for c in entry["cells"]:
        key = pub.count(("cell", c["site"], c["month"]), c["n"])
        quarters.setdefault(_quarter_of(c["month"]), []).append(key)
    pub.sum("total", [("cell", c["site"], c["month"]) for c in entry["cells"]])
    for quarter, keys in quarters.items():
        pub.count(("quarter", quarter), sum(pub.values[k] for k in keys), cost=5)
        pub.sum(("quarter", quarter), keys)
    pub.protect(suppressed=suppressed)
    return pub


def _counted_sites(user):
    """Whose situations a viewer may count: every site for the steering committee (then
    suppressed), a member's own tables otherwise."""
    return None if user.is_steering else Site.objects.restrict(user, "work")


def _register_rows(barriers, user):
    suppressed = user.is_steering
    barriers = list(
        barriers.select_related("category", "owner_agency", "raised_by_agency")
        .prefetch_related("sites")
        .annotate(last_action=Max("actions__at"))
    )
    counts = services.evidence(barriers, _counted_sites(user))
    rows = []
    for b in barriers:
        evidence = _evidence(counts.get(b.pk), suppressed)
        rows.append({"barrier": b, "evidence": evidence["total"], "publication": evidence})
    return rows


@never_cache
@requires("barrier_register")
def register(request: HttpRequest) -> HttpResponse:
    user = request.user
    barriers = Barrier.objects.restrict(user)
    status = request.GET.get("status", "")
    if status in Barrier.Status.values:
        barriers = barriers.filter(status=status)
    site_code = request.GET.get("site", "").upper()
    if site_code:
        barriers = barriers.filter(sites__code=site_code)
    category = request.GET.get("category", "")
    if category.isdecimal() and len(category) < 10:
        barriers = barriers.filter(category_id=int(category))
    return render(
        request,
        "barriers/register.html",
        {
            "rows": _register_rows(barriers, user),
            "statuses": Barrier.Status.choices,
            "categories": BarrierCategory.objects.all(),
            "sites": Site.objects.restrict(user, "see_schedule"),
            "status": status,
            "site_code": site_code,
            "category": category,
            "can_raise": Site.objects.restrict(user, "raise_barrier").exists(),
        },
    )


def _barrier(request: HttpRequest, reference: str) -> Barrier:
    return Barrier.objects.select_related("category", "owner_agency", "raised_by_agency").find(
        request.user, reference=reference.upper()
    )


@never_cache
def barrier_detail(request: HttpRequest, reference: str) -> HttpResponse:
    barrier = _barrier(request, reference)
    user = request.user
    can = Barrier.objects.abilities(user, barrier.pk)
    steering = user.is_steering
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {
        "record": ActionForm(request.POST if action == "record" else None, prefix="record"),
        "status": StatusForm(
            request.POST if action == "status" else None,
            prefix="status",
            initial={"version": barrier.version, "status": barrier.status},
        ),
        "owner": OwnerForm(
            request.POST if action == "owner" else None,
            prefix="owner",
            initial={
                "version": barrier.version,
                "owner": "steering"
                if barrier.owned_by_steering
                else (barrier.owner_agency_id or "steering"),
            },
        ),
    }
    if action is not None:
        if not can["steer"] or action not in forms:
            raise NotFound
        form = forms[action]
        if form.is_valid() and attempt(
            request, lambda: _steer(user, barrier, action, form), form=form, success=_("Saved.")
        ):
            return redirect(barrier)
    counts = services.evidence([barrier], _counted_sites(user)).get(barrier.pk)
    evidence = _evidence(counts, steering)
    cells = [
        {"site": c["site"], "month": c["month"], "n": evidence[("cell", c["site"], c["month"])]}
        for c in (counts or {"cells": []})["cells"]
    ]
    return render(
        request,
        "barriers/detail.html",
        {
            "barrier": barrier,
            "total": evidence["total"],
            "cells": cells,
            "actions": barrier.actions.select_related("actor", "actor__agency"),
            "forms": forms if can["steer"] else None,
        },
    )


def _steer(user, barrier, action, form) -> None:
    data = form.cleaned_data
    if action == "record":
        services.record(user, barrier, data["text"], decision=data["decision"])
    elif action == "status":
        services.change_status(user, barrier, data["status"], data["version"])
    else:
        agency, by_steering = form.chosen_owner()
        services.assign_owner(
            user, barrier, agency=agency, steering=by_steering, version=data["version"]
        )


@never_cache
def barrier_raise(request: HttpRequest) -> HttpResponse:
    user = request.user
    site = Site.objects.find(user, "raise_barrier", code=request.GET.get("site", "").upper())
    form = RaiseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        barrier = attempt(
            request,
            lambda: services.raise_barrier(
                user, site, form.cleaned_data["category"], form.cleaned_data["description"]
            ),
            form=form,
        )
        if barrier:
            messages.success(request, _("Barrier %(ref)s raised.") % {"ref": barrier.reference})
            return redirect(barrier)
    return render(request, "barriers/raise.html", {"form": form, "site": site})


def _link(user, situation, data) -> Barrier:
    if data["barrier"]:
        services.link(user, situation, data["barrier"])
        return data["barrier"]
    return services.raise_barrier(
        user, situation.site, data["category"], data["description"], situation
    )


@never_cache
def situation_barriers(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    """Link a situation to a barrier, existing or new."""
    user = request.user
    situation = Situation.objects.select_related("site").find(
        user, "link_barrier", site__code=code.upper(), reference=reference.upper()
    )
    form = LinkForm(posted(request), barriers=Barrier.objects.restrict(user, "link"))
    back = safe_next(request, situation.get_absolute_url())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        barrier = attempt(request, lambda: _link(user, situation, data), form=form)
        if barrier:
            messages.success(
                request,
                _("%(ref)s is now evidence for barrier %(barrier)s.")
                % {"ref": situation.reference, "barrier": barrier.reference},
            )
            return redirect(back)
    return render(
        request,
        "barriers/link.html",
        {"form": form, "situation": situation, "next": back},
    )


def _quarter(value: str) -> tuple[date, date, str]:
    today = timezone.localdate()
    try:
        year_text, q_text = value.upper().split("-Q")
        year, quarter = int(year_text), int(q_text)
        if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year, quarter = today.year, (today.month - 1) // 3 + 1
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, end, f"{year}-Q{quarter}"


@never_cache
@requires("barrier_report")
def quarterly_report(request: HttpRequest) -> HttpResponse:
    """Barriers with their evidence, decisions and age; printable and as CSV."""
    user = request.user
    start, end, label = _quarter(request.GET.get("quarter", ""))
    barriers = Barrier.objects.restrict(user).filter(created_at__date__lt=end)
    rows = _register_rows(barriers, user)
    today = timezone.localdate()
    for row in rows:
        b = row["barrier"]
        # The quarter's count is the sum of its months' cells, from the same publication
        # as the barrier's page (a quarter without links has no cell: 0).
        evidence = row["publication"]
        row["in_quarter"] = (
            evidence[("quarter", label)] if ("quarter", label) in evidence.shown else Cell(0)
        )
        row["age_days"] = (today - timezone.localtime(b.created_at).date()).days
        row["decisions"] = [a for a in b.actions.all() if a.kind == "decision"]
    if request.GET.get("format") == "csv":
        response, writer = exports.csv_response(f"barriers-{label}.csv")
        writer.writerow(
            [
                "reference",
                "category",
                "status",
                "owner",
                "sites",
                "situations_total",
                "situations_this_quarter",
                "age_days",
                "decisions",
            ]
        )
        for row in rows:
            b = row["barrier"]
            writer.writerow(
                [
                    b.reference,
                    b.category.name,
                    b.status,
                    b.owner_label,
                    " ".join(s.code for s in b.sites.all()),
                    row["evidence"].display,
                    row["in_quarter"].display,
                    row["age_days"],
                    " | ".join(f"{a.at:%Y-%m-%d}: {a.text}" for a in row["decisions"]),
                ]
            )
        return response
    year, quarter = label.split("-Q")
    # The quarter in the reader's language ("T4 2026" in French); the address keeps 2026-Q4.
    title = _("%(year)s-Q%(q)s") % {"year": year, "q": quarter}
    return render(
        request,
        "barriers/report.html",
        {"rows": rows, "label": label, "title": title, "start": start, "end": end},
    )
