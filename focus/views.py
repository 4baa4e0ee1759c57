from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access import policy

from . import worklists


def home(request: HttpRequest) -> HttpResponse:
    """Where each person starts: their tables, and what needs their attention there."""
    user = request.user
    can = policy.capabilities(user)
    context = {"rows": worklists.sites_with_next_meeting(user)}
    if can["my_situations"]:
        context["agency"] = worklists.agency_work(user)
        context["chairs"] = worklists.chair_work(user)
    return render(request, "home.html", context)


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: public, so that a person who cannot sign in can read how
    to report it."""
    return render(request, "accessibility.html", {"contact": settings.ACCESSIBILITY_CONTACT})
