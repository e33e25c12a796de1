"""`make test`: find the local services, say what is used and what is skipped, then run pytest.

PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are used when they answer; otherwise the suite runs
on SQLite with in-process tasks and the tests that need the missing service are skipped. With
REQUIRE_SERVICES=1 (CI), a missing PostgreSQL, Redis or Chromium is a failure, not a skip.
"""

import os
import shutil
import socket
import subprocess
import sys

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/apart"
REDIS_URL = "redis://127.0.0.1:6379/15"
CHROMIUM = "/usr/bin/chromium"
AXE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node_modules", "axe-core", "axe.min.js"
)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _workers(env: dict, argv: list[str]) -> list[str]:
    """One pytest-xdist worker per core (TEST_WORKERS to choose, 1 for none), each with its own test database
    and Redis database. The tests of a module run on one worker, so that what a module's tests share (the
    production server, the Celery worker) starts once. (`--dist loadgroup` would group finer, but its marks
    are ignored under pytest 9.)"""
    if any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in argv):
        return []
    workers = int(env.get("TEST_WORKERS") or min(os.cpu_count() or 1, 4))
    return ["-n", str(workers), "--dist", "loadscope"] if workers > 1 else []


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    required = env.get("REQUIRE_SERVICES") == "1"
    missing = []
    lines = []

    if "DATABASE_URL" in env:
        lines.append(f"Base de données : DATABASE_URL fourni ({env['DATABASE_URL'].split('@')[-1]})")
    elif _answers("127.0.0.1", 5432):
        env["DATABASE_URL"] = POSTGRES_URL
        lines.append("Base de données : PostgreSQL sur 127.0.0.1:5432")
    else:
        missing.append("PostgreSQL")
        lines.append(
            "Base de données : SQLite (PostgreSQL ne répond pas : les tests propres à PostgreSQL sont ignorés)"
        )

    if "TEST_REDIS_URL" in env:
        lines.append(f"Redis : TEST_REDIS_URL fourni ({env['TEST_REDIS_URL']})")
    elif _answers("127.0.0.1", 6379):
        env["TEST_REDIS_URL"] = REDIS_URL
        lines.append("Redis : 127.0.0.1:6379 (broker Celery et cache des tests)")
    else:
        missing.append("Redis")
        lines.append("Redis : absent (les tests du worker Celery et du cache Redis sont ignorés)")

    chromium = env.get("CHROMIUM_PATH", CHROMIUM)
    if os.access(chromium, os.X_OK) or shutil.which(chromium):
        env["CHROMIUM_PATH"] = chromium
        lines.append(f"Navigateur : {chromium}")
    else:
        missing.append("Chromium")
        lines.append("Navigateur : Chromium absent (les tests dans le navigateur sont ignorés)")

    if os.path.isfile(AXE):
        env["AXE_PATH"] = AXE
        lines.append("Audit d'accessibilité : axe-core (node_modules)")
    else:
        missing.append("axe-core")
        lines.append("Audit d'accessibilité : axe-core absent (npm ci : les audits axe-core sont ignorés)")

    print("\n".join(["== Services pour les tests ==", *lines]), flush=True)
    if missing and required:
        print(f"REQUIRE_SERVICES=1 : service(s) manquant(s) : {', '.join(missing)}.", file=sys.stderr)
        return 1

    # Browser tests drive Playwright's sync API, which runs an event loop in the test thread.
    env.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The workers and the processes the tests start (Celery, gunicorn, manage.py) import the same modules:
    # compiled once, kept in __pycache__ (ignored by git), instead of once by each.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run([sys.executable, "-m", "pytest", *_workers(env, argv), *argv], env=env)
    if result.returncode == 5:
        print("Aucun test n'a été exécuté : c'est un échec.", file=sys.stderr)
        return 1
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
