"""The home page against the bare view, CPU per request in this process (not a test).

    .venv/bin/python bench/bench_home.py [--requests 500] [--announcements 1] [--static DIR] [--redis URL]
        [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_home` on 127.0.0.1:5432, migrates it, collects the static files into a
   temporary STATIC_ROOT (DEBUG=0 uses whitenoise's manifest storage; --static DIR reuses a collected one, e.g.
   bench/surge.py's), and publishes --announcements information banners.
2. In this process, with the surge server's settings (bench/surge_settings.py: the product's, DEBUG=0, the URL conf
   with the bare view `/bench/nu/`) and the cache of the product without REDIS_URL (locmem; --redis URL: that Redis
   database, as in production, emptied before and after): a django.test.Client
   reused as a gunicorn worker serves requests, a fresh cookie jar each time (an anonymous visitor's first visit).
   After 20 unmeasured requests each, --requests GET / then --requests GET /bench/nu/, alternated in blocks of 50:
   the process CPU per request, the SQL queries per request, and the ratio bare / home (the share of the bare
   view's throughput the home page would reach on CPU alone).
3. The same home page with its cache off (HOME_PAGE_CACHE_SECONDS=0): what every request cost before.
4. Drops the database (unless --keep).
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import _stack as stack
from _stack import CHILDREN, fr, ms

BENCH_DATABASE = "apart_bench_home"
BLOCK = 50


def _measure(client, path: str, count: int) -> float:
    """CPU seconds of `count` GETs of `path`, a new visitor (no cookie) each time."""
    from django.db import close_old_connections

    started = time.process_time()
    for _ in range(count):
        client.cookies.clear()
        response = client.get(path)
        close_old_connections()
        if response.status_code != 200:
            raise SystemExit(f"GET {path} : {response.status_code}")
    return time.process_time() - started


def _queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.cookies.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured)


def _flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _run(args) -> int:
    _port, env = stack.server_env(args, database=BENCH_DATABASE, name="home", CELERY_BROKER_URL="")
    if args.static:
        stack.shutil.rmtree(CHILDREN.static_root, ignore_errors=True)
        CHILDREN.static_root, env["STATIC_ROOT"] = None, str(Path(args.static).resolve())
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():
        stack.manage(env, "collectstatic", "--noinput", "-v", "0", timeout=900)

    sys.path.insert(0, str(stack.BENCH_DIR))
    if args.redis:
        env["REDIS_URL"] = args.redis
        CHILDREN.cleanups.append(lambda: _flush(args.redis))
        _flush(args.redis)
    os.environ.update(env, DJANGO_SETTINGS_MODULE="surge_settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from portal.models import Announcement

    for number in range(args.announcements):
        Announcement.objects.create(body=f"Bandeau d'information n° {number + 1} du banc.")

    client = Client(HTTP_HOST="127.0.0.1")
    print(
        f"DEBUG={settings.DEBUG} · cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]} · "
        f"{args.announcements} bandeau(x) · {args.requests} requêtes mesurées par page"
    )

    def compare(label: str) -> float:
        for path in ("/", "/bench/nu/"):
            _measure(client, path, 20)
        cpu = {"/": 0.0, "/bench/nu/": 0.0}
        for done in range(0, args.requests, BLOCK):
            block = min(BLOCK, args.requests - done)
            for path in cpu:
                cpu[path] += _measure(client, path, block)
        home, bare = cpu["/"] / args.requests, cpu["/bench/nu/"] / args.requests
        print(
            f"\n=== {label} ===\n"
            f"  GET /          {ms(home, 2):>10} de CPU par requête · {_queries(client, '/')} requête(s) SQL\n"
            f"  GET /bench/nu/ {ms(bare, 2):>10} de CPU par requête · {_queries(client, '/bench/nu/')} requête(s) SQL\n"
            f"  Page d'accueil à {fr(100 * bare / home, 1)} % du débit de la vue nue (CPU seul)"
        )
        return bare / home

    ratio = compare("Page d'accueil mise en cache (réglages du produit)")
    with override_settings(HOME_PAGE_CACHE_SECONDS=0):
        compare("Page d'accueil sans son cache (HOME_PAGE_CACHE_SECONDS=0)")
    return 0 if ratio >= 0.5 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500, help="requêtes mesurées par page")
    parser.add_argument("--announcements", type=int, default=1, help="bandeaux d'information publiés")
    parser.add_argument("--static", metavar="DIR", help="STATIC_ROOT déjà collecté (collecté s'il est vide)")
    parser.add_argument("--redis", metavar="URL", help="base Redis du cache (vidée avant et après), sinon locmem")
    parser.add_argument("--conn-max-age", type=int, help="CONN_MAX_AGE (défaut : celui de l'appli)")
    parser.add_argument("--time-limit", type=float, default=1200, help="limite dure de tout le banc (s)")
    parser.add_argument("--keep", action="store_true", help=f"garder la base {BENCH_DATABASE}")
    args = parser.parse_args()
    if args.requests < 1 or args.announcements < 0:
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit, sigint_exits=True)


if __name__ == "__main__":
    sys.exit(main())
