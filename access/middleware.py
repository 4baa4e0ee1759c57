"""The second factor, enforced: enrol at first sign-in, verify at every sign-in."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from core.security import to_sign_in

from .policy import needs_second_factor

# The language switch and the accessibility statement serve a person half-way through signing
# in as much as anyone.
MFA_EXEMPT_NAMES = {
    "mfa_setup",
    "mfa_verify",
    "logout",
    "healthz",
    "readyz",
    "set_language",
    "accessibility",
}


class MFARequiredMiddleware:
    """After the password, a second factor, for everyone the policy names (SECOND_FACTOR)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not needs_second_factor(user) or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.url_name in MFA_EXEMPT_NAMES:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        from django_otp import devices_for_user

        enrolled = any(True for _ in devices_for_user(user, confirmed=True))
        name = "mfa_verify" if enrolled else "mfa_setup"
        target = f"{reverse(name)}?next={request.get_full_path()}"
        return to_sign_in(request, target)
