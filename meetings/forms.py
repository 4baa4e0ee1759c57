from django import forms
from django.utils.translation import gettext_lazy as _

from situations.forms import AcceptForm, RejectForm
from situations.models import ConclusionReason


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
        initial="keep_open",
    )
    conclusion_reason = forms.ModelChoiceField(
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
        return data
