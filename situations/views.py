"""Thin views: find through restrict(), call a service, render. Every page here is no-store."""

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from access.decorators import requires
from agencies.models import Agency, Site
from core import fragments
from core.adapter import attempt
from core.confirm import ask, confirmed
from core.errors import NotFound
from core.forms import posted as _posted
from core.paging import counted_page
from ledger.models import TellingRecord

from . import confirmations, services
from .audit import log_access
from .clock import clock_for
from .forms import (
    AcceptForm,
    ConcludeForm,
    ConsentForm,
    ContactForm,
    PersonForm,
    PlanForm,
    ReassignForm,
    RejectForm,
    ServicesForm,
    SituationFilterForm,
    SituationForm,
    ToldForm,
    UpdateForm,
)
from .models import (
    AffectedPerson,
    ContactAttempt,
    ContactOutcome,
    InterventionPlan,
    Situation,
    SituationRiskFactor,
    Status,
)
from .rows import list_rows

# What the situation's pages show beside it.
SHOWN_WITH = ("site", "originating_agency", "referral_source", "lead_agency", "conclusion_reason")


def _situation(
    request: HttpRequest,
    code: str,
    reference: str,
    action: str = "view",
    can=False,
    related=SHOWN_WITH,
):
    """Lookup and authorization in one: what the person may not see does not exist. A page
    opens only in a state that allows its action; a form posted after the state changed
    reaches the service, which says what happened (WrongState) instead of a bare 404."""
    return (
        Situation.objects.select_related(*related)
        # The gate reads them to answer "assisting"; the pages show them.
        .prefetch_related("assisting_agencies")
        .find(
            request.user,
            action,
            any_state=request.method == "POST",
            can=can,
            site__code=code.upper(),
            reference=reference.upper(),
        )
    )


def _site(request: HttpRequest, code: str, action: str = "work", can=False) -> Site:
    return Site.objects.find(request.user, action, can=can, code=code.upper())


def _risk_rows(situation: Situation):
    return (
        SituationRiskFactor.objects.filter(situation=situation)
        .select_related("factor__category", "person")
        .order_by("factor__category__position", "factor__name", "person__label")
    )


def _search(text: str) -> Q:
    """The de-identified text a table searches: the reference, an agency involved (name or
    short name), a risk factor or its category. Never the narrative or anything identifying."""
    factors = SituationRiskFactor.objects.filter(
        Q(factor__name__icontains=text) | Q(factor__category__name__icontains=text)
    ).values("situation_id")
    agencies = Q(originating_agency__name__icontains=text) | Q(
        originating_agency__short_name__iexact=text
    )
    agencies |= Q(lead_agency__name__icontains=text) | Q(lead_agency__short_name__iexact=text)
    return Q(reference__icontains=text) | agencies | Q(pk__in=factors)


def _risk_factors(situation: Situation) -> list[dict]:
    """Each factor once, with the persons it concerns: a factor is tied to the situation and,
    for each person it concerns, once more to that person."""
    factors: dict[int, dict] = {}
    for row in _risk_rows(situation):
        entry = factors.setdefault(row.factor_id, {"factor": row.factor, "persons": []})
        if row.person is not None:
            entry["persons"].append(row.person)
    return list(factors.values())


# What a row of the site list shows (situations/rows.py) and its clock reads (clock_for).
LIST_COLUMNS = (
    "reference",
    "status",
    "subject_type",
    "age_group",
    "originating_agency",
    "lead_agency",
    "accepted_at",
    "response_due_at",
    "first_contact_at",
    "concluded_at",
    "created_at",
)


def _filters(form: SituationFilterForm, site: Site) -> str:
    """The filter's fields. As the list first opens (no filter), they are the same for
    everyone at the table: its agencies and the risk categories, two queries and some forty
    options, about a fifth of the page. So they are rendered once a minute, and an agency
    that joins the table is offered within the minute. A filtered form shows what was typed in
    it, and is never kept."""

    def render() -> str:
        return render_to_string("situations/_filters.html", {"form": form})

    return render() if form.is_bound else fragments.cached(render, "situation-filters", site.pk)


def _short_name(field: str) -> Subquery:
    # An agency's short name, read by its primary key for each of the page's rows. Joined to
    # a list of 50 ids, the planner hashed every agency of the province (1,500 at 150 tables).
    return Subquery(Agency.objects.filter(pk=OuterRef(field)).order_by().values("short_name"))


@never_cache
def situation_list(request: HttpRequest, code: str) -> HttpResponse:
    site = _site(request, code, can=["start_situation", "export_rows"])
    form = SituationFilterForm(request.GET or None, site=site)
    situations = Situation.objects.restrict(request.user).filter(site=site)
    order = ["-created_at"]
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            situations = situations.filter(_search(data["q"].strip()))
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
        if data["sort"] == "clock":
            # Running clocks first, the least time left first; then the rest, newest first.
            order = [
                Case(
                    When(status=Status.OPEN, first_contact_at__isnull=True, then=0),
                    default=1,
                ),
                F("response_due_at").asc(nulls_last=True),
                "-created_at",
            ]
    # The page's 50 ids and the total in one query, then their rows with what is shown
    # beside them. In one query the planner misjudged how many rows the privacy filter
    # leaves (an OR over the same site twice) and joined and counted every situation of the
    # site before sorting; this way the joins and the correlated count are for the 50 rows.
    page = counted_page(situations.order_by(*order), request.GET.get("page"), 50)
    risks = (
        SituationRiskFactor.objects.filter(situation=OuterRef("pk"), person__isnull=True)
        .order_by()
        .values("situation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # The agencies' short names as columns, not joined objects: 50 model objects a page
    # instead of 150 (about 2 ms of the page here).
    page.object_list = list(
        Situation.objects.filter(pk__in=page.object_list)
        .only(*LIST_COLUMNS)
        .annotate(
            risk_count=Coalesce(Subquery(risks), 0),
            originating_short=_short_name("originating_agency"),
            lead_short=_short_name("lead_agency"),
        )
        .order_by(*order)
    )
    now = timezone.now()
    for situation in page:
        situation.clock = clock_for(situation, now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "situations/list.html",
        {
            "site": site,
            "filters": _filters(form, site),
            "page": page,
            "rows": list_rows(page, site),
            "query": query.urlencode(),
            "can": site.can,
        },
    )


@never_cache
def situation_create(request: HttpRequest, code: str) -> HttpResponse:
    site = _site(request, code, "start_situation")
    form = SituationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        situation = attempt(
            request, lambda: services.create_draft(request.user, site, form.record()), form=form
        )
        if situation:
            messages.success(
                request,
                _("Draft %(ref)s saved. Only your agency can see it until you submit it.")
                % {"ref": situation.reference},
            )
            return redirect(situation)
    return render(request, "situations/form.html", {"site": site, "form": form, "situation": None})


def _latest_telling() -> dict:
    """Whether the person was told, read along with the situation (the latest record)."""
    latest = TellingRecord.objects.filter(situation=OuterRef("pk")).newest_first()
    return {
        "_told_outcome": Subquery(latest.values("outcome")[:1]),
        "_told_on": Subquery(latest.values("told_on")[:1]),
        "_told_by": Subquery(latest.values("agency__short_name")[:1]),
    }


def _telling(situation: Situation) -> TellingRecord | None:
    if not situation._told_outcome:
        return None
    told = TellingRecord(outcome=situation._told_outcome, told_on=situation._told_on)
    told.agency = Agency(short_name=situation._told_by)  # for display only, never saved
    return told


@never_cache
def situation_detail(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    # Only what the page's head needs (its status, actions and the repeat panel); the record
    # below them comes from the fragment cache, or is read and rendered when it is not there.
    situation = _situation(request, code, reference, can=True, related=["site"])
    context = {"situation": situation, "can": situation.can, "site": situation.site}
    return render(request, "situations/detail.html", {**context, "record": _record(situation)})


def _record(situation: Situation) -> str:
    """The situation's record as its page shows it, rendered once a minute for everyone with
    the same rights (core/fragments.py).

    Its key is the situation and its `updated_at`, which every change to what the record shows
    moves (situations/receivers.py), and the viewer's rights (the consent section and its
    links). The fragment holds no form, hence no CSRF token."""

    def record() -> str:
        shown = (
            Situation.objects.select_related(*SHOWN_WITH)
            .annotate(**_latest_telling())
            .get(pk=situation.pk)
        )
        return render_to_string(
            "situations/_record.html",
            {
                "situation": shown,
                "can": situation.can,
                "site": shown.site,
                "telling": _telling(shown),
                "clock": clock_for(shown),
                "updates": shown.updates.select_related("agency", "proposed_reason")[:5],
                "risk_factors": _risk_factors(shown),
                "persons": shown.affected_persons.all(),
                "assisting": list(situation.assisting_agencies.all()),
                "listed": shown.listed() if shown.status != Status.REJECTED else None,
            },
        )

    html = fragments.cached(
        record,
        "situation",
        situation.pk,
        situation.updated_at.isoformat(),
        fragments.rights(situation.can),
    )
    # Rendered by the template engine, which escaped every value.
    return mark_safe(html)  # noqa: S308  # nosec B703 B308


@never_cache
def situation_edit(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    situation = _situation(request, code, reference, "edit_record")
    form = SituationForm(_posted(request), situation=situation)
    if request.method == "POST" and form.is_valid():
        saved = attempt(
            request,
            lambda: services.update_record(
                request.user, situation, form.record(), form.cleaned_data["version"] or 0
            ),
            form=form,
            success=_("Saved."),
        )
        if saved:
            return redirect(situation)
        situation.refresh_from_db()
        form.data = form.data.copy()
        form.data["version"] = situation.version
    return render(
        request,
        "situations/form.html",
        {"site": situation.site, "form": form, "situation": situation},
    )


def _step(request, situation, step, success: str):
    attempt(request, step, success=success)
    return redirect(situation)


@require_POST
def situation_submit(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    situation = _situation(request, code, reference, "submit")
    return _step(
        request,
        situation,
        lambda: services.submit(request.user, situation),
        _("Submitted. The table will see the de-identified record at its next meeting."),
    )


@require_POST
def situation_withdraw(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    situation = _situation(request, code, reference, "withdraw")
    return _step(
        request,
        situation,
        lambda: services.withdraw(request.user, situation),
        _("Withdrawn. Its identifying details were deleted."),
    )


def _situation_step(
    request, code, reference, action, make_form, step, success, title, button, confirmation=None
):
    """A one-form step on a situation (the chair's decisions; consent and telling, recorded
    by the agencies the policy names): a form, a service call, and back to the situation.
    Who may take the step is the policy's `action`. Bad input stays on the form; a step that
    cannot be undone is confirmed first."""
    situation = _situation(request, code, reference, action)
    form = make_form(_posted(request), situation)
    if request.method == "POST" and form.is_valid():
        if confirmation is not None and not confirmed(request):
            return ask(request, confirmation, situation.get_absolute_url())
        done = attempt(
            request, lambda: step(situation, form.cleaned_data, form), form=form, success=success
        )
        if done:
            return redirect(situation)
    context = {
        "situation": situation,
        "form": form,
        "button": button,
        "confirmation": confirmation,
    }
    context["title"] = title % situation.reference
    return render(request, "situations/decision.html", context)


@never_cache
def situation_accept(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _situation_step(
        request,
        code,
        reference,
        "accept",
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
    return _situation_step(
        request,
        code,
        reference,
        "reassign",
        lambda data, situation: ReassignForm(data, site=situation.site),
        lambda situation, data, form: services.reassign(request.user, situation, form.assignment()),
        _("Agencies updated."),
        _("Agencies for %s"),
        _("Save agencies"),
    )


@never_cache
def situation_reject(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _situation_step(
        request,
        code,
        reference,
        "reject",
        lambda data, situation: RejectForm(data),
        lambda situation, data, form: services.reject(
            request.user, situation, data["rejection_reason"]
        ),
        _("Rejected. Only minimal data is kept; identifying details were deleted."),
        _("Reject %s"),
        _("Reject"),
        confirmations.REJECT,
    )


@never_cache
def situation_conclude(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _situation_step(
        request,
        code,
        reference,
        "conclude",
        lambda data, situation: ConcludeForm(data),
        lambda situation, data, form: services.conclude(
            request.user, situation, data["conclusion_reason"], data["concluded_on"]
        ),
        _("Concluded."),
        _("Conclude %s"),
        _("Conclude"),
        confirmations.CONCLUDE,
    )


@never_cache
def situation_consent(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _situation_step(
        request,
        code,
        reference,
        "record_consent",
        lambda data, situation: ConsentForm(data),
        lambda situation, data, form: services.record_consent(
            request.user,
            situation,
            status=data["status"],
            on_date=data["on_date"],
            reason=data["reason"],
            note=data["note"],
        ),
        _("Consent recorded."),
        _("Record consent for %s"),
        _("Record consent"),
    )


@never_cache
def situation_told(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return _situation_step(
        request,
        code,
        reference,
        "record_told",
        lambda data, situation: ToldForm(data),
        lambda situation, data, form: services.record_told(
            request.user, situation, outcome=data["outcome"], told_on=data["told_on"]
        ),
        _("Recorded."),
        _("Was the person told? %s"),
        _("Save"),
    )


@never_cache
def situation_identity(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    """Filter 3, on demand. Each showing is an access entry in the audit trail."""
    situation = _situation(
        request, code, reference, "view_identity", can=["edit_persons", "record_consent"]
    )
    persons = situation.affected_persons.select_related("identity").prefetch_related(
        Prefetch(
            "risk_factors",
            SituationRiskFactor.objects.select_related("factor__category"),
        )
    )
    log_access(situation, request.user, gettext_noop("identifying details"))
    return render(
        request,
        "situations/identity.html",
        {
            "situation": situation,
            "persons": persons,
            # Consent over time is about the person: it goes with their identity.
            "consent_history": situation.consent_history.select_related("agency"),
            "can": situation.can,
        },
    )


@never_cache
def person_form(
    request: HttpRequest, code: str, reference: str, key: str | None = None
) -> HttpResponse:
    situation = _situation(request, code, reference, "edit_persons")
    person = None
    if key is not None:
        person = get_object_or_404(
            AffectedPerson.objects.select_related("identity"), situation=situation, key=key
        )
        log_access(situation, request.user, gettext_noop("identifying details"))
    form = PersonForm(_posted(request), situation=situation, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(
            request,
            lambda: services.save_person(
                request.user,
                situation,
                person=person,
                label=data["label"],
                age_group=data["age_group"],
                gender=data["gender"],
                identity=form.identity(),
                risk_factor_ids=data["risk_factors"],
            ),
            form=form,
            success=_("Saved."),
        )
        if saved:
            return redirect("situation_identity", code=code, reference=situation.reference)
    return render(
        request,
        "situations/person_form.html",
        {"situation": situation, "form": form, "person": person},
    )


@require_POST
def person_remove(request: HttpRequest, code: str, reference: str, key: str) -> HttpResponse:
    situation = _situation(request, code, reference, "edit_persons")
    person = get_object_or_404(AffectedPerson, situation=situation, key=key)
    attempt(
        request,
        lambda: services.remove_person(request.user, situation, person),
        success=_("Removed, with its identifying details."),
    )
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
    situation = _situation(request, code, reference, "view_response", can=["respond"])
    can_log = situation.can["respond"]
    plan = InterventionPlan.objects.filter(situation=situation).first()
    which = request.POST.get("form") if request.method == "POST" else None
    if which is not None and (which not in RESPONSE_FORMS or not can_log):
        raise NotFound
    forms_by_name = _response_forms(situation, plan, request.POST, which)
    if which is not None and forms_by_name[which].is_valid():
        form = forms_by_name[which]
        saved = attempt(
            request,
            lambda: _save_response(request, situation, which, form),
            form=form,
            success=_("Saved."),
        )
        if saved:
            return redirect("situation_responses", code=code, reference=situation.reference)
    return render(
        request,
        "situations/responses.html",
        {
            "situation": situation,
            "clock": clock_for(situation),
            "plan": plan,
            "attempts": situation.contact_attempts.select_related("agency", "logged_by"),
            # The entries this person's agency may still correct (one query for the list).
            "correctable": set(
                ContactAttempt.objects.restrict(request.user, "correct")
                .filter(situation=situation)
                .values_list("pk", flat=True)
            ),
            "updates": situation.updates.select_related("agency", "created_by", "proposed_reason"),
            "forms": forms_by_name if can_log else None,
            "can_log": can_log,
        },
    )


def _contact(request: HttpRequest, situation: Situation, key) -> ContactAttempt:
    """An entry of the log the person's agency may correct. A form posted after the state
    changed reaches the service, which says what happened."""
    return ContactAttempt.objects.select_related("agency").find(
        request.user,
        "correct",
        any_state=request.method == "POST",
        situation=situation,
        key=key,
    )


@never_cache
def contact_edit(request: HttpRequest, code: str, reference: str, key) -> HttpResponse:
    """Correct a contact attempt (its time, method, outcome or notes); first contact follows."""
    situation = _situation(request, code, reference, "view_response")
    entry = _contact(request, situation, key)
    initial = {
        "attempted_at": timezone.localtime(entry.attempted_at),
        "method": entry.method,
        "outcome": entry.outcome,
        "notes": entry.notes,
    }
    form = ContactForm(_posted(request), initial=initial, prefix="contact")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(
            request,
            lambda: services.edit_contact(
                request.user,
                entry,
                attempted_at=data["attempted_at"],
                method=data["method"],
                outcome=data["outcome"],
                notes=data["notes"],
            ),
            form=form,
            success=_("Contact attempt corrected."),
        )
        if saved:
            return redirect("situation_responses", code=code, reference=situation.reference)
    return render(
        request,
        "situations/contact_form.html",
        {"situation": situation, "entry": entry, "form": form},
    )


@never_cache
def contact_delete(request: HttpRequest, code: str, reference: str, key) -> HttpResponse:
    """Delete a contact attempt logged by mistake, after a page that says what follows."""
    situation = _situation(request, code, reference, "view_response")
    entry = _contact(request, situation, key)
    if request.method == "POST":
        # Done or refused (the situation closed meanwhile), the log says where it stands.
        attempt(
            request,
            lambda: services.delete_contact(request.user, entry),
            success=_("Contact attempt deleted."),
        )
        return redirect("situation_responses", code=code, reference=situation.reference)
    others = situation.contact_attempts.filter(outcome=ContactOutcome.CONTACTED).exclude(
        pk=entry.pk
    )
    reopens = entry.outcome == ContactOutcome.CONTACTED and not others.exists()
    return render(
        request,
        "situations/contact_delete.html",
        {"situation": situation, "entry": entry, "reopens": reopens},
    )


@never_cache
@requires("my_situations")
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
