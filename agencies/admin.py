from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Agency, Membership, Site, User


class AdministratorOnly:
    """People, agencies and sites belong to administrators; model-wide perms are never granted."""

    def _allowed(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role == User.Role.ADMIN)

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
    list_display = ["username", "first_name", "last_name", "email", "agency", "role", "is_active"]
    list_filter = ["role", "agency__sector", "is_active", "memberships__site"]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Role"), {"fields": ["agency", "role", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "agency", "role", "password1", "password2"],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]
