"""Access helpers. Forbidden and nonexistent look the same: 404."""

from functools import wraps

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from agencies.models import Site


def member_site(request: HttpRequest, code: str):
    """A site the person sits at, by its code; any other code is 404."""
    return get_object_or_404(Site.objects.for_user(request.user), code=code.upper())


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    """The `next` a form was given, if it stays on this site; otherwise `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def administrator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and (user.is_administrator or user.is_superuser)):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
