from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import SaneDateField, SaneDateTimeField
from core.forms import BoundedModelChoiceField
from situations.forms import AcceptForm, RejectForm
from situations.models import ConclusionReason
from situations.services import agencies_at_site

from .models import ActionItem

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionMixin(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcceptItemForm(VersionMixin, AcceptForm):
    pass


class RejectItemForm(VersionMixin, RejectForm):
    pass


class ReturningItemForm(VersionMixin):
    update_text = forms.CharField(
        label=_("Update from the lead agency"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The table hears this: keep names out."),
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("keep_open", _("Keep open")), ("conclude", _("Conclude"))],
        widget=forms.RadioSelect,
    )
    conclusion_reason = BoundedModelChoiceField(
        label=_("Conclusion reason"),
        queryset=ConclusionReason.objects.filter(active=True).exclude(
            outcome=ConclusionReason.Outcome.REJECTED
        ),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "conclude" and not data.get("conclusion_reason"):
            self.add_error("conclusion_reason", _("Choose why the situation is concluded."))
        if data.get("decision") == "keep_open" and not (data.get("update_text") or "").strip():
            self.add_error(
                "update_text",
                _("Record the lead agency's update: what was done, and why it stays open."),
            )
        return data


def _future(value):
    now = timezone.now()
    if value < now - timedelta(hours=1):
        raise ValidationError(_("Choose a time that is not in the past."))
    if value > now + timedelta(days=366):
        raise ValidationError(_("Choose a time within the next year."))
    return value


class RescheduleForm(forms.Form):
    starts_at = SaneDateTimeField(label=_("New date and time"), widget=DATETIME)
    reason = forms.CharField(
        label=_("Why it moves"),
        max_length=300,
        help_text=_("Shown to the table's members, e.g. “Statutory holiday”."),
    )

    def clean_starts_at(self):
        return _future(self.cleaned_data["starts_at"])


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is cancelled"),
        max_length=300,
        help_text=_("Shown to the table's members. Its agenda moves to the following meeting."),
    )


class ExtraMeetingForm(forms.Form):
    starts_at = SaneDateTimeField(label=_("Date and time"), widget=DATETIME)
    reason = forms.CharField(
        label=_("What it is for"),
        max_length=300,
        required=False,
        help_text=_("Shown to the table's members. No names or details of any situation."),
    )

    def clean_starts_at(self):
        return _future(self.cleaned_data["starts_at"])


class NotesForm(VersionMixin):
    notes = forms.CharField(
        label=_("Discussion notes for the minutes"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Every member of the table reads the minutes: keep names out."),
    )


class ActionForm(forms.Form):
    text = forms.CharField(
        label=_("Action"),
        max_length=500,
        help_text=_("What is to be done, de-identified."),
    )
    owner = BoundedModelChoiceField(label=_("Owner agency"), queryset=None)
    due_on = SaneDateField(label=_("Due"), widget=DATE)

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = agencies_at_site(site)

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        today = timezone.localdate()
        if value < today:
            raise ValidationError(_("The due date cannot be in the past."))
        if value > today + timedelta(days=366):
            raise ValidationError(_("Choose a due date within the next year."))
        return value


class CloseActionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ActionItem.Status.DONE, _("Done")),
            (ActionItem.Status.NOT_POSSIBLE, _("Not possible")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=_("Required when it was not possible: why. Keep names out."),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("status") == ActionItem.Status.NOT_POSSIBLE
            and not data.get("note", "").strip()
        ):
            self.add_error("note", _("Say why it was not possible."))
        return data


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=_("Correction"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added below the approved minutes, with your name and the date."),
    )


class CutoffForm(forms.Form):
    hours = forms.IntegerField(
        label=_("The agenda closes this many hours before each meeting"),
        min_value=0,
        max_value=336,
        help_text=_(
            "Later submissions go to the following meeting unless you bring them in. 0: no cut-off."
        ),
    )
