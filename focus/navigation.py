"""The main menu: which pages a person's roles open, in the order people use them."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from access import policy

# (label, url name, the GLOBAL action that opens it; None: everyone signed in)
MENU = [
    (_("Home"), "home", None),
    (_("My agency's situations"), "my_situations", "my_situations"),
    (_("Dashboard"), "dashboard", "dashboard"),
    (_("Barriers"), "barrier_register", "barrier_register"),
    (_("People"), "people", "administer"),
    (_("Audit trail"), "privacy_audit", "audit_trail"),
    (_("Administration"), "admin:index", "administer"),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    can = policy.capabilities(user)
    current = request.path
    items = []
    for label, name, action in MENU:
        if action is not None and not can[action]:
            continue
        url = reverse(name)
        items.append(
            {
                "label": label,
                "url": url,
                "current": url == current or (url != "/" and current.startswith(url)),
            }
        )
    return {"nav_items": items, "can_globally": can}
