from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from core.forms import BoundedModelChoiceField

from .models import Barrier, BarrierCategory
from .services import refuse_situation_references

DE_IDENTIFIED = _("The systemic issue, de-identified: no names, no details of any situation.")


class RaiseForm(forms.Form):
    category = BoundedModelChoiceField(
        label=_("Category"), queryset=BarrierCategory.objects.filter(active=True)
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=DE_IDENTIFIED,
        validators=[refuse_situation_references],
    )


class LinkForm(forms.Form):
    """Link to an existing barrier, or raise a new one: a few keystrokes either way."""

    barrier = BoundedModelChoiceField(
        label=_("Existing barrier"), queryset=Barrier.objects.none(), required=False
    )
    category = BoundedModelChoiceField(
        label=_("Or a new barrier in category"),
        queryset=BarrierCategory.objects.filter(active=True),
        required=False,
    )
    description = forms.CharField(
        label=_("New barrier description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=DE_IDENTIFIED,
        validators=[refuse_situation_references],
    )

    def __init__(self, *args, barriers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["barrier"].queryset = barriers.filter(status__in=Barrier.OPEN_STATUSES)
        self.fields["barrier"].label_from_instance = lambda b: (
            f"{b.reference} · {b.category.label}: {b.description[:60]}"
        )

    def clean(self):
        data = super().clean()
        barrier, category = data.get("barrier"), data.get("category")
        description = (data.get("description") or "").strip()
        if self.errors:
            return data
        if barrier and (category or description):
            raise forms.ValidationError(
                _("Choose an existing barrier or describe a new one, not both.")
            )
        if not barrier:
            if not category:
                self.add_error("category", _("Choose a category for the new barrier."))
            if not description:
                self.add_error("description", _("Describe the new barrier."))
        return data


class ActionForm(forms.Form):
    text = forms.CharField(
        label=_("Comment or decision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[refuse_situation_references],
    )
    decision = forms.BooleanField(label=_("This is a decision"), required=False)


class StatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=Barrier.Status.choices)


class OwnerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.ChoiceField(label=_("Owner"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("steering", _("Steering committee"))] + [
            (str(a.pk), a.name) for a in Agency.objects.filter(active=True)
        ]

    def chosen_owner(self):
        value = self.cleaned_data["owner"]
        if value == "steering":
            return None, True
        return Agency.objects.get(pk=int(value)), False
