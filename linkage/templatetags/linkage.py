from django import template

from linkage import services

register = template.Library()


@register.inclusion_tag("linkage/_signal.html", takes_context=True)
def repeat_signal(context, situation):
    """The possible-repeat panel, for whom the policy lets see it; nothing at all for anyone
    else (not even an empty panel, which would say a check ran)."""
    request = context["request"]
    signal = services.signal_for(request.user, situation)
    return {
        "signal": signal,
        "situation": situation,
        "can_link": bool((getattr(situation, "can", None) or {}).get("link_repeat")),
        "csrf_token": context.get("csrf_token"),
    }
