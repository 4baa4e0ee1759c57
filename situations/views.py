"""Thin views: find through restrict(), call a service, render. Every page here is no-store."""

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.access import administrator_required, member_site
from core.concurrency import ConcurrentEdit
from core.forms import posted as _posted

from . import services
from .audit import log_access
from .clock import clock_for
from .forms import (
    AcceptForm,
    ConcludeForm,
    ContactForm,
    PersonForm,
    PlanForm,
    ReassignForm,
    RejectForm,
    ServicesForm,
    SituationFilterForm,
    SituationForm,
    UpdateForm,
)
from .models import (
    AffectedPerson,
    InterventionPlan,
    Situation,
    SituationRiskFactor,
    Status,
)


def _situation(request: HttpRequest, code: str, reference: str, action: str = "view"):
    """Lookup and authorization in one: what the person may not see does not exist."""
    queryset = Situation.objects.restrict(request.user, action).select_related(
        "site", "originating_agency", "referral_source", "lead_agency", "conclusion_reason"
    )
    return get_object_or_404(queryset, site__code=code.upper(), reference=reference.upper())


def _risk_rows(situation: Situation):
    return (
        SituationRiskFactor.objects.filter(situation=situation)
        .select_related("factor__category", "person")
        .order_by("factor__category__position", "factor__name")
    )


@never_cache
def situation_list(request: HttpRequest, code: str) -> HttpResponse:
    site = member_site(request, code)
    form = SituationFilterForm(request.GET or None, site=site)
    risks = (
        SituationRiskFactor.objects.filter(situation=OuterRef("pk"), person__isnull=True)
        .order_by()
        .values("situation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    situations = (
        Situation.objects.restrict(request.user)
        .filter(site=site)
        .select_related("originating_agency", "lead_agency")
        # A correlated count, not a join: PostgreSQL works it out for the 50 rows shown only.
        .annotate(risk_count=Coalesce(Subquery(risks), 0))
        .order_by("-created_at")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            situations = situations.filter(reference__icontains=data["q"].strip())
        if data["status"]:
            situations = situations.filter(status=data["status"])
        if data["agency"]:
            situations = situations.filter(
                Q(originating_agency=data["agency"])
                | Q(lead_agency=data["agency"])
                | Q(
                    pk__in=Situation.assisting_agencies.through.objects.filter(
                        agency=data["agency"]
                    ).values("situation_id")
                )
            )
        if data["category"]:
            situations = situations.filter(
                pk__in=SituationRiskFactor.objects.filter(factor__category=data["category"]).values(
                    "situation_id"
                )
            )
    page = Paginator(situations, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "situations/list.html",
        {
            "site": site,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": request.user.agency_id is not None,
            "is_chair": services.chairs_site(request.user, site),
        },
    )


@never_cache
def situation_create(request: HttpRequest, code: str) -> HttpResponse:
    site = member_site(request, code)
    form = SituationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            situation = services.create_draft(request.user, site, form.record())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Draft %(ref)s saved. Only your agency can see it until you submit it.")
                % {"ref": situation.reference},
            )
            return redirect(situation)
    return render(request, "situations/form.html", {"site": site, "form": form, "situation": None})


@never_cache
def situation_detail(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    situation = _situation(request, code, reference)
    user = request.user
    can = Situation.objects.abilities(user, situation.pk)
    is_chair = services.chairs_site(user, situation.site)
    is_originator = user.agency_id == situation.originating_agency_id
    assisting = list(situation.assisting_agencies.all())
    context = {
        "situation": situation,
        "clock": clock_for(situation),
        "can_see_responses": can["view_response"],
        "updates": situation.updates.select_related("agency", "proposed_reason")[:5],
        "site": situation.site,
        "risk_rows": _risk_rows(situation),
        "persons": situation.affected_persons.all(),
        "assisting": assisting,
        "can_view_identity": can["view_identity"],
        "can_edit_persons": can["log_response"]
        and situation.status in (Status.DRAFT, Status.SUBMITTED, Status.OPEN),
        "can_see_history": can["history"],
        "can_edit": services.can_edit_record(user, situation, can),
        "is_originator": is_originator,
        "is_chair": is_chair,
    }
    return render(request, "situations/detail.html", context)


@never_cache
def situation_edit(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    situation = _situation(request, code, reference)
    form = SituationForm(_posted(request), situation=situation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_record(
                request.user, situation, form.record(), form.cleaned_data["version"] or 0
            )
        except ConcurrentEdit as exc:
            form.add_error(None, exc.message)
            situation.refresh_from_db()
            form.data = form.data.copy()
            form.data["version"] = situation.version
        except services.TransitionError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(situation)
    elif not services.can_edit_record(request.user, situation):
        raise Http404
    return render(
        request,
        "situations/form.html",
        {"site": situation.site, "form": form, "situation": situation},
    )


def _transition(request, situation, step, success: str):
    try:
        step()
    except services.TransitionError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(situation)


@require_POST
def situation_submit(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    situation = _situation(request, code, reference)
    return _transition(
        request,
        situation,
        lambda: services.submit(request.user, situation),
        _("Submitted. The table will see the de-identified record at its next meeting."),
    )


@require_POST
def situation_withdraw(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    situation = _situation(request, code, reference)
    return _transition(
        request,
        situation,
        lambda: services.withdraw(request.user, situation),
        _("Withdrawn. Its identifying details were deleted."),
    )


def _chair_decision(request, code, reference, make_form, step, success, title, button):
    """The chair's decision pages: a form, a service call, and back to the situation.

    A state that changed meanwhile is a message on the situation; bad input stays on the form.
    """
    situation = _situation(request, code, reference)
    if not services.chairs_site(request.user, situation.site):
        raise Http404
    form = make_form(_posted(request), situation)
    if request.method == "POST" and form.is_valid():
        try:
            step(situation, form.cleaned_data, form)
        except services.TransitionError as exc:
            messages.error(request, exc.message)
            return redirect(situation)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, success)
            return redirect(situation)
    context = {"situation": situation, "form": form, "button": button}
    context["title"] = title % situation.reference
    return render(request, "situations/decision.html", context)


@never_cache
def situation_accept(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _chair_decision(
        request,
        code,
        reference,
        lambda data, situation: AcceptForm(data, site=situation.site),
        lambda situation, data, form: services.accept(
            request.user, situation, form.assignment(), data["consent"], data["consent_reason"]
        ),
        _(
            "Accepted. Identifying details are released to the assigned agencies and the "
            "response clock has started."
        ),
        _("Accept %s"),
        _("Accept"),
    )


@never_cache
def situation_reassign(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _chair_decision(
        request,
        code,
        reference,
        lambda data, situation: ReassignForm(data, site=situation.site),
        lambda situation, data, form: services.reassign(request.user, situation, form.assignment()),
        _("Agencies updated."),
        _("Agencies for %s"),
        _("Save agencies"),
    )


@never_cache
def situation_reject(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _chair_decision(
        request,
        code,
        reference,
        lambda data, situation: RejectForm(data),
        lambda situation, data, form: services.reject(
            request.user, situation, data["rejection_reason"]
        ),
        _("Rejected. Only minimal data is kept; identifying details were deleted."),
        _("Reject %s"),
        _("Reject"),
    )


@never_cache
def situation_conclude(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _chair_decision(
        request,
        code,
        reference,
        lambda data, situation: ConcludeForm(data),
        lambda situation, data, form: services.conclude(
            request.user, situation, data["conclusion_reason"], data["concluded_on"]
        ),
        _("Concluded."),
        _("Conclude %s"),
        _("Conclude"),
    )


@never_cache
def situation_identity(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    """Filter 3, on demand. Each showing is an access entry in the audit trail."""
    situation = _situation(request, code, reference, "view_identity")
    persons = situation.affected_persons.select_related("identity").prefetch_related(
        Prefetch(
            "risk_factors",
            SituationRiskFactor.objects.select_related("factor__category"),
        )
    )
    log_access(situation, request.user, "identifying details")
    can_edit = (
        Situation.objects.restrict(request.user, "log_response")
        .filter(pk=situation.pk, status__in=[Status.DRAFT, Status.SUBMITTED, Status.OPEN])
        .exists()
    )
    return render(
        request,
        "situations/identity.html",
        {"situation": situation, "persons": persons, "can_edit": can_edit},
    )


@never_cache
def person_form(
    request: HttpRequest, code: str, reference: str, key: str | None = None
) -> HttpResponse:
    situation = _situation(request, code, reference, "log_response")
    person = None
    if key is not None:
        person = get_object_or_404(
            AffectedPerson.objects.select_related("identity"), situation=situation, key=key
        )
        log_access(situation, request.user, "identifying details")
    form = PersonForm(_posted(request), situation=situation, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_person(
                request.user,
                situation,
                person=person,
                label=data["label"],
                age_group=data["age_group"],
                gender=data["gender"],
                identity=form.identity(),
                risk_factor_ids=data["risk_factors"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("situation_identity", code=code, reference=situation.reference)
    return render(
        request,
        "situations/person_form.html",
        {"situation": situation, "form": form, "person": person},
    )


@require_POST
def person_remove(request: HttpRequest, code: str, reference: str, key: str) -> HttpResponse:
    situation = _situation(request, code, reference, "log_response")
    person = get_object_or_404(AffectedPerson, situation=situation, key=key)
    services.remove_person(request.user, situation, person)
    messages.success(request, _("Removed, with its identifying details."))
    return redirect("situation_identity", code=code, reference=situation.reference)


def situation_log_entries(situation: Situation):
    return LogEntry.objects.filter(additional_data__situation=situation.pk).select_related(
        "actor", "actor__agency", "content_type"
    )


@never_cache
def situation_history(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    """Who viewed, who changed: for the agencies involved. Field names, never values."""
    situation = _situation(request, code, reference, "history")
    entries = Paginator(situation_log_entries(situation).order_by("-timestamp"), 100)
    return render(
        request,
        "situations/history.html",
        {"situation": situation, "page": entries.get_page(request.GET.get("page"))},
    )


@never_cache
@administrator_required
def privacy_audit(request: HttpRequest) -> HttpResponse:
    """The privacy officer's view of the whole deployment: metadata only, never the diffs."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    action = request.GET.get("action", "")
    if action.isdecimal() and len(action) < 3:
        entries = entries.filter(action=int(action))
    actor = request.GET.get("actor", "").strip()[:150]
    if actor:
        entries = entries.filter(actor__username__iexact=actor)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "situations/privacy_audit.html",
        {
            "page": page,
            "actions": LogEntry.Action.choices,
            "action": action,
            "actor": actor,
            "query": query.urlencode(),
        },
    )


RESPONSE_FORMS = {
    "plan": PlanForm,
    "contact": ContactForm,
    "update": UpdateForm,
    "services": ServicesForm,
}


def _response_forms(situation, plan, data=None, which=None):
    initial = {
        "plan": {
            "version": plan.version,
            "who": plan.who,
            "planned_for": plan.planned_for,
            "how": plan.how,
        }
        if plan
        else {},
        "contact": {"attempted_at": timezone.localtime().replace(second=0, microsecond=0)},
        "update": {},
        "services": {"services_mobilized": situation.services_mobilized.all()},
    }
    return {
        name: form_class(data if name == which else None, initial=initial[name], prefix=name)
        for name, form_class in RESPONSE_FORMS.items()
    }


def _save_response(request, situation, which, form):
    data = form.cleaned_data
    user = request.user
    if which == "plan":
        services.save_plan(
            user,
            situation,
            services.Plan(who=data["who"], planned_for=data["planned_for"], how=data["how"]),
            data["version"],
        )
    elif which == "contact":
        services.log_contact(
            user,
            situation,
            attempted_at=data["attempted_at"],
            method=data["method"],
            outcome=data["outcome"],
            notes=data["notes"],
        )
    elif which == "update":
        services.add_update(
            user, situation, data["text"], data["proposes_conclusion"], data["proposed_reason"]
        )
    else:
        services.set_services(user, situation, data["services_mobilized"])


@never_cache
def situation_responses(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    """Filter 4: the plan, contact attempts and updates of the lead and assisting agencies."""
    situation = _situation(request, code, reference, "view_response")
    can_log = (
        situation.status == Status.OPEN
        and Situation.objects.restrict(request.user, "log_response")
        .filter(pk=situation.pk)
        .exists()
    )
    plan = InterventionPlan.objects.filter(situation=situation).first()
    which = request.POST.get("form") if request.method == "POST" else None
    if which is not None and (which not in RESPONSE_FORMS or not can_log):
        raise Http404
    forms_by_name = _response_forms(situation, plan, request.POST, which)
    if which is not None and forms_by_name[which].is_valid():
        form = forms_by_name[which]
        try:
            _save_response(request, situation, which, form)
        except ConcurrentEdit as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("situation_responses", code=code, reference=situation.reference)
    return render(
        request,
        "situations/responses.html",
        {
            "situation": situation,
            "clock": clock_for(situation),
            "plan": plan,
            "attempts": situation.contact_attempts.select_related("agency", "logged_by"),
            "updates": situation.updates.select_related("agency", "created_by", "proposed_reason"),
            "forms": forms_by_name if can_log else None,
            "can_log": can_log,
        },
    )


@never_cache
def my_situations(request: HttpRequest) -> HttpResponse:
    """My agency's open situations, the ones with the least time left first."""
    situations = (
        Situation.objects.restrict(request.user, "view_response")
        .filter(status=Status.OPEN)
        .select_related("site", "lead_agency")
        .order_by(F("first_contact_at").asc(nulls_first=True), "response_due_at")
    )
    now = timezone.now()
    rows = [{"situation": s, "clock": clock_for(s, now)} for s in situations]
    return render(request, "situations/mine.html", {"rows": rows})
