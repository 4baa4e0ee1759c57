"""Sessions, MFA enforcement and headers (OWASP ASVS level 2; see docs/threat-model.md)."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.cache import patch_cache_control
from django_htmx.http import HttpResponseClientRedirect

LAST_ACTIVITY = "_last_activity"
STARTED = "_started"
# Writing the session once a minute is precise enough for a 30-minute idle timeout.
ACTIVITY_RESOLUTION = 60


def passive(view):
    """Mark a view whose requests are not the person's activity (e.g. a page polling)."""
    view.passive_request = True
    return view


def to_sign_in(request: HttpRequest, target: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(target)
    return redirect(target)


class SessionTimeoutMiddleware:
    """Idle and absolute session timeouts, checked on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        session, now = request.session, time.time()
        started = session.setdefault(STARTED, now)
        last = session.get(LAST_ACTIVITY, now)
        idle = now - last > settings.SESSION_IDLE_SECONDS
        too_old = now - started > settings.SESSION_COOKIE_AGE
        if idle or too_old:
            logout(request)
            path = request.get_full_path()
            if getattr(request, "htmx", False):
                path = request.htmx.current_url_abs_path or "/"
            target = redirect_to_login(path, resolve_url(settings.LOGIN_URL))["Location"]
            return to_sign_in(request, target)
        if not getattr(view_func, "passive_request", False) and (
            LAST_ACTIVITY not in session or now - last > ACTIVITY_RESOLUTION
        ):
            session[LAST_ACTIVITY] = now
        return None


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy, and no-store on every page a
    signed-in person sees (case data must not sit in browser or proxy caches)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True)
        return response
