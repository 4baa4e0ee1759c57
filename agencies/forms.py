from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedModelChoiceField

from .models import Agency, Membership, Site, User
from .services import Seat
from .tasks import email_reset_links


class PersonForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "username",
            "email",
            "agency",
            "is_steering",
            "is_administrator",
            "is_privacy_officer",
            "is_active",
            # So that the invitation is already in the person's language.
            "language",
        ]
        field_classes = {"agency": BoundedModelChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["agency"].queryset = Agency.objects.filter(active=True)
        self.fields["language"].choices = [("", _("Not chosen yet")), *settings.LANGUAGES]
        self.fields["version"].initial = self.instance.version if self.instance.pk else None

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class SeatForm(forms.Form):
    site = BoundedModelChoiceField(
        label=_("Site"), queryset=Site.objects.filter(active=True), required=False
    )
    role = forms.ChoiceField(
        label=_("Role at the table"),
        choices=Membership.Role.choices,
        initial=Membership.Role.REPRESENTATIVE,
    )


class BaseSeatFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            site = form.cleaned_data.get("site") if hasattr(form, "cleaned_data") else None
            if site is None:
                continue
            if site.pk in seen:
                raise ValidationError(_("Each site can be listed only once."))
            seen.add(site.pk)

    def seats(self) -> list[Seat]:
        return [
            Seat(site=form.cleaned_data["site"], role=form.cleaned_data["role"])
            for form in self.forms
            if form.cleaned_data.get("site")
        ]


SeatFormSet = forms.formset_factory(SeatForm, formset=BaseSeatFormSet, extra=2, max_num=20)


def seat_initial(person: User) -> list[dict]:
    return [{"site": m.site, "role": m.role} for m in person.memberships.select_related("site")]


def check_seats_fit_role(form: PersonForm, formset: BaseSeatFormSet) -> bool:
    """Only agency members sit at tables; say so on the form instead of dropping seats."""
    if form.cleaned_data.get("agency") is None and formset.seats():
        form.add_error(
            "agency",
            _("Only agency members sit at a site. Remove the seats or choose an agency."),
        )
        return False
    return True


class InvitedPasswordResetForm(PasswordResetForm):
    """Also reaches people who were invited but never chose a password.

    Django skips accounts without a usable password; an invitee who lost the email would
    otherwise be stuck. The answer on screen is the same whether or not the address exists.
    """

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True)

    def save(self, *args, **kwargs) -> None:
        """Hand the email to the worker. The request does the same work whatever the address:
        one lookup, one task (with no account, or one), no mail server, so neither its answer
        nor its timing says whether the address belongs to anyone."""
        found = list(self.get_users(self.cleaned_data["email"]).values_list("pk", flat=True))
        email_reset_links.delay_on_commit(found, translation.get_language())
