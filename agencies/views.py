from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.access import administrator_required
from core.concurrency import ConcurrentEdit
from core.forms import posted as _posted
from core.mfa import reset_factors

from . import services
from .forms import PersonForm, SeatFormSet, check_seats_fit_role, seat_initial
from .models import Membership, Site, User


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    if user.is_steering:
        sites = Site.objects.filter(active=True)
    else:
        sites = Site.objects.for_user(user)
    seats = {m.site_id: m for m in user.memberships.all()}
    rows = [
        {"site": site, "next_meeting": site.next_meeting_at(now), "seat": seats.get(site.pk)}
        for site in sites
    ]
    return render(request, "home.html", {"rows": rows})


def site_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The table's roster. Members of the site and administrators; everyone else gets 404."""
    user = request.user
    sites = Site.objects.all() if user.is_administrator else Site.objects.for_user(user)
    site = get_object_or_404(sites, code=code.upper())
    memberships = site.memberships.select_related("user__agency").order_by(
        "user__agency__name", "user__last_name"
    )
    return render(
        request,
        "agencies/site_detail.html",
        {
            "site": site,
            "memberships": memberships,
            "next_meeting": site.next_meeting_at(),
        },
    )


@administrator_required
def people_list(request: HttpRequest) -> HttpResponse:
    people = (
        User.objects.select_related("agency")
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


@administrator_required
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(_posted(request))
    formset = SeatFormSet(_posted(request), prefix="seats")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        if check_seats_fit_role(form, formset):
            fields = {name: form.cleaned_data[name] for name in PersonForm.Meta.fields}
            try:
                person = services.provision_person(fields=fields, seats=formset.seats())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s was added and sent an invitation to choose a password.")
                    % {"name": person},
                )
                return redirect("people")
    return render(
        request, "agencies/person_form.html", {"form": form, "formset": formset, "person": None}
    )


@administrator_required
def person_edit(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username)
    if person.is_superuser and not request.user.is_superuser:
        raise Http404
    form = PersonForm(_posted(request), instance=person)
    formset = SeatFormSet(_posted(request), prefix="seats", initial=seat_initial(person))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        if check_seats_fit_role(form, formset):
            fields = {name: form.cleaned_data[name] for name in PersonForm.Meta.fields}
            try:
                services.update_person(
                    person,
                    fields=fields,
                    seats=formset.seats(),
                    version=form.cleaned_data["version"] or 0,
                )
            except ConcurrentEdit as exc:
                form.add_error(None, exc.message)
                # Show what is saved now; the person's own input stays in the fields.
                current = User.objects.get(pk=person.pk)
                form.data = form.data.copy()
                form.data["version"] = current.version
                form.current = current
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Changes to %(name)s were saved.") % {"name": person})
                return redirect("people")
    return render(
        request, "agencies/person_form.html", {"form": form, "formset": formset, "person": person}
    )


@administrator_required
def person_invite(request: HttpRequest, username: str) -> HttpResponse:
    if request.method != "POST":
        raise Http404
    person = get_object_or_404(User, username=username, is_active=True)
    if person.is_superuser and not request.user.is_superuser:
        raise Http404
    services.send_invitation(person)
    messages.success(request, _("A new invitation was sent to %(name)s.") % {"name": person})
    return redirect("person_edit", username=person.username)


@administrator_required
def person_reset_mfa(request: HttpRequest, username: str) -> HttpResponse:
    if request.method != "POST":
        raise Http404
    person = get_object_or_404(User, username=username)
    if person.is_superuser and not request.user.is_superuser:
        raise Http404
    reset_factors(person)
    messages.success(
        request,
        _("%(name)s will set up two-step sign-in again at their next sign-in.") % {"name": person},
    )
    return redirect("person_edit", username=person.username)
