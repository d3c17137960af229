"""Liveness and readiness probes: plain views, no authentication, no DRF."""
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up. Touches no database, so it answers even when PostgreSQL is down."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_cache() -> str:
    cache.set("readyz:probe", "1", 5)
    return "ok" if cache.get("readyz:probe") == "1" else "unavailable"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"  # no broker configured: tasks run in-process
    from electroshop.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return "ok"


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, cache and broker reachable: 200 when all are, 503 naming the ones that are not."""
    checks = {}
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # a probe reports every failure instead of raising
            checks[name] = f"error: {type(exc).__name__}"
    ready = all(value in ("ok", "eager") for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
