from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies.forms import InvitedPasswordResetForm
from core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=InvitedPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("agencies.urls")),
]

admin.site.site_header = "FOCUS situation tables"
admin.site.site_title = "FOCUS administration"
