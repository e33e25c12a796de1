"""PostgreSQL restarted under load: gunicorn (2 workers) on a PostgreSQL cluster of the test's own, client threads
sending the assistance form (a ticket and its two e-mails, one transaction), reading public pages and, logged in,
the space, while the cluster is stopped and started again. Requests in flight get the French error page, not a hang; no ticket is written without
its e-mails; once PostgreSQL answers again every request succeeds, with the same gunicorn, whether connections are
opened per request (CONN_MAX_AGE=0) or kept (CONN_MAX_AGE=60, checked at each request: CONN_HEALTH_CHECKS)."""

import http.client
import itertools
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection

from apart.outbox.models import OutboxEmail
from support.models import Ticket
from tests.conftest import missing_service
from tests.faults.conftest import database_url_of_tests
from tests.processes import Gunicorn, PostgresCluster, app_env, manage, postgres_bin, processes, wait_until

ASSISTANCE = "/besoin-d-aide/assistance/"
PAGES = ["/", "/besoin-d-aide/"]
SUPPORT_EMAIL = "contact-ap@asp-public.fr"
SPACE = "/espace/"
# A user of the space and a session of his, opened as a login does (the page he reads needs the database for the
# session and the user: the error page must not).
SESSION_OF_A_USER = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from tests.factories import UserFactory
user = UserFactory()
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()})
session.create()
print(session.session_key)
"""
# The test writes nothing there: the mark has pytest-django create the test database, which the cluster copies.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """A PostgreSQL cluster and its database, a copy of the test database (migrated by pytest-django: `migrate`
    again would cost half a minute), made once for the module."""
    with django_db_blocker.unblock():
        vendor = connection.vendor
        source = database_url_of_tests()
    if vendor != "postgresql" or postgres_bin() is None:
        missing_service("il faut PostgreSQL (la base des tests, et le serveur pour un cluster à redémarrer)")
    log_dir = tmp_path_factory.mktemp("pg_restart")
    pg = PostgresCluster(log_dir)
    try:
        with processes(log_dir) as started:
            started.append(pg.start())
            url = pg.create_database("apart")
            dump = subprocess.run(
                [str(pg.bin / "pg_dump"), "--no-owner", "--no-privileges", source], check=False, capture_output=True
            )
            assert dump.returncode == 0, dump.stderr.decode()
            subprocess.run(
                [str(pg.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", url],
                input=dump.stdout,
                stdout=subprocess.DEVNULL,
                check=True,
            )
            session = manage(app_env(DATABASE_URL=url), "shell", "-c", SESSION_OF_A_USER)
            assert session.returncode == 0, session.stderr[-4000:]
            yield SimpleNamespace(pg=pg, url=url, log_dir=log_dir, session_key=session.stdout.split()[-1])
    finally:
        pg.remove()


@dataclass
class Answer:
    kind: str  # "post" or "get"
    started: float
    status: int | None = None
    body: str = ""
    courriel: str = ""
    error: str = ""


class Load:
    """Client threads against gunicorn until stopped: `posters` sending the assistance form, `readers` GETting
    pages; every answer (or client error) is kept with the moment its request started."""

    def __init__(self, port: int, *, session_key: str, posters: int = 2, readers: int = 2):
        self.port, self.session_key = port, session_key
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._numbers = itertools.count()
        self._threads = [threading.Thread(target=self._post, daemon=True) for _ in range(posters)]
        self._threads += [threading.Thread(target=self._get, daemon=True) for _ in range(readers)]
        self._threads.append(threading.Thread(target=self._get_space, daemon=True))

    def _request(self, answer: Answer, method: str, path: str, body: str | None = None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            answer.status, answer.body = response.status, response.read().decode("utf-8", "replace")
            return response
        except OSError as error:  # a timeout (a hang) or a connection gunicorn dropped: both are failures
            answer.error = f"{type(error).__name__}: {error}"
        finally:
            connection.close()
            with self._lock:
                self.answers.append(answer)

    def _csrf_token(self) -> str:
        while not self._stop.is_set():
            response = self._request(Answer("get", time.monotonic()), "GET", ASSISTANCE)
            cookie = response and re.search(r"csrftoken=([A-Za-z0-9]+)", response.headers.get("Set-Cookie", ""))
            if cookie:
                return cookie.group(1)
            time.sleep(0.2)
        return ""

    def _post(self):
        token = self._csrf_token()
        while not self._stop.is_set():
            courriel = f"demandeur{next(self._numbers)}@example.fr"
            body = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "siret": "732 829 320 00074",
                    "denomination": "BOULANGERIE DU CANAL",
                    "nom_prenom": "Menuça Gérard",
                    "telephone": "01 02 03 04 05",
                    "courriel": courriel,
                    "motif": "habilitation",
                    "description": "Mon prédécesseur a quitté l'entreprise.",
                    "captcha_0": "x",
                    "captcha_1": "PASSED",
                }
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={token}"}
            self._request(Answer("post", time.monotonic(), courriel=courriel), "POST", ASSISTANCE, body, headers)

    def _get(self):
        for path in itertools.cycle(PAGES):
            if self._stop.is_set():
                return
            self._request(Answer("get", time.monotonic()), "GET", path)

    def _get_space(self):
        """The space, read by a logged-in user (the production session cookie's name: __Host-, DEBUG off)."""
        while not self._stop.is_set():
            cookie = {"Cookie": f"__Host-sessionid={self.session_key}"}
            response = self._request(Answer("space", time.monotonic()), "GET", SPACE, headers=cookie)
            if response is not None and response.status == 302:  # to the login page: the session was lost
                self.logged_out = True

    logged_out = False

    def count(self, *, kind: str | None = None, statuses=(200, 302), after: float = 0.0) -> int:
        with self._lock:
            return sum(
                (kind is None or answer.kind == kind) and answer.status in statuses and answer.started >= after
                for answer in self.answers
            )

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(60)


def _status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def _tickets_and_emails(url: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """{courriel: reference} of the tickets, and the outbox rows (kind, to, subject + body), read in the cluster."""
    with psycopg.connect(url) as connection:
        tickets = connection.execute(f'SELECT courriel, reference FROM "{Ticket._meta.db_table}"').fetchall()
        emails = connection.execute(
            f'SELECT kind, "to", subject || body_text FROM "{OutboxEmail._meta.db_table}"'
        ).fetchall()
    assert len({courriel for courriel, _reference in tickets}) == len(tickets)  # one ticket per request at most
    return dict(tickets), emails


@pytest.mark.parametrize("conn_max_age", ["0", "60"])
def test_a_postgresql_restart_under_load_fails_requests_cleanly_and_the_site_recovers(cluster, conn_max_age):
    env = app_env(
        DATABASE_URL=cluster.url,
        DJANGO_SETTINGS_MODULE="tests.faults.gunicorn_settings",
        CONN_MAX_AGE=conn_max_age,
        CAPTCHA_TEST_MODE="1",
        ASSISTANCE_RATE_LIMIT_PER_IP="1000000",
        ASSISTANCE_RATE_LIMIT_PER_RECIPIENT="1000000",
        EMAIL_URL="dummymail://",
    )
    with psycopg.connect(cluster.url) as db:  # the tickets and e-mails of the other parameter's run
        db.execute(f'TRUNCATE "{Ticket._meta.db_table}", "{OutboxEmail._meta.db_table}" CASCADE')
    with processes(cluster.log_dir) as started:
        gunicorn = Gunicorn(env, cluster.log_dir, workers=2)
        started.append(gunicorn.start())
        master = gunicorn.popen.pid
        with Load(gunicorn.port, session_key=cluster.session_key) as load:
            wait_until(lambda: load.count(kind="post", statuses=(302,)) >= 5, timeout=60, what="des demandes reçues")
            down = time.monotonic()
            cluster.pg.stop()
            wait_until(
                lambda: (
                    load.count(statuses=(500, 503), after=down) >= 4
                    and load.count(kind="space", statuses=(500, 503), after=down) >= 1
                ),
                timeout=30,
                what="des erreurs, dont une pour l'utilisateur connecté",
            )
            cluster.pg.start()
            up = time.monotonic()
            wait_until(
                lambda: load.count(kind="post", statuses=(302,), after=up) >= 5, timeout=60, what="le retour du site"
            )
            answers = list(load.answers)
        assert not load.logged_out  # the user's session outlived the restart
        assert any(answer.kind == "space" and answer.status == 200 for answer in answers)
        # A restart while no request is in flight: the connections kept by the workers (CONN_MAX_AGE=60) break
        # without a request noticing; the next requests are answered all the same (CONN_HEALTH_CHECKS).
        cluster.pg.stop()
        cluster.pg.start()
        after_quiet_restart = [_status(gunicorn.port, ASSISTANCE) for _ in range(6)]
        assert gunicorn.running and gunicorn.popen.pid == master  # the same gunicorn throughout

    # No request hung or lost its connection; each failure is the French error page with its reference.
    assert [answer.error for answer in answers if answer.error] == []
    failures = [answer for answer in answers if answer.status not in (200, 302)]
    assert failures and {answer.status for answer in failures} <= {500, 503}
    for answer in failures:
        assert "Erreur inattendue" in answer.body and "Référence de la requête" in answer.body, answer.body[:500]
    # Once PostgreSQL answers again, every request succeeds: no connection broken by the restart is used again.
    assert [answer.status for answer in answers if answer.started >= up and answer.status not in (200, 302)] == []

    assert after_quiet_restart == [200] * 6
    # Nothing half-written: each ticket with its acknowledgement and its notification to the support; each request
    # answered by the redirection to « demande envoyée » has its ticket.
    tickets, emails = _tickets_and_emails(cluster.url)
    for answer in answers:
        if answer.kind == "post" and answer.status == 302:
            assert answer.courriel in tickets
    for courriel, reference in tickets.items():
        assert [to for kind, to, _text in emails if kind == "ticket_accuse_reception" and reference in _text] == [
            courriel
        ]
        assert [to for kind, to, text in emails if kind == "ticket_nouvelle_demande" and reference in text] == [
            SUPPORT_EMAIL
        ]
    assert len(emails) == 2 * len(tickets)
    print(
        f"CONN_MAX_AGE={conn_max_age} : {len(answers)} requêtes, {len(failures)} pages d'erreur pendant "
        f"{up - down:.1f} s d'arrêt, {len(tickets)} demandes enregistrées"
    )
