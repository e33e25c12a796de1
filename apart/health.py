"""/sante/: a JSON health check of the database and, where configured, the broker and the cache."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "non configuré (tâches exécutées dans le processus web)"
    from apart.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2, interval_start=0, interval_step=0)
    return "ok"


def _check_cache() -> str:
    if not settings.REDIS_URL:
        return "non configuré (mémoire locale)"
    cache.set("sante", "ok", 5)
    if cache.get("sante") != "ok":
        raise RuntimeError("lecture du cache impossible")
    return "ok"


@never_cache
def health(request):
    checks = {}
    healthy = True
    for name, check in (("database", _check_database), ("broker", _check_broker), ("cache", _check_cache)):
        try:
            checks[name] = check()
        except Exception as error:
            healthy = False
            checks[name] = f"erreur : {type(error).__name__}"
    return JsonResponse(
        {"status": "ok" if healthy else "erreur", **checks},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )
