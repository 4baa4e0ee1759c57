from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.urls import include, path
from django.views.generic import RedirectView

from access import mfa
from agencies.forms import InvitedPasswordResetForm
from agencies.language import choose_language
from core import views as core_views

from . import views


def _no_view_on_site(request, **kwargs):
    raise Http404


urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("", include("ops.urls")),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=InvitedPasswordResetForm),
        name="password_reset",
    ),
    path("language/", choose_language, name="set_language"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("accounts/mfa/setup/", mfa.setup, name="mfa_setup"),
    path("accounts/mfa/verify/", mfa.verify, name="mfa_verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    # One sign-in page for everyone: the admin's own would bypass what ours enforces.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    # The admin's "view on site" redirect would turn any internal id into its public URL (a
    # situation's reference): switched off, ahead of the admin's own route.
    path("admin/r/<path:rest>", _no_view_on_site, name="admin_view_on_site_off"),
    path("admin/", admin.site.urls),
    path("", views.home, name="home"),
    path("", include("agencies.urls")),
    path("", include("situations.urls")),
    path("", include("reminders.urls")),
    path("", include("meetings.urls")),
    path("", include("dashboard.urls")),
    path("", include("barriers.urls")),
    path("", include("linkage.urls")),
    path("", include("privacy.urls")),
]

admin.site.site_header = "FOCUS situation tables"
admin.site.site_title = "FOCUS administration"
