"""Two-factor sign-in with TOTP (django-otp), recovery codes, enrolment at first sign-in."""

import base64
import secrets

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.http import safe_next

from .models import RecoveryCodeDevice

RECOVERY_CODES = 10


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or a recovery code."),
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "").strip()


@transaction.atomic
def issue_recovery_codes(user) -> list[str]:
    """New codes, returned in clear this once for the person to keep; only hashes are stored."""
    device, _ = RecoveryCodeDevice.objects.get_or_create(user=user, name="recovery")
    device.confirmed = True
    device.save()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    device.replace_codes(codes)
    return codes


def _verified(request: HttpRequest, device) -> None:
    """The person is now fully signed in: a new session key, so that a key fixed or seen
    before the second factor is worth nothing after it."""
    otp_login(request, device)
    request.session.cycle_key()


def reset_factors(user) -> None:
    """Forget every factor: the person enrols again at their next sign-in. Only ever called
    through agencies.services.reset_factors, which checks who may and records the act."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if any(True for _ in devices_for_user(user, confirmed=True)):
        return redirect(safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save()
            _verified(request, device)
            codes = issue_recovery_codes(user)
            return render(
                request, "registration/mfa_codes.html", {"codes": codes, "next": safe_next(request)}
            )
        form.add_error(
            "code", _("That code did not match. Check the time on your phone and try again.")
        )
    # Shown only while the device is unconfirmed: once enrolled, this page redirects.
    secret_b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "secret": secret_b32,
            "qr_svg": qr.svg_data_uri(scale=4),
            "next": safe_next(request),
        },
    )


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            return redirect(safe_next(request))
        form.add_error("code", _("That code did not match."))
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": safe_next(request)}
    )
