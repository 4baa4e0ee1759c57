from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Heartbeat


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from reminders.services import SWEEP_HEARTBEAT, unread_count

    items = [(_("Home"), reverse("home"))]
    chairs = False
    if user.is_administrator or user.is_superuser:
        items += [
            (_("People"), reverse("people")),
            (_("Audit trail"), reverse("privacy_audit")),
            (_("Administration"), reverse("admin:index")),
        ]
    elif user.is_steering:
        items.append((_("Dashboard"), reverse("dashboard")))
        items.append((_("Barriers"), reverse("barrier_register")))
    elif user.agency_id:
        chairs = bool(user.chaired_site_ids)
        items.append((_("My agency's situations"), reverse("my_situations")))
        if chairs:
            items.append((_("Dashboard"), reverse("dashboard")))
        items.append((_("Barriers"), reverse("barrier_register")))
    current = request.path
    nav = [
        {
            "label": label,
            "url": url,
            "current": url == current or (url != "/" and current.startswith(url)),
        }
        for label, url in items
    ]
    # The clock's sweep is the dead-man switch: when it is stale, reminders are late.
    show_banner = (chairs or user.is_administrator) and Heartbeat.is_stale(SWEEP_HEARTBEAT)
    return {
        "nav_items": nav,
        "beat_stale": show_banner,
        "unread_notifications": unread_count(user) if user.agency_id else None,
    }
