"""The chair's answer to a possible repeat. The signal itself is shown on the situation page
(templatetags/linkage.py), to whom the policy lets see it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.adapter import attempt
from situations.models import Situation

from . import services
from .models import RepeatLink


@require_POST
def repeat_decide(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    situation = Situation.objects.select_related("site").find(
        request.user, "link_repeat", any_state=True, site__code=code.upper(), reference=reference
    )
    decision = request.POST.get("decision", "")
    success = (
        _("Linked: this situation counts as a repeat.")
        if decision == RepeatLink.Decision.LINKED
        else _("Dismissed: not the same person.")
    )
    attempt(request, lambda: services.decide(request.user, situation, decision), success=success)
    return redirect(situation)
