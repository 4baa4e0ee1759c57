from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from access.decorators import requires

from .models import Reminder


@never_cache
@requires("notifications")
def notifications(request: HttpRequest) -> HttpResponse:
    reminders = (
        Reminder.objects.restrict(request.user)
        .filter(cancelled_at__isnull=True)
        .select_related("situation__site")
        .order_by("-due_at")[:100]
    )
    return render(request, "reminders/notifications.html", {"reminders": reminders})


@require_POST
@requires("notifications")
def mark_read(request: HttpRequest) -> HttpResponse:
    Reminder.objects.restrict(request.user).filter(read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notifications")
