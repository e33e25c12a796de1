"""The services of the fault tests, real processes of their own (tests/processes.py): a Redis server they stop, a
Celery worker they kill, the beat, a loopback SMTP server they slow down; the worker and the beat use the test
database, as the test does (so the test needs a transactional database: what it writes must be committed for them).
"""

import shutil
from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import connection

from tests.conftest import _smtp_on_loopback, missing_service
from tests.processes import CeleryBeat, CeleryWorker, RedisServer, app_env, processes

# The beat's sweep of the outbox every 2 s instead of every minute, and a lease of 5 s instead of 5 minutes: the
# same code, on a test's time scale.
SWEEP_SECONDS = 2
LEASE_SECONDS = 5


def database_url_of_tests() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def _stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """Redis, the SMTP server, a worker (prefork, one process) and the beat, started once for a module's tests."""
    from django.conf import settings

    with django_db_blocker.unblock():
        vendor = connection.vendor
        database_url = database_url_of_tests()
    if vendor != "postgresql":
        missing_service("le worker Celery partage la base des tests : il faut PostgreSQL")
    if shutil.which("redis-server") is None:
        missing_service("redis-server absent : il faut un Redis à arrêter")
    log_dir = tmp_path_factory.mktemp("faults")
    with processes(log_dir) as started, _smtp_on_loopback() as smtp:
        redis = RedisServer(log_dir).start()
        started.append(redis)
        env = app_env(
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=redis.url(),
            EMAIL_URL=f"smtp://{smtp.host}:{smtp.port}",
            # The e-mails' secrets are sealed by the test process: the worker opens them with the same key.
            SECRETBOX_KEY=settings.SECRETBOX_KEY or settings.SECRET_KEY,
            OUTBOX_SWEEP_SECONDS=str(SWEEP_SECONDS),
            OUTBOX_SEND_LEASE_SECONDS=str(LEASE_SECONDS),
        )
        worker = CeleryWorker(env, log_dir)
        started.append(worker.start())
        beat = CeleryBeat(env, log_dir)
        started.append(beat.start())
        yield SimpleNamespace(redis=redis, worker=worker, beat=beat, smtp=smtp, env=env, log_dir=log_dir)


@pytest.fixture
def stack(transactional_db, _stack, settings):
    """The module's processes, all running, an empty queue and SMTP server; the test's tasks go to its Redis."""
    from apart.celery import app
    from apart.outbox import services

    if not _stack.redis.running:
        _stack.redis.start()
    if not _stack.worker.running:
        _stack.worker.start()
    if not _stack.beat.running:
        _stack.beat.start()
    _stack.smtp.messages.clear()
    _stack.smtp.delay = _stack.smtp.rcpt_delay = _stack.smtp.rcpts = 0
    _stack.smtp.on_data = None
    settings.CELERY_BROKER_URL = _stack.redis.url()
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=_stack.redis.url(), task_always_eager=False)
    app._after_fork()  # drop the connection pools built for another broker
    services._broker_failed_at.clear()  # a publish that failed in another test pauses nothing here
    try:
        yield _stack
    finally:
        app.conf.update(previous)
        app._after_fork()
        services._broker_failed_at.clear()


def message_ids(smtp) -> Counter:
    """How many copies of each Message-ID the SMTP server accepted."""
    return Counter(message["Message-ID"] for message in list(smtp.messages))
