"""Shared fixtures: real services where the behaviour is theirs (PostgreSQL, Redis, SMTP, Chromium)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"


def missing_service(reason: str):
    """Skip a test whose service is absent, or fail it in CI (REQUIRE_SERVICES=1)."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"Service requis absent : {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _requires_postgres(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing_service("ce test a besoin de PostgreSQL")


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        missing_service("ce test a besoin de Redis (TEST_REDIS_URL)")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        missing_service(f"Redis ne répond pas à {url}")
    client.flushdb()
    yield url
    client.flushdb()


# --- A real SMTP server on loopback --------------------------------------------------------------


class RecordingHandler:
    """Keeps every message the SMTP server accepts; can be told to refuse them."""

    def __init__(self):
        self.messages = []
        self.refuse = False
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Service temporairement indisponible"
        from email import message_from_bytes, policy

        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        return list(self.messages)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = RecordingHandler()
    handler.host, handler.port = "127.0.0.1", _free_port()
    controller = Controller(handler, hostname=handler.host, port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Point Django's mail at the loopback SMTP server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    return smtp_server


# --- A real Celery worker process ----------------------------------------------------------------


@pytest.fixture
def celery_worker_process(transactional_db, redis_url, smtp_server, settings):
    """A `celery worker` process on Redis, using the test database and the loopback SMTP server."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        missing_service("le worker Celery partage la base des tests : il faut PostgreSQL")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "apart", "worker", "--pool=solo", "--loglevel=info"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    try:
        ready = threading.Event()

        def _read():
            for line in process.stdout:
                output.append(line)
                if "ready." in line:
                    ready.set()

        threading.Thread(target=_read, daemon=True).start()
        if not ready.wait(60):
            pytest.fail("Le worker Celery n'a pas démarré :\n" + "".join(output[-40:]))
        settings.CELERY_BROKER_URL = redis_url
        from apart.celery import app

        previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
        app.conf.update(broker_url=redis_url, task_always_eager=False)
        app._after_fork()  # drop connection pools built for the previous broker
        process.output = output
        try:
            yield process
        finally:
            app.conf.update(previous)
            app._after_fork()
    finally:
        # Whatever happened above, the worker does not outlive the test.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


# --- Debian's Chromium through Playwright -------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.access(path, os.X_OK):
        missing_service(f"Chromium absent ({path})")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    def _take(name: str | None = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name or request.node.name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _take


# --- django-simple-captcha's test mode -----------------------------------------------------------


@pytest.fixture
def captcha_test_mode(settings, monkeypatch):
    """Accept the word PASSED as the captcha's answer (the library reads its settings once, at import)."""
    from captcha.conf import settings as captcha_settings

    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)

    def switch(enabled: bool):
        settings.CAPTCHA_TEST_MODE = enabled
        monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", enabled)

    return switch
