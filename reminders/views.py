from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .models import Reminder


@never_cache
def notifications(request: HttpRequest) -> HttpResponse:
    reminders = (
        Reminder.objects.filter(recipient=request.user, cancelled_at__isnull=True)
        .select_related("situation__site")
        .order_by("-due_at")[:100]
    )
    return render(request, "reminders/notifications.html", {"reminders": reminders})


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    Reminder.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notifications")
