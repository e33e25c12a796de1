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


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


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

    print("\n".join(["== Services pour les tests ==", *lines]), flush=True)
    if missing and required:
        print(f"REQUIRE_SERVICES=1 : service(s) manquant(s) : {', '.join(missing)}.", file=sys.stderr)
        return 1

    # Browser tests drive Playwright's sync API, which runs an event loop in the test thread.
    env.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    result = subprocess.run([sys.executable, "-m", "pytest", *argv], env=env)
    if result.returncode == 5:
        print("Aucun test n'a été exécuté : c'est un échec.", file=sys.stderr)
        return 1
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
