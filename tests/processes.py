"""Real processes for the tests whose behaviour is theirs: a Redis server, a PostgreSQL cluster, gunicorn, a
Celery worker and beat, each of the test's own (own port, own data), so that a test can stop, kill or restart one
without touching the machine's shared services.

Every process is started in its own session (a SIGKILL reaches it and its children), logs into a file of the test's
temporary folder, and is stopped by the context manager that started it, whatever the test did.
"""

import contextlib
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, interval: float = 0.1, what: str = "la condition") -> None:
    """Poll `condition()` until it is true; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"{what} : toujours faux après {timeout} s")


class Process:
    """One child process, its output in `log_path`; `stop()` (SIGTERM, then SIGKILL) and `kill()` (SIGKILL at once,
    the whole process group: a Celery worker's pool, gunicorn's workers)."""

    def __init__(self, name: str, command: list[str], *, env: dict, log_dir: Path, cwd: Path = ROOT, user=None):
        self.name, self.command, self.env, self.cwd, self.user = name, command, env, cwd, user
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        command = ["runuser", "-u", self.user, "--", *self.command] if self.user else self.command
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_for_output(self, text: str, *, timeout: float = 60, after: int = 0) -> None:
        """Wait until `text` appears in the log (beyond its first `after` characters); fails if the process ends."""

        def seen():
            if not self.running:
                raise AssertionError(f"{self.name} s'est arrêté :\n{self.output()[-4000:]}")
            return text in self.output()[after:]

        try:
            wait_until(seen, timeout=timeout, what=f"« {text} » dans le journal de {self.name}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.output()[-4000:]}") from None

    def wait(self, timeout: float) -> int:
        """Wait for a process that ends by itself (a command run in the background); its exit code."""
        return self.popen.wait(timeout)

    def kill(self) -> None:
        """SIGKILL to the process and its group: nothing it does afterwards, no clean-up of its own."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self, timeout: float = 15) -> None:
        if not self.running:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@contextlib.contextmanager
def processes(log_dir: Path) -> Iterator[list[Process]]:
    """A list the test appends its processes to; every one still running is stopped at the end (reverse order)."""
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in reversed(started):
            process.stop()


# --- Redis ----------------------------------------------------------------------------------------------------


class RedisServer(Process):
    """A redis-server of the test's own on a free port, keeping nothing on disk; `stop()` then `start()` is a
    restart on the same port, empty (as the machine's Redis after a restart)."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        super().__init__(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            env=dict(os.environ),
            log_dir=log_dir,
        )

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        super().start()
        wait_until(self._answers, timeout=20, what=f"Redis sur le port {self.port}")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The folder of the PostgreSQL server's programs (Debian's layout), or None if it is not installed."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


class PostgresCluster(Process):
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, trust on loopback, a free port),
    run as the `postgres` system user when the test runs as root (the server refuses root)."""

    def __init__(self, log_dir: Path):
        self.bin = postgres_bin()
        self.port = free_port()
        self.data = Path(tempfile.mkdtemp(prefix="apart_pg_"))
        user = "postgres" if os.geteuid() == 0 else None
        if user:
            shutil.chown(self.data, user=user)
        super().__init__(
            "postgres",
            [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
             "-k", str(self.data), "-c", "fsync=off", "-c", "full_page_writes=off"],
            env={key: value for key, value in os.environ.items() if not key.startswith("PG")},
            log_dir=log_dir,
            user=user,
        )  # fmt: skip
        self._initdb()

    def _initdb(self) -> None:
        command = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, env=self.env)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> "PostgresCluster":
        super().start()
        wait_until(self._answers, timeout=30, what=f"PostgreSQL sur le port {self.port}")
        return self

    def _answers(self) -> bool:
        if not self.running:
            raise AssertionError(f"PostgreSQL s'est arrêté :\n{self.output()[-4000:]}")
        result = subprocess.run(
            [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"], check=False
        )
        return result.returncode == 0

    def stop(self, timeout: float = 30) -> None:
        """A fast shutdown, as a restart of the service does (`pg_ctl stop -m fast`): open sessions are ended and
        the server stops at once. (A SIGTERM to the postmaster is a smart shutdown, which waits for every client to
        leave: never, with persistent connections; and its backends, each in a session of its own, outlive a
        SIGKILL of the postmaster and keep the port.)"""
        if not self.running:
            return
        command = [str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(int(timeout))]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=False, capture_output=True, env=self.env)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)


# --- The application's processes ---------------------------------------------------------------------------


def app_env(**settings: str) -> dict:
    """The environment of a child process of the application: production settings (DEBUG off) on the given
    services, without the variables of the test process that would point elsewhere."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="apart.settings",
        DEBUG="0",
        SECRET_KEY="cle-de-test-des-processus-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def manage(env: dict, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python manage.py arguments` in a child process with `env`; its result (output in .stdout/.stderr)."""
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


class Gunicorn(Process):
    """gunicorn on a free port with the project's configuration; ready when `/sante/` answers (any status)."""

    def __init__(self, env: dict, log_dir: Path, *, workers: int = 2):
        self.port = free_port()
        super().__init__(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "apart.wsgi", "--config", "python:apart.gunicorn_conf",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--graceful-timeout", "5"],
            env=env,
            log_dir=log_dir,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        super().start()
        wait_until(self._answers, timeout=60, interval=0.2, what="gunicorn")
        return self

    def _answers(self) -> bool:
        if not self.running:
            raise AssertionError(f"gunicorn s'est arrêté :\n{self.output()[-4000:]}")
        try:
            urllib.request.urlopen(self.url + "/sante/", timeout=5)
        except urllib.error.HTTPError:
            return True  # 503: it answers, a service is down
        except OSError:
            return False
        return True


class CeleryWorker(Process):
    """`celery -A apart worker` (prefork pool of `concurrency` processes); ready at its « ready. » line."""

    def __init__(self, env: dict, log_dir: Path, *, concurrency: int = 1, name: str = "worker"):
        super().__init__(
            name,
            [sys.executable, "-m", "celery", "-A", "apart", "worker", "--loglevel=info",
             f"--concurrency={concurrency}", "--without-gossip", "--without-mingle"],
            env=env,
            log_dir=log_dir,
        )  # fmt: skip

    def start(self, timeout: float = 60) -> "CeleryWorker":
        after = len(self.output())
        super().start()
        self.wait_for_output("ready.", timeout=timeout, after=after)
        return self


class CeleryBeat(Process):
    """`celery -A apart beat` with its schedule file in the log folder."""

    def __init__(self, env: dict, log_dir: Path):
        super().__init__(
            "beat",
            [sys.executable, "-m", "celery", "-A", "apart", "beat", "--loglevel=info",
             "--schedule", str(log_dir / "celerybeat-schedule")],
            env=env,
            log_dir=log_dir,
        )  # fmt: skip

    def start(self, timeout: float = 60) -> "CeleryBeat":
        after = len(self.output())
        super().start()
        self.wait_for_output("beat: Starting...", timeout=timeout, after=after)
        return self


# --- An SMTP server that keeps everything -------------------------------------------------------------------

SINK_START = "---------- MESSAGE FOLLOWS ----------"
SINK_END = "------------ END MESSAGE ------------"


def smtp_sink_messages(output: str) -> list[EmailMessage]:
    """The messages aiosmtpd's debugging server (`python -m aiosmtpd -n -l host:port`) printed, in order: each the
    message as received, an `X-Peer` header added after the others."""
    messages = []
    for chunk in output.split(SINK_START)[1:]:
        text, ended, _ = chunk.partition(SINK_END)
        if not ended:
            continue  # still being printed
        lines = text.lstrip("\n").split("\n")
        if lines[0].startswith(("mail options:", "rcpt options:")):  # the envelope's, then an empty line
            lines = lines[lines.index("") + 1 :]
        # As bytes: the parser then decodes an 8bit UTF-8 body by its charset (from a str, it garbles it).
        messages.append(email.message_from_bytes("\n".join(lines).encode(), policy=policy.default))
    return messages


# --- Services that fail -------------------------------------------------------------------------------------


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server on loopback that accepts every connection and never sends a byte (a hung service): its port."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:  # closed at the end
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for connection in accepted:
            connection.close()


def use_redis_cache(settings, url: str) -> None:
    """Django's cache on the Redis at `url` for this test (pytest-django's `settings`), with the project's options."""
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
