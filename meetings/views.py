import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from access.decorators import requires
from agencies.language import language_of, speaking
from agencies.models import Membership, Site
from core import fragments
from core.adapter import FAILED, attempt
from core.confirm import Confirmation, ask, confirmed
from core.errors import NotFound
from core.forms import posted
from core.http import safe_next
from core.security import passive
from situations import confirmations
from situations.audit import log_access
from situations.clock import clock_for
from situations.lists import label as list_label
from situations.models import AffectedPerson, Situation, SituationRiskFactor, SituationUpdate

from . import live, services
from .forms import (
    AcceptItemForm,
    ActionForm,
    AddendumForm,
    CancelForm,
    CloseActionForm,
    CutoffForm,
    ExtraMeetingForm,
    NotesForm,
    RejectItemForm,
    RescheduleForm,
    ReturningItemForm,
)
from .models import ActionItem, AgendaItem, Attendance, CalendarFeed, Meeting


def _meeting(request: HttpRequest, code: str, key: str, action: str = "view", can=False) -> Meeting:
    """A meeting of a site the person sits at, if they may do `action` on it (in some state:
    the service says when the state no longer allows it)."""
    try:
        held_on = date.fromisoformat(key)
    except ValueError:
        raise NotFound from None
    meetings = Meeting.objects.select_related("site", "chair")
    lookup = {"site__code": code.upper()}
    try:
        return meetings.find(
            request.user, action, any_state=True, can=can, held_on=held_on, **lookup
        )
    except NotFound:
        # A meeting moved to another day keeps answering at its first address, so links in
        # calendars and the pages of people following it still work.
        return meetings.order_by("-starts_at").find(
            request.user, action, any_state=True, can=can, rescheduled_from__date=held_on, **lookup
        )


def _item(request: HttpRequest, meeting: Meeting, reference: str, action: str) -> AgendaItem:
    return AgendaItem.objects.select_related("meeting__site", "situation").find(
        request.user,
        action,
        any_state=True,
        meeting=meeting,
        situation__reference=reference.upper(),
    )


def _agenda(request: HttpRequest, meeting: Meeting, actions=None) -> list[dict]:
    """Items the viewer may see, each with its clock, last update and open actions
    (`actions`: _open_actions, when the caller has them already)."""
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
    ids = [item.situation_id for item in items]
    categories: dict[int, list[str]] = {}
    for situation_id, name in (
        SituationRiskFactor.objects.filter(situation__in=ids)
        .values_list("situation_id", "factor__category__name")
        .order_by("situation_id", "factor__category__position", "factor__category__name")
        .distinct()
    ):
        categories.setdefault(situation_id, []).append(list_label(name))
    if actions is None:
        actions = _open_actions(request, meeting)
    now = timezone.now()
    return [
        {
            "item": item,
            "situation": item.situation,
            "clock": clock_for(item.situation, now),
            "last_update": updates.get(item.situation_id),
            "current": item.pk == meeting.current_item_id,
            "categories": categories.get(item.situation_id, []),
            "actions": actions.get(item.situation_id, []),
        }
        for item in items
    ]


def _open_actions(request: HttpRequest, meeting: Meeting) -> dict[int | None, list]:
    """Actions still open at the meeting's site, by situation (None: the table's own): they
    come back to every meeting until their owner closes them."""
    grouped: dict[int | None, list] = {}
    for action in (
        ActionItem.objects.restrict(request.user)
        .filter(meeting__site=meeting.site, status=ActionItem.Status.OPEN)
        .select_related("owner_agency", "meeting")
    ):
        grouped.setdefault(action.situation_id, []).append(action)
    return grouped


@never_cache
def meeting_list(request: HttpRequest, code: str) -> HttpResponse:
    site = Site.objects.find(
        request.user, "work", code=code.upper(), can=["add_meeting", "run_meetings"]
    )
    form = CutoffForm(posted(request), initial={"hours": site.agenda_cutoff_hours})
    if request.method == "POST":
        if not site.can["run_meetings"]:
            raise NotFound
        if form.is_valid() and attempt(
            request,
            lambda: services.set_agenda_cutoff(request.user, site, form.cleaned_data["hours"]),
            form=form,
            success=_("Saved."),
        ):
            return redirect("meeting_list", code=code)
    meetings = site.meetings.order_by("-starts_at")[:52]
    return render(
        request,
        "meetings/list.html",
        {
            "site": site,
            "meetings": meetings,
            "next_meeting": services.next_meetings([site]).get(site.pk),
            "cutoff_form": form if site.can["run_meetings"] else None,
        },
    )


# Where a cached agenda takes each viewer's own CSRF token. User text is escaped before it
# reaches the HTML, so no row can contain this comment.
CSRF_MARK = "<!--csrf-->"


def _agenda_html(request: HttpRequest, meeting: Meeting) -> str:
    """The agenda as this viewer sees it, rendered once a minute for everyone who sees the same.

    The key holds everything the fragment depends on: the meeting and its revision (every
    change an agenda shows moves it: meetings/services.follow_situation, the decisions, the
    actions), the minute (clocks count down), the language, the viewer's capabilities (the
    chair's controls) and the exact items the viewer may see (an item whose situation was
    withdrawn stays for its agency only). Two people with the same key would see the same page;
    nothing of the person is in it: their CSRF token is put in after the cache."""
    visible = (
        AgendaItem.objects.restrict(request.user)
        .filter(meeting=meeting)
        .values_list("pk", flat=True)
    )
    controls = "prepare" if meeting.can.get("prepare") else "read"

    def agenda() -> str:
        actions = _open_actions(request, meeting)
        return render_to_string(
            "meetings/_agenda.html",
            {
                "meeting": meeting,
                "site": meeting.site,
                "rows": _agenda(request, meeting, actions),
                "can": meeting.can,
                "table_actions": actions.get(None, []),
            },
        )

    html = fragments.cached(
        agenda, "agenda", meeting.pk, meeting.revision, controls, fragments.digest(visible)
    )
    return mark_safe(html.replace(CSRF_MARK, csrf_input(request)))  # noqa: S308  # nosec B703 B308


def _context(request, meeting):
    can = meeting.can
    actions = _open_actions(request, meeting)
    return {
        "meeting": meeting,
        "site": meeting.site,
        "rows": _agenda(request, meeting, actions),
        "can": can,
        "table_actions": actions.get(None, []),
        "bring_in": services.can_bring_in(meeting) if can.get("prepare") else (),
        "today": timezone.localdate(),
        "attendance": meeting.attendance.select_related("user__agency").order_by(
            "status", "user__agency__name", "user__last_name"
        ),
    }


def _start_confirmation(meeting: Meeting) -> Confirmation | None:
    """Starting on a day other than the meeting's own moves it to today: asked first."""
    today = timezone.localdate()
    if meeting.held_on == today:
        return None
    return Confirmation(
        key="confirm-start",
        title=_("Start this meeting today?"),
        consequence=_(
            "It is scheduled for %(date)s. Starting it now moves it to today, %(today)s: the "
            "minutes will carry today's date."
        )
        % {
            "date": formats.date_format(meeting.held_on, "DATE_FORMAT"),
            "today": formats.date_format(today, "DATE_FORMAT"),
        },
        confirm_label=_("Start it today"),
    )


@never_cache
def meeting_detail(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, can=True)
    can = meeting.can
    context = {
        "meeting": meeting,
        "site": meeting.site,
        "can": can,
        "agenda_html": _agenda_html(request, meeting),
        "bring_in": services.can_bring_in(meeting) if can["prepare"] else (),
        "start_confirmation": _start_confirmation(meeting) if can["start"] else None,
    }
    return render(request, "meetings/detail.html", context)


@never_cache
@passive
def meeting_agenda(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """The followers' screens: 204 (nothing to swap) while the revision is unchanged. With
    `wait=1` the request waits for a change (meetings/live.py) before answering."""
    meeting = _meeting(request, code, key)
    since = request.GET.get("since")
    waited = False
    if since == str(meeting.revision) and request.GET.get("wait") == "1":
        waited = live.wait_for_change(
            meeting.pk,
            since,
            lambda: Meeting.objects.filter(pk=meeting.pk).values_list("revision", flat=True).get(),
        )
        if waited:
            meeting = _meeting(request, code, key)
    if since == str(meeting.revision):
        response = HttpResponse(status=204)
        # The page asks again at once after a wait, a second later when nothing could wait.
        response["X-Follow-Again"] = "now" if waited else "later"
        return response
    if meeting.status == Meeting.Status.CLOSED:
        # Closed while someone followed it: their page becomes the minutes.
        return HttpResponseClientRedirect(
            reverse("meeting_minutes", kwargs={"code": code, "key": meeting.key})
        )
    meeting.can = Meeting.objects.abilities(request.user, meeting.pk)
    return HttpResponse(_agenda_html(request, meeting))


def _back(meeting, live=False):
    url = meeting.get_absolute_url()
    return redirect(url + "live/" if live else url)


def _run(request, meeting, step, success, live=False):
    attempt(request, step, success=success)
    return _back(meeting, live)


@require_POST
def meeting_start(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "start")
    question = _start_confirmation(meeting)
    if question is not None and not confirmed(request):
        return ask(request, question, meeting.get_absolute_url())
    started = attempt(
        request,
        lambda: services.start(request.user, meeting, move_to_today=question is not None),
        success=_("The meeting has started."),
    )
    if not started:
        return _back(meeting)
    return redirect(started.get_absolute_url() + "live/")


CLOSE = Confirmation(
    key="confirm-close",
    title=gettext_lazy("Close the meeting?"),
    consequence=gettext_lazy(
        "Items not reached go to the next meeting. The minutes become a draft that the next "
        "meeting approves, and the meeting cannot be reopened."
    ),
    confirm_label=gettext_lazy("Close the meeting"),
)


@require_POST
def meeting_close(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "close")
    if not confirmed(request):
        return ask(request, CLOSE, meeting.get_absolute_url() + "live/")
    if attempt(
        request, lambda: services.close(request.user, meeting), success=_("The meeting is closed.")
    ):
        return redirect("meeting_minutes", code=code, key=meeting.key)
    return _back(meeting)


@never_cache
def meeting_reschedule(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "reschedule")
    form = RescheduleForm(
        posted(request), initial={"starts_at": timezone.localtime(meeting.starts_at)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        moved = attempt(
            request,
            lambda: services.reschedule(request.user, meeting, data["starts_at"], data["reason"]),
            form=form,
            success=_("The meeting was moved."),
        )
        if moved:
            return redirect(moved)
    return render(
        request,
        "meetings/change.html",
        {"meeting": meeting, "site": meeting.site, "form": form, "what": "reschedule"},
    )


@never_cache
def meeting_cancel(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "cancel")
    form = CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        following = attempt(
            request,
            lambda: services.cancel(request.user, meeting, form.cleaned_data["reason"]),
            form=form,
            success=_("The meeting was cancelled; its agenda moved to the following meeting."),
        )
        if following:
            return redirect(following)
    return render(
        request,
        "meetings/change.html",
        {"meeting": meeting, "site": meeting.site, "form": form, "what": "cancel"},
    )


@never_cache
def meeting_add(request: HttpRequest, code: str) -> HttpResponse:
    site = Site.objects.find(request.user, "add_meeting", code=code.upper())
    form = ExtraMeetingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        added = attempt(
            request,
            lambda: services.add_meeting(request.user, site, data["starts_at"], data["reason"]),
            form=form,
            success=_(
                "The extra meeting was added. Bring the situations it is for onto its agenda."
            ),
        )
        if added:
            return redirect(added)
    return render(
        request,
        "meetings/change.html",
        {"meeting": None, "site": site, "form": form, "what": "add"},
    )


@require_POST
def meeting_pull_in(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "prepare")
    situation = Situation.objects.find(
        request.user, site=meeting.site, reference=request.POST.get("reference", "").upper()[:40]
    )
    attempt(
        request,
        lambda: services.pull_in(request.user, meeting, situation),
        success=_("%(ref)s is on this agenda.") % {"ref": situation.reference},
    )
    return _back(meeting)


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


def _live(request: HttpRequest, meeting: Meeting, bound: dict | None = None, status=200):
    """The chair's screen. `bound`: a form that failed, shown again with what was typed and
    its errors (never kept in the session)."""
    bound = bound or {}
    context = _context(request, meeting)
    rows = context["rows"]
    current = next((r for r in rows if r["current"]), None)
    index = rows.index(current) if current else -1
    context.update(
        current=current,
        previous=rows[index - 1] if index > 0 else None,
        next=rows[index + 1] if current and index + 1 < len(rows) else None,
        decided=sum(1 for r in rows if not r["item"].is_open),
        to_approve=services.minutes_to_approve(meeting),
        close=CLOSE,
        reject=confirmations.REJECT,
        conclude=confirmations.CONCLUDE,
        action_form=bound.get("action") or ActionForm(site=meeting.site, prefix="action"),
    )
    if current is not None:
        item, situation = current["item"], current["situation"]
        context["risk_rows"] = situation.risk_factors.select_related("factor__category").order_by(
            "factor__category__position"
        )
        context["persons"] = AffectedPerson.objects.filter(situation=situation)
        initial = {"version": item.version}
        context["notes_form"] = bound.get("notes") or NotesForm(
            initial={"version": item.version, "notes": item.notes}, prefix="notes"
        )
        if item.kind == AgendaItem.Kind.NEW:
            context["accept_form"] = bound.get("accept") or AcceptItemForm(
                site=meeting.site, initial=initial, prefix="accept"
            )
            context["reject_form"] = bound.get("reject") or RejectItemForm(
                initial=initial, prefix="reject"
            )
        else:
            update = current["last_update"]
            if update is not None and update.proposes_conclusion:
                # The lead proposed to conclude: the chair's form starts from the proposal.
                initial.update(decision="conclude", conclusion_reason=update.proposed_reason_id)
            context["returning_form"] = bound.get("returning") or ReturningItemForm(
                initial=initial, prefix="returning"
            )
    return render(request, "meetings/live.html", context, status=status)


@never_cache
def meeting_live(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """The chair's screen: one item at a time, decisions by keyboard."""
    meeting = _meeting(request, code, key, "run", can=True)
    if meeting.status != Meeting.Status.IN_PROGRESS:
        return _back(meeting)
    return _live(request, meeting)


def _again(request, code, key, name, form):
    """A live form with bad input: the live page again, the form as typed, its errors."""
    meeting = _meeting(request, code, key, "run", can=True)
    messages.error(request, _("Please correct the problems below."))
    return _live(request, meeting, {name: form}, status=400)


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
        return _again(request, code, key, action, form)
    data = form.cleaned_data
    user = request.user
    concluding = action == "returning" and data["decision"] == "conclude"
    if (action == "reject" or concluding) and not confirmed(request):
        confirmation = confirmations.REJECT if action == "reject" else confirmations.CONCLUDE
        return ask(request, confirmation, meeting.get_absolute_url() + "live/")
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
        conclusion = data["conclusion_reason"] if concluding else None

        def step():
            services.record_returning(
                user, item, data["version"], update_text=data["update_text"], conclusion=conclusion
            )

        done = _("%(ref)s concluded.") if conclusion else _("%(ref)s stays open.")
    return _run(request, meeting, step, done % {"ref": item.situation.reference}, live=True)


@require_POST
def item_notes(request: HttpRequest, code: str, key: str, reference: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "edit_minutes")
    item = _item(request, meeting, reference, "view")
    form = NotesForm(request.POST, prefix="notes")
    if not form.is_valid():
        return _again(request, code, key, "notes", form)
    data = form.cleaned_data
    return _run(
        request,
        meeting,
        lambda: services.save_notes(request.user, item, data["notes"], data["version"]),
        _("Notes saved."),
        live=meeting.status == Meeting.Status.IN_PROGRESS,
    )


@require_POST
def action_add(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """An action agreed at the table, for one item (its reference posted) or the table's own."""
    meeting = _meeting(request, code, key, "edit_minutes")
    reference = request.POST.get("reference", "")
    item = _item(request, meeting, reference, "view") if reference else None
    form = ActionForm(request.POST, site=meeting.site, prefix="action")
    if not form.is_valid():
        if meeting.status == Meeting.Status.IN_PROGRESS:
            return _again(request, code, key, "action", form)
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("meeting_minutes", code=code, key=meeting.key)
    data = form.cleaned_data
    action = services.Action(data["text"], data["owner"], data["due_on"])
    attempt(
        request,
        lambda: services.add_action(request.user, meeting, action, item),
        success=_("Action recorded."),
    )
    if meeting.status == Meeting.Status.IN_PROGRESS:
        return _back(meeting, live=True)
    return redirect("meeting_minutes", code=code, key=meeting.key)


@never_cache
def action_close(request: HttpRequest, key: str) -> HttpResponse:
    """Its owner says whether it was done; what the table reads at the next meeting."""
    action = ActionItem.objects.select_related("meeting__site", "owner_agency", "situation").find(
        request.user, "close", any_state=request.method == "POST", key=key
    )
    form = CloseActionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if attempt(
            request,
            lambda: services.close_action(request.user, action, data["status"], data["note"]),
            form=form,
            success=_("The action is closed."),
        ):
            return redirect(safe_next(request, reverse("home")))
    return render(
        request,
        "meetings/action_close.html",
        {"action": action, "form": form, "next": safe_next(request, reverse("home"))},
    )


@require_POST
def minutes_approve(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """At a meeting in progress: approve the previous meeting's minutes."""
    meeting = _meeting(request, code, key, "run")
    previous = services.minutes_to_approve(meeting)
    if previous is None:
        raise NotFound
    return _run(
        request,
        meeting,
        lambda: services.approve_minutes(request.user, previous, meeting),
        _("The minutes of %(date)s are approved.")
        % {"date": formats.date_format(previous.held_on, "DATE_FORMAT")},
        live=True,
    )


@require_POST
def minutes_addendum(request: HttpRequest, code: str, key: str) -> HttpResponse:
    meeting = _meeting(request, code, key, "add_addendum")
    form = AddendumForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.add_addendum(request.user, meeting, form.cleaned_data["text"]),
            success=_("The correction was added to the minutes."),
        )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("meeting_minutes", code=code, key=meeting.key)


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
    actions: dict[int | None, list] = {}
    for action in (
        ActionItem.objects.restrict(request.user)
        .filter(meeting=meeting)
        .select_related("owner_agency", "item__situation")
    ):
        actions.setdefault(action.item_id, []).append(action)
    for item in items:
        item.minute_actions = actions.get(item.pk, [])
    return {
        "meeting": meeting,
        "site": meeting.site,
        "items": items,
        "table_actions": actions.get(None, []),
        "addenda": meeting.addenda.select_related("created_by"),
        "count": count,
        "new": sum(1 for i in items if i.kind == AgendaItem.Kind.NEW),
        "returning": sum(1 for i in items if i.kind == AgendaItem.Kind.RETURNING),
        "present": present,
        "apologies": [a for a in attendance if a.status == Attendance.Status.APOLOGIES],
        "agencies_present": sorted({a.user.agency.name for a in present if a.user.agency}),
    }


def _pdf(request: HttpRequest, template: str, context: dict, filename: str) -> HttpResponse:
    """A PDF in the language of the person downloading it."""
    from xhtml2pdf import pisa

    with speaking(request.user, get_language()):
        html = render_to_string(template, context)
        language = get_language()
    buffer = io.BytesIO()
    result = pisa.CreatePDF(html, dest=buffer, encoding="utf-8")
    if result.err:
        raise RuntimeError("PDF rendering failed")
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Language"] = language
    return response


@never_cache
def meeting_minutes(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """De-identified minutes for the whole site: a draft until the next meeting approves them."""
    meeting = _meeting(request, code, key, "read_minutes", can=True)
    context = _minutes_context(request, meeting)
    context["can"] = meeting.can
    if meeting.can["edit_minutes"]:
        context["action_form"] = ActionForm(site=meeting.site, prefix="action")
    if meeting.can["add_addendum"]:
        context["addendum_form"] = AddendumForm()
    if request.GET.get("format") == "pdf":
        return _pdf(
            request, "meetings/minutes_pdf.html", context, f"{meeting.site.code}-{meeting.key}.pdf"
        )
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
            log_access(situation, user, gettext_noop("identifying details (agency action list)"))
    context = {"meeting": meeting, "site": meeting.site, "rows": rows, "agency": user.agency}
    if request.GET.get("format") == "pdf":
        return _pdf(
            request,
            "meetings/agency_minutes_pdf.html",
            context,
            f"{meeting.site.code}-{meeting.key}-{user.agency.slug}.pdf",
        )
    return render(request, "meetings/agency_minutes.html", context)


# ---- A person's calendar ----------------------------------------------------------------------


@never_cache
@requires("calendar")
def my_calendar(request: HttpRequest) -> HttpResponse:
    """Subscribe once from Outlook or a phone; revoke (or renew) when the address leaks."""
    address = None
    if request.method == "POST":
        if request.POST.get("do") == "revoke":
            services.revoke_calendar(request.user)
            messages.success(request, _("The old calendar address no longer works."))
        else:
            token = services.new_calendar(request.user)
            # Shown once: only its hash is kept.
            address = request.build_absolute_uri(reverse("calendar_feed", kwargs={"token": token}))
    return render(
        request,
        "meetings/my_calendar.html",
        {"address": address, "feed": CalendarFeed.objects.filter(user=request.user).first()},
    )


@never_cache
@login_not_required
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's meetings, for a calendar program: times, places in the agenda's sense and
    status only — no case data, no reasons typed by a chair."""
    person = services.calendar_owner(token)
    if person is None:
        raise Http404
    body = services.calendar(person, base=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="focus-meetings.ics"'
    response["Content-Language"] = language_of(person)
    return response
