from django.contrib import admin, messages
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from access import policy
from core.errors import DomainError, NotFound

from . import services
from .models import Agency, Membership, Site, User

# django-otp's admin pages show every person's TOTP secret (as a QR code) and unused static
# tokens in clear. Nobody needs them after enrolment: a lost device is a reset on the People
# page. Recovery codes live in access.models, hashed, and are not registered either.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


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


class MembershipInline(AdministratorOnly, admin.StackedInline):
    # Stacked, not tabular: the tabular inline's fields have no labels (axe, WCAG 4.1.2).
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(AdministratorOnly, admin.ModelAdmin):
    """People, with the app's guards (the policy's PERSON rules) and none of Django's password
    forms: this is a plain ModelAdmin, not django.contrib.auth's UserAdmin, so there is no
    password field and no /password/ page. A person added here gets an unusable password and
    an invitation, as on the People page; every act is audited by agencies.services."""

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
    readonly_fields = ["last_login", "date_joined"]
    actions = ["send_password_links", "reset_two_step_sign_in"]

    def get_fieldsets(self, request, obj=None):
        roles = ["agency", "is_steering", "is_administrator", "is_privacy_officer", "is_active"]
        if request.user.is_superuser:
            roles.append("is_superuser")  # only a superuser makes (or unmakes) one
        fieldsets = [
            (None, {"fields": ["username"]}),
            (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
            (_("Role"), {"fields": roles}),
        ]
        if obj is not None:
            fieldsets.append((_("Dates"), {"fields": ["last_login", "date_joined"]}))
        return fieldsets

    def get_queryset(self, request):
        # An administrator does not see superusers at all; a superuser sees everyone.
        return super().get_queryset(request).restrict(request.user, "manage")

    def get_object(self, request, object_id, from_field=None):
        # Django's admin answers an object outside get_queryset with a redirect and a message
        # that it "doesn't exist"; the app answers 404, and so does this.
        found = super().get_object(request, object_id, from_field)
        if found is None:
            raise Http404
        return found

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a person would orphan the audit trail of what they did: deactivate instead.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            request._standing_before = services.standing(obj.pk)
        else:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        person = form.instance
        if change:
            services.record_changes(request.user, person, request._standing_before)
        else:
            services.send_password_link(request.user, person)

    @admin.action(description=_("Send a link to choose a password"))
    def send_password_links(self, request, queryset):
        self._each(request, queryset, services.send_password_link, _("link sent"))

    @admin.action(description=_("Reset two-step sign-in"))
    def reset_two_step_sign_in(self, request, queryset):
        self._each(request, queryset, services.reset_factors, _("two-step sign-in reset"))

    def _each(self, request, queryset, act, done_label):
        done, refused = 0, []
        for person in queryset:
            try:
                act(request.user, person)
                done += 1
            except NotFound:
                refused.append(str(person))
            except DomainError as exc:
                refused.append(f"{person} ({exc.message})")
        if done:
            self.message_user(
                request,
                ngettext("%(n)d person: %(what)s.", "%(n)d people: %(what)s.", done)
                % {"n": done, "what": done_label},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                _("Not allowed for: %(names)s.") % {"names": ", ".join(refused)},
                messages.ERROR,
            )
