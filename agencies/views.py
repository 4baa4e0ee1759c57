from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.decorators import requires
from core.adapter import attempt
from core.forms import posted as _posted

from . import services
from .forms import PersonForm, SeatFormSet, check_seats_fit_role, seat_initial
from .models import Membership, Site, User


def site_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The table's roster: for its members and for administrators."""
    site = Site.objects.find(request.user, "see_roster", code=code.upper())
    memberships = site.memberships.select_related("user__agency").order_by(
        "user__agency__name", "user__last_name"
    )
    return render(
        request,
        "agencies/site_detail.html",
        {
            "site": site,
            "memberships": memberships,
        },
    )


@requires("administer")
def people_list(request: HttpRequest) -> HttpResponse:
    people = (
        User.objects.restrict(request.user, "manage")
        .select_related("agency")
        .prefetch_related(Prefetch("memberships", Membership.objects.select_related("site")))
        .order_by("last_name", "first_name")
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
            | Q(agency__name__icontains=query)
        )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "agencies/people_list.html",
        {"page": page, "query": query, "page_query": urlencode({"q": query})},
    )


def _fields(form: PersonForm) -> dict:
    return {name: form.cleaned_data[name] for name in PersonForm.Meta.fields}


@requires("administer")
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(_posted(request))
    formset = SeatFormSet(_posted(request), prefix="seats")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        if check_seats_fit_role(form, formset):
            person = attempt(
                request,
                lambda: services.provision_person(
                    request.user, fields=_fields(form), seats=formset.seats()
                ),
                form=form,
            )
            if person:
                message = _("%(name)s was added and sent an invitation to choose a password.")
                messages.success(request, message % {"name": person})
                return redirect("people")
    return render(
        request, "agencies/person_form.html", {"form": form, "formset": formset, "person": None}
    )


@requires("administer")
def person_edit(request: HttpRequest, username: str) -> HttpResponse:
    person = User.objects.find(request.user, "manage", can=True, username=username)
    form = PersonForm(_posted(request), instance=person)
    formset = SeatFormSet(_posted(request), prefix="seats", initial=seat_initial(person))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        if check_seats_fit_role(form, formset):
            saved = attempt(
                request,
                lambda: services.update_person(
                    request.user,
                    person,
                    fields=_fields(form),
                    seats=formset.seats(),
                    version=form.cleaned_data["version"] or 0,
                ),
                form=form,
                success=_("Changes to %(name)s were saved.") % {"name": person},
            )
            if saved:
                return redirect("people")
            # Show what is saved now; the person's own input stays in the fields.
            current = User.objects.get(pk=person.pk)
            form.data = form.data.copy()
            form.data["version"] = current.version
            form.current = current
    return render(
        request, "agencies/person_form.html", {"form": form, "formset": formset, "person": person}
    )


@require_POST
@requires("administer")
def person_invite(request: HttpRequest, username: str) -> HttpResponse:
    """A link to choose a password: an invitation, or a reset link for someone who has one."""
    person = User.objects.find(request.user, "manage", username=username)
    act = attempt(request, lambda: services.send_password_link(request.user, person))
    if act == services.Act.INVITED:
        messages.success(request, _("A new invitation was sent to %(name)s.") % {"name": person})
    elif act:
        messages.success(
            request, _("A link to choose a new password was sent to %(name)s.") % {"name": person}
        )
    return redirect("people_edit", username=person.username)


@require_POST
@requires("administer")
def person_reset_mfa(request: HttpRequest, username: str) -> HttpResponse:
    person = User.objects.find(request.user, "reset_factors", username=username)
    if attempt(request, lambda: services.reset_factors(request.user, person)):
        messages.success(
            request,
            _("%(name)s will set up two-step sign-in again at their next sign-in.")
            % {"name": person},
        )
    return redirect("people_edit", username=person.username)
