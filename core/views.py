from celery import current_app as celery_app
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Heartbeat


@require_GET
@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Nothing else is checked: restart only a hung web."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return type(exc).__name__
    return None


def _check_broker() -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


def _check_heartbeat(name: str) -> str | None:
    age = Heartbeat.age(name)
    if age is None:
        return "never ran"
    if age > settings.HEARTBEAT_MAX_AGE:
        return f"stale ({int(age.total_seconds())} s)"
    return None


@require_GET
@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: database, broker and the periodic jobs' heartbeats (settings.HEARTBEATS).
    Error names only, never URLs."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    database_ok = checks["database"] is None
    for check, heartbeat in settings.HEARTBEATS.items():
        checks[check] = _check_heartbeat(heartbeat) if database_ok else "unknown"
    ok = all(problem is None for problem in checks.values())
    body = {
        "status": "ok" if ok else "fail",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)
