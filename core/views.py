from celery import current_app as celery_app
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import readiness
from .models import Heartbeat


@require_GET
@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Nothing else is checked: restart only a hung web."""
    return JsonResponse({"status": "ok"})


def _problem(check) -> str | None:
    """Run one check; any exception is its problem, by class name only (never a URL or a
    message, which could hold a host name or a password)."""
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return type(exc).__name__


def _check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def _check_broker() -> str | None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
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
    """Ready: database, broker, the periodic jobs' heartbeats (settings.HEARTBEATS) and the
    checks apps register (core/readiness.py). Always JSON: a database that fails half-way
    (after the first check) makes the later checks fail, not the page."""
    checks = {"database": _problem(_check_database), "broker": _problem(_check_broker)}
    database_ok = checks["database"] is None
    later = {
        name: (lambda heartbeat=heartbeat: _check_heartbeat(heartbeat))
        for name, heartbeat in settings.HEARTBEATS.items()
    }
    later.update(readiness.registered())
    for name, check in later.items():
        checks[name] = _problem(check) if database_ok else "unknown"
    ok = all(problem is None for problem in checks.values())
    body = {
        "status": "ok" if ok else "fail",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)
