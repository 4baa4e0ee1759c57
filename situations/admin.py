"""Administrators edit the lists here. Situations themselves are not in the admin: no case
content for administrators."""

from django.contrib import admin

from agencies.admin import AdministratorOnly

from .models import ConclusionReason, ProtectiveFactor, RiskCategory, RiskFactor, Service, StudyFlag


class ListAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # retire with "active"; history keeps pointing at the item


class RiskFactorInline(AdministratorOnly, admin.TabularInline):
    model = RiskFactor
    extra = 1

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RiskCategory)
class RiskCategoryAdmin(ListAdmin):
    inlines = [RiskFactorInline]


@admin.register(RiskFactor)
class RiskFactorAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "category", "active"]
    list_filter = ["category", "active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConclusionReason)
class ConclusionReasonAdmin(ListAdmin):
    list_display = ["name", "outcome", "kind", "rtd_code", "position", "active"]


admin.site.register(ProtectiveFactor, ListAdmin)
admin.site.register(StudyFlag, ListAdmin)
admin.site.register(Service, ListAdmin)
