from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from access import policy

from .models import Agency, Membership, Site, User


class AdministratorOnly:
    """People, agencies and sites belong to administrators (the policy's "administer");
    model-wide permissions are never granted."""

    def _allowed(self, request) -> bool:
        return policy.allows(request.user, "administer")

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request)


@admin.register(Agency)
class AgencyAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "short_name", "sector", "active"]
    list_filter = ["sector", "active"]
    search_fields = ["name", "short_name"]


@admin.register(Site)
class SiteAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "code", "police_divisions", "meeting_weekday", "meeting_time", "active"]
    list_filter = ["active"]


class MembershipInline(AdministratorOnly, admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(AdministratorOnly, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "agency", "is_active"]
    list_filter = [
        "is_steering",
        "is_administrator",
        "is_privacy_officer",
        "agency__sector",
        "is_active",
        "memberships__site",
    ]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (
            _("Role"),
            {
                "fields": [
                    "agency",
                    "is_steering",
                    "is_administrator",
                    "is_privacy_officer",
                    "is_active",
                ]
            },
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "agency", "password1", "password2"],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]
