"""Shared fixtures: real services where the behaviour is theirs (PostgreSQL, Redis, SMTP, Chromium)."""

import contextlib
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


# Derived from the models alone (post_migrate would write them again after each flush): kept.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


def _flush_by_delete():
    """A transactional test empties every table after itself. PostgreSQL's TRUNCATE creates new files for each
    table (a quarter of a second here, after each of a hundred tests); the test tables are tiny, so a DELETE of
    each, in one transaction (Django's foreign keys are deferred to the commit), does it in milliseconds."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
            if table not in KEPT_BY_FLUSH
        ]

    DatabaseOperations.sql_flush = sql_flush


_flush_by_delete()


def missing_service(reason: str):
    """Skip a test whose service is absent, or fail it in CI (REQUIRE_SERVICES=1)."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"Service requis absent : {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _requires_postgres(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing_service("ce test a besoin de PostgreSQL")


@pytest.fixture(autouse=True)
def _production_hashers(request):
    """`@pytest.mark.argon2`: this test is about hashing, so it hashes as production does."""
    if request.node.get_closest_marker("argon2"):
        from tests.settings import PRODUCTION_PASSWORD_HASHERS

        request.getfixturevalue("settings").PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no abuse counter (apart.ratelimit keeps them in the cache) and no home page kept (in the
    cache and in the process: portal.home_cache)."""
    from django.core.cache import cache

    from portal import home_cache

    cache.clear()
    home_cache._local = None


# --- ASP staff in the admin -------------------------------------------------------------------


@pytest.fixture
def agent(db):
    """An ASP agent: staff, every right (the admin's rights per role come with the security issue)."""
    from tests.factories import UserFactory

    return UserFactory(staff=True, identifiant="agent.asp")


@pytest.fixture
def staff_client(client, agent):
    from tests.factories import two_factor_login

    two_factor_login(client, agent)
    return client


def _redis_url(worker_id: str) -> str:
    """A Redis database of the worker's own: TEST_REDIS_URL's number, minus the xdist worker's."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        missing_service("ce test a besoin de Redis (TEST_REDIS_URL)")
    if worker_id != "master":
        base, _, number = url.rpartition("/")
        url = f"{base}/{int(number) - int(worker_id.removeprefix('gw'))}"
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        missing_service(f"Redis ne répond pas à {url}")
    return url


@pytest.fixture
def redis_url(worker_id):
    url = _redis_url(worker_id)
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


# --- A real SMTP server on loopback --------------------------------------------------------------


class RecordingHandler:
    """Keeps every message the SMTP server accepts; can be told to refuse them."""

    def __init__(self):
        self.messages = []
        self.refuse = False
        self.delay = 0.0  # seconds the server takes to accept a message (a slow relay)
        self.rcpt_delay = 0.0  # seconds the server takes to answer RCPT TO (a sender caught mid-conversation)
        self.rcpts = 0  # RCPT TO commands received, answered or not
        # Called in the server's thread when a message's data has come, before the server accepts it (a test kills
        # the sender there: the server keeps the message, the sender never reads the reply).
        self.on_data = None
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            self.rcpts += 1
        if self.rcpt_delay:
            import asyncio

            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_data:
            self.on_data()
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
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
    with _smtp_on_loopback() as handler:
        yield handler


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


@contextlib.contextmanager
def _smtp_on_loopback():
    handler = RecordingHandler()
    handler.host, handler.port = "127.0.0.1", _free_port()
    controller = Controller(handler, hostname=handler.host, port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def _celery_worker(django_db_setup, django_db_blocker, worker_id):
    """A `celery worker` process on Redis, using the test database and its own loopback SMTP server; started
    once (a start costs two seconds) for the tests that ask for it (one module, so one xdist worker)."""
    with django_db_blocker.unblock():
        db = connection.settings_dict
        vendor = connection.vendor
    if vendor != "postgresql":
        missing_service("le worker Celery partage la base des tests : il faut PostgreSQL")
    redis_url = _redis_url(worker_id)
    with _smtp_on_loopback() as smtp:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": redis_url,
            "EMAIL_URL": f"smtp://{smtp.host}:{smtp.port}",
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
            process.output, process.smtp, process.redis_url = output, smtp, redis_url
            yield process
        finally:
            # Whatever happened above, the worker does not outlive the session.
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def celery_worker_process(transactional_db, _celery_worker, settings):
    """The module's worker, this test's broker: tasks queued by the test go to Redis, the worker sends their
    mail to `celery_worker_process.smtp` (emptied for each test)."""
    import redis

    from apart.celery import app

    redis.Redis.from_url(_celery_worker.redis_url).flushdb()
    _celery_worker.smtp.messages.clear()
    settings.CELERY_BROKER_URL = _celery_worker.redis_url
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=_celery_worker.redis_url, task_always_eager=False)
    app._after_fork()  # drop connection pools built for the previous broker
    try:
        yield _celery_worker
    finally:
        app.conf.update(previous)
        app._after_fork()


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


@pytest.fixture(scope="session")
def _browser_context(chromium):
    """One browser context for the tests of a worker, its cookies cleared before each test and each test in
    a page of its own: the DSFR's stylesheets, scripts and fonts stay in its cache from one test to the next
    (a new context would fetch and parse them again, a quarter of a second of CPU a test)."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 1000}, reduced_motion="reduce")
    yield context
    context.close()


@pytest.fixture
def page(_browser_context):
    """A browser page; at the end of the test, no page it showed may have logged a JavaScript error.

    A test that shows an error page on purpose (a 404, a 410) says which console errors it expects with
    `page.expect_console_error("status of 404")`.
    """
    context = _browser_context
    context.clear_cookies()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.expected_console_errors = []
    page.expect_console_error = page.expected_console_errors.append
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(f"{error.name}: {error.message}"))
    yield page
    page.close()
    unexpected = [
        error
        for error in page.console_errors
        if not any(expected in error for expected in page.expected_console_errors)
    ]
    assert not unexpected, f"Erreurs dans la console du navigateur : {unexpected}"


AXE_RULES_OFF = {
    # DSFR's own markup: the skip links' <nav> and the header's service title repeat landmarks by design.
}


@pytest.fixture
def axe(page):
    """`axe()` audits the page shown with axe-core (WCAG 2.x A and AA, and best practices); returns the
    violations as readable lines. The script is evaluated through the DevTools protocol, so the page's
    Content-Security-Policy stays as it is."""
    path = os.environ.get("AXE_PATH")
    if not path:
        missing_service("axe-core absent (npm ci)")
    source = Path(path).read_text()

    def audit() -> list[str]:
        page.evaluate(source)
        result = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map((violation) => ({
                    id: violation.id,
                    help: violation.help,
                    targets: violation.nodes.map((node) => node.target.join(" ")).slice(0, 5),
                }));
            }"""
        )
        return [f"{v['id']} ({v['help']}) : {', '.join(v['targets'])}" for v in result if v["id"] not in AXE_RULES_OFF]

    return audit


@pytest.fixture
def screenshot(page, request):
    """`screenshot(name)` saves the page in build/screenshots/ for a person to look at, when SCREENSHOTS=1 (a
    full-page capture costs a few hundred milliseconds of CPU); `required=True` always takes it (the test
    checks it)."""

    def _take(name: str | None = None, *, required: bool = False) -> Path | None:
        if not required and os.environ.get("SCREENSHOTS") != "1":
            return None
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
