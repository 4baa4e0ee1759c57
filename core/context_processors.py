from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Heartbeat
from .tasks import HEARTBEAT


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [(_("Home"), reverse("home"))]
    chairs = False
    if user.is_administrator or user.is_superuser:
        items += [
            (_("People"), reverse("people")),
            (_("Audit trail"), reverse("privacy_audit")),
            (_("Administration"), reverse("admin:index")),
        ]
    else:
        chairs = any(m.chairs for m in user.memberships.all())
    current = request.path
    nav = [
        {
            "label": label,
            "url": url,
            "current": url == current or (url != "/" and current.startswith(url)),
        }
        for label, url in items
    ]
    show_beat_banner = (chairs or user.is_administrator) and Heartbeat.is_stale(HEARTBEAT)
    return {"nav_items": nav, "beat_stale": show_beat_banner}
