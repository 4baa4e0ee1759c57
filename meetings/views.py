import io
from datetime import date, timedelta

from django.contrib import messages
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from agencies.models import Membership, Site
from core.adapter import FAILED, attempt
from core.errors import NotFound
from core.forms import posted
from core.security import passive
from situations.audit import log_access
from situations.clock import clock_for
from situations.models import AffectedPerson, Situation, SituationUpdate

from . import services
from .forms import AcceptItemForm, RejectItemForm, ReturningItemForm
from .models import AgendaItem, Attendance, Meeting


def _meeting(request: HttpRequest, code: str, key: str, action: str = "view", can=False) -> Meeting:
    """A meeting of a site the person sits at, if they may do `action` on it (in some state:
    the service says when the state no longer allows it)."""
    try:
        held_on = date.fromisoformat(key)
    except ValueError:
        raise NotFound from None
    return Meeting.objects.select_related("site", "chair").find(
        request.user, action, any_state=True, can=can, site__code=code.upper(), held_on=held_on
    )


def _item(request: HttpRequest, meeting: Meeting, reference: str, action: str) -> AgendaItem:
    return AgendaItem.objects.select_related("meeting__site", "situation").find(
        request.user,
        action,
        any_state=True,
        meeting=meeting,
        situation__reference=reference.upper(),
    )


def _agenda(request: HttpRequest, meeting: Meeting) -> list[dict]:
    """Items the viewer may see, each with its clock and last update."""
    items = list(
        AgendaItem.objects.restrict(request.user)
        .filter(meeting=meeting)
        .select_related(
            "situation__site", "situation__lead_agency", "situation__originating_agency"
        )
        # to_attr: a plain list per situation, not a queryset built for each of 40 items.
        .prefetch_related(Prefetch("situation__assisting_agencies", to_attr="assisting"))
    )
    # Only each situation's latest update, not all of them.
    latest = (
        SituationUpdate.objects.filter(situation=OuterRef("situation"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    updates = {
        update.situation_id: update
        for update in SituationUpdate.objects.filter(
            situation__in=[item.situation_id for item in items], pk=Subquery(latest)
        ).select_related("agency")
    }
    now = timezone.now()
    return [
        {
            "item": item,
            "situation": item.situation,
            "clock": clock_for(item.situation, now),
            "last_update": updates.get(item.situation_id),
            "current": item.pk == meeting.current_item_id,
        }
        for item in items
    ]


@never_cache
def meeting_list(request: HttpRequest, code: str) -> HttpResponse:
    site = Site.objects.find(request.user, "work", code=code.upper())
    meetings = site.meetings.order_by("-starts_at")[:52]
    return render(request, "meetings/list.html", {"site": site, "meetings": meetings})


def _context(request, meeting):
    return {
        "meeting": meeting,
        "site": meeting.site,
        "rows": _agenda(request, meeting),
        "can": meeting.can,
        "attendance": meeting.attendance.select_related("user__agency").order_by(
            "status", "user__agency__name", "user__last_name"
        ),
    }


@never_cache
def meeting_detail(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, can=True)
    return render(request, "meetings/detail.html", _context(request, meeting))


@never_cache
@passive
def meeting_agenda(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """The followers' poll: 204 (nothing to swap) while the revision is unchanged."""
    meeting = _meeting(request, code, key)
    if request.GET.get("since") == str(meeting.revision):
        return HttpResponse(status=204)
    meeting.can = Meeting.objects.abilities(request.user, meeting.pk)
    return render(request, "meetings/_agenda.html", _context(request, meeting))


def _back(meeting, live=False):
    url = meeting.get_absolute_url()
    return redirect(url + "live/" if live else url)


def _run(request, meeting, step, success, live=False):
    attempt(request, step, success=success)
    return _back(meeting, live)


@require_POST
def meeting_start(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "start")
    return _run(
        request,
        meeting,
        lambda: services.start(request.user, meeting),
        _("The meeting has started."),
        live=True,
    )


@require_POST
def meeting_close(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "close")
    return _run(
        request, meeting, lambda: services.close(request.user, meeting), _("The meeting is closed.")
    )


@require_POST
def meeting_sync(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "prepare")
    added = attempt(request, lambda: services.refresh_agenda(request.user, meeting))
    if added is not FAILED:
        messages.success(request, _("%(n)d item(s) added to the agenda.") % {"n": added})
    return _back(meeting)


@never_cache
def meeting_attendance(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "prepare")
    seats = (
        Membership.objects.filter(site=meeting.site, user__is_active=True)
        .select_related("user__agency")
        .order_by("user__agency__name", "user__last_name")
    )
    current = dict(meeting.attendance.values_list("user_id", "status"))
    if request.method == "POST":
        present, apologies = set(), set()
        for seat in seats:
            value = request.POST.get(f"att-{seat.user_id}", "")
            if value == Attendance.Status.PRESENT:
                present.add(seat.user_id)
            elif value == Attendance.Status.APOLOGIES:
                apologies.add(seat.user_id)
        return _run(
            request,
            meeting,
            lambda: services.record_attendance(request.user, meeting, present, apologies),
            _("Attendance saved."),
        )
    rows = [{"seat": seat, "status": current.get(seat.user_id, "")} for seat in seats]
    return render(request, "meetings/attendance.html", {"meeting": meeting, "rows": rows})


@require_POST
def item_move(request: HttpRequest, code: str, key: str, reference: str) -> HttpResponse:
    meeting = _meeting(request, code, key)
    item = _item(request, meeting, reference, "arrange")
    direction = -1 if request.POST.get("direction") == "up" else 1
    return _run(request, meeting, lambda: services.move(request.user, item, direction), None)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version") or 0)
    except ValueError:
        return 0  # a stale or tampered version is refused as a concurrent edit


@require_POST
def item_defer(request: HttpRequest, code: str, key: str, reference: str) -> HttpResponse:
    meeting = _meeting(request, code, key)
    item = _item(request, meeting, reference, "arrange")
    live = request.POST.get("live") == "1"
    return _run(
        request,
        meeting,
        lambda: services.defer(request.user, item, _version(request)),
        _("%(ref)s moved to the next meeting.") % {"ref": item.situation.reference},
        live=live,
    )


@require_POST
def item_current(request: HttpRequest, code: str, key: str, reference: str) -> HttpResponse:
    meeting = _meeting(request, code, key)
    item = _item(request, meeting, reference, "decide")
    return _run(request, meeting, lambda: services.set_current(request.user, item), None, True)


@never_cache
def meeting_live(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """The chair's screen: one item at a time, decisions by keyboard."""
    meeting = _meeting(request, code, key, "run", can=True)
    if meeting.status != Meeting.Status.IN_PROGRESS:
        return _back(meeting)
    context = _context(request, meeting)
    rows = context["rows"]
    current = next((r for r in rows if r["current"]), None)
    index = rows.index(current) if current else -1
    context.update(
        current=current,
        previous=rows[index - 1] if index > 0 else None,
        next=rows[index + 1] if current and index + 1 < len(rows) else None,
        decided=sum(1 for r in rows if not r["item"].is_open),
    )
    if current is not None:
        item, situation = current["item"], current["situation"]
        context["risk_rows"] = situation.risk_factors.select_related("factor__category").order_by(
            "factor__category__position"
        )
        context["persons"] = AffectedPerson.objects.filter(situation=situation)
        initial = {"version": item.version}
        forms = request.session.pop("live_forms", None) or {}
        if item.kind == AgendaItem.Kind.NEW:
            context["accept_form"] = AcceptItemForm(
                forms.get("accept"), site=meeting.site, initial=initial, prefix="accept"
            )
            context["reject_form"] = RejectItemForm(
                forms.get("reject"), initial=initial, prefix="reject"
            )
        else:
            context["returning_form"] = ReturningItemForm(
                forms.get("returning"), initial=initial, prefix="returning"
            )
    return render(request, "meetings/live.html", context)


@require_POST
def item_decide(request: HttpRequest, code: str, key: str, reference: str) -> HttpResponse:
    meeting = _meeting(request, code, key)
    item = _item(request, meeting, reference, "decide")
    action = request.POST.get("action")
    if action == "accept":
        form = AcceptItemForm(posted(request), site=meeting.site, prefix="accept")
    elif action == "reject":
        form = RejectItemForm(posted(request), prefix="reject")
    elif action == "returning":
        form = ReturningItemForm(posted(request), prefix="returning")
    else:
        raise NotFound
    if not form.is_valid():
        # Keep what was typed: the live page re-renders the form with its errors.
        request.session["live_forms"] = {action: request.POST.dict()}
        messages.error(request, _("Please correct the problems below."))
        return _back(meeting, live=True)
    data = form.cleaned_data
    user = request.user
    if action == "accept":
        acceptance = services.Acceptance(form.assignment(), data["consent"], data["consent_reason"])

        def step():
            services.decide_new(user, item, data["version"], acceptance=acceptance)

        done = _("%(ref)s accepted.")
    elif action == "reject":

        def step():
            services.decide_new(
                user, item, data["version"], rejection_reason=data["rejection_reason"]
            )

        done = _("%(ref)s rejected.")
    else:
        conclusion = data["conclusion_reason"] if data["decision"] == "conclude" else None

        def step():
            services.record_returning(
                user, item, data["version"], update_text=data["update_text"], conclusion=conclusion
            )

        done = _("%(ref)s concluded.") if conclusion else _("%(ref)s stays open.")
    return _run(request, meeting, step, done % {"ref": item.situation.reference}, live=True)


def _minutes_context(request: HttpRequest, meeting: Meeting) -> dict:
    items = list(
        AgendaItem.objects.restrict(request.user)
        .filter(meeting=meeting)
        .select_related("situation__lead_agency", "situation__conclusion_reason")
        .prefetch_related("situation__assisting_agencies")
    )
    count = {outcome: 0 for outcome, _label in AgendaItem.Outcome.choices}
    for item in items:
        count[item.outcome] += 1
    attendance = meeting.attendance.select_related("user__agency").order_by(
        "user__agency__name", "user__last_name"
    )
    present = [a for a in attendance if a.status == Attendance.Status.PRESENT]
    return {
        "meeting": meeting,
        "site": meeting.site,
        "items": items,
        "count": count,
        "new": sum(1 for i in items if i.kind == AgendaItem.Kind.NEW),
        "returning": sum(1 for i in items if i.kind == AgendaItem.Kind.RETURNING),
        "present": present,
        "apologies": [a for a in attendance if a.status == Attendance.Status.APOLOGIES],
        "agencies_present": sorted({a.user.agency.name for a in present if a.user.agency}),
    }


def _pdf(template: str, context: dict, filename: str) -> HttpResponse:
    from xhtml2pdf import pisa

    html = render_to_string(template, context)
    buffer = io.BytesIO()
    result = pisa.CreatePDF(html, dest=buffer, encoding="utf-8")
    if result.err:
        raise RuntimeError("PDF rendering failed")
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
def meeting_minutes(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """De-identified minutes for the whole site."""
    meeting = _meeting(request, code, key)
    context = _minutes_context(request, meeting)
    if request.GET.get("format") == "pdf":
        return _pdf("meetings/minutes_pdf.html", context, f"{meeting.site.code}-{meeting.key}.pdf")
    return render(request, "meetings/minutes.html", context)


@never_cache
def agency_minutes(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """The viewer's agency's action list; identifying details only where it has need-to-know."""
    meeting = _meeting(request, code, key)
    user = request.user
    mine = (
        Situation.objects.restrict(user, "view_response")
        .filter(pk__in=meeting.items.values("situation_id"))
        .select_related("lead_agency")
        .order_by("reference")
    )
    identity_ids = set(
        Situation.objects.restrict(user, "view_identity")
        .filter(pk__in=[s.pk for s in mine])
        .values_list("pk", flat=True)
    )
    persons = AffectedPerson.objects.filter(situation__in=identity_ids).select_related("identity")
    by_situation: dict[int, list] = {}
    for person in persons:
        by_situation.setdefault(person.situation_id, []).append(person)
    rows = []
    for situation in mine:
        rows.append(
            {
                "situation": situation,
                "role": _("Lead") if situation.lead_agency_id == user.agency_id else _("Assisting"),
                "clock": clock_for(situation),
                "persons": by_situation.get(situation.pk, []),
            }
        )
        if situation.pk in identity_ids:
            log_access(situation, user, "identifying details (agency action list)")
    context = {"meeting": meeting, "site": meeting.site, "rows": rows, "agency": user.agency}
    if request.GET.get("format") == "pdf":
        return _pdf(
            "meetings/agency_minutes_pdf.html",
            context,
            f"{meeting.site.code}-{meeting.key}-{user.agency.slug}.pdf",
        )
    return render(request, "meetings/agency_minutes.html", context)


@never_cache
def meetings_ics(request: HttpRequest, code: str) -> HttpResponse:
    from icalendar import Calendar, Event

    site = Site.objects.find(request.user, "work", code=code.upper())
    calendar = Calendar()
    calendar.add("prodid", "-//FOCUS situation tables//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", site.name)
    for meeting in site.meetings.filter(starts_at__gte=timezone.now() - timedelta(days=90)):
        event = Event()
        event.add("uid", f"meeting-{site.code}-{meeting.key}@focus")
        event.add("summary", _("%(site)s situation table") % {"site": site.name})
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.starts_at + timedelta(minutes=site.meeting_minutes))
        event.add("dtstamp", timezone.now())
        event.add("url", request.build_absolute_uri(meeting.get_absolute_url()))
        if meeting.status == Meeting.Status.CLOSED:
            event.add("status", "CONFIRMED")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{site.code}-meetings.ics"'
    return response
