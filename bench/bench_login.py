"""Benchmark of MON ESPACE PERSONNEL over HTTP: logins on gunicorn + PostgreSQL, and the space (not a test).

    .venv/bin/python bench/bench_login.py [--seconds 20] [--workers 2] [--clients 4] [--warmup 3] [--users 200]
        [--establishments 500] [--pages 50] [--hash-seconds 5] [--distinct-passwords] [--conn-max-age S]
        [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_login` on 127.0.0.1:5432, migrates it, collects the static files into a
   temporary STATIC_ROOT (DEBUG=0 uses whitenoise's manifest storage), then creates --users accounts with a known
   password and an active APART habilitation on an establishment of their own, and one account (an expert-comptable)
   with active APART habilitations on --establishments establishments. The passwords are hashed with Django's
   default Argon2: once, the same encoded hash reused by every account (the salt changes nothing to the cost of a
   verification), or one per account in a process pool with --distinct-passwords.
2. In this process, through django.test.Client (CSRF checks enforced): one login, with the Argon2 operations it
   runs (counted by wrapping the hashers, with the place in the code that asked for them) and its SQL queries; and
   the SQL queries of /espace/ and /espace/etablissements/ for the account with --establishments establishments.
3. The hash-bound limit, before and after the HTTP load (never during it): as many processes as gunicorn workers,
   each running Django's `check_password` (an Argon2 verification, Django's default parameters) for --hash-seconds.
4. gunicorn (`python -m gunicorn apart.wsgi --workers W`, sync workers, DEBUG=0, EMAIL_URL=dummymail://, no Celery
   broker, django-axes enabled as configured) and --clients threads, each login with a fresh cookie jar (a new
   session): GET / (the CSRF cookie and token) then POST /connexion/ with a correct identifiant and password (the
   accounts in turn), a 302 to /espace/ expected. --warmup seconds, then --seconds measured: a login counts when it
   ends inside the measured window. The cookies are Secure under DEBUG=0: the client's jar sends them back over http.
5. After the load, with nothing else running: the account with --establishments establishments logs in once, then
   GET /espace/ and GET /espace/etablissements/ --pages times each, one after the other (after 3 unmeasured GETs
   per worker: a sync worker compiles a page's templates the first time it renders it).
6. django-axes' rows checked: no failure recorded (AccessAttempt, AccessFailureLog), one AccessLog per login.
7. Stops gunicorn and drops the database (unless --keep).

Everything stays on the loopback interface. A hard time limit (SIGALRM) and try/finally + atexit stop every child
process this script started (gunicorn and its workers, the hashing processes), by their own ids.
"""

import argparse
import atexit
import contextlib
import datetime
import http.client
import itertools
import math
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "apart_bench_login"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
ADMIN_URL = f"{POSTGRES}/postgres"
BENCH_URL = f"{POSTGRES}/{BENCH_DATABASE}"

HOME, LOGIN, SPACE, ESTABLISHMENTS = "/", "/connexion/", "/espace/", "/espace/etablissements/"
PASSWORD = "Connexion-Banc;2026"
EXPERT = "banc.expert"
ARGON2_PER_LOGIN_FROM_THE_CODE = 1
LOGIN_TARGET_PERCENT = 80
SPACE_TARGET_MS = 100
OTHERS_LIMIT = 0.15  # cores used by other processes beyond which a measure is flagged
CSRF_INPUT_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

ACTIVITES = [
    "BOULANGERIE", "GARAGE", "TRANSPORTS", "CABINET", "ATELIER", "PHARMACIE", "MENUISERIE", "RESTAURANT",
    "INFORMATIQUE", "BATIMENT", "COIFFURE", "CONSEIL", "NETTOYAGE", "FROMAGERIE", "IMPRIMERIE",
]  # fmt: skip
ENSEIGNES = ["MARTIN", "DUBOIS", "DURAND", "MOREAU", "LAURENT", "GIRARD", "BONNET", "FONTAINE", "ROUSSEAU", "BLANC"]
VILLES = [("75011", "Paris 11e Arrondissement"), ("69003", "Lyon 3e Arrondissement"), ("33000", "Bordeaux"),
          ("59000", "Lille"), ("13001", "Marseille 1er Arrondissement"), ("31000", "Toulouse")]  # fmt: skip


def _fr(number: float, decimals: int = 0) -> str:
    return f"{number:,.{decimals}f}".replace(",", " ").replace(".", ",")


def _ms(seconds: float, decimals: int = 0) -> str:
    return f"{_fr(seconds * 1000, decimals)} ms"


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def _load() -> str:
    return " / ".join(_fr(value, 2) for value in os.getloadavg())


# --- Child processes: every one started here is stopped on exit ---------------------------------


class TimeLimitExceeded(Exception):
    pass


class Children:
    """The processes this script started, stopped by their own ids at exit (idempotent)."""

    def __init__(self):
        self.gunicorn: subprocess.Popen | None = None
        self.gunicorn_workers: set[int] = set()
        self.processes: list = []  # multiprocessing.Process
        self.pool = None  # multiprocessing.Pool
        self.stop_event = threading.Event()
        self.keep_database = False
        self.static_root: str | None = None
        self.database_created = False
        self._done = False

    def stop_gunicorn(self) -> None:
        process, self.gunicorn = self.gunicorn, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)  # its own session, started with start_new_session
                process.wait(5)
        for pid in self.gunicorn_workers:  # a worker left behind by a killed master
            if _parent_pid(pid) in (process.pid, 1):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.gunicorn_workers.clear()

    def stop_processes(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
        self.processes.clear()

    def cleanup(self) -> None:
        if self._done:
            return
        self._done = True
        signal.alarm(0)
        self.stop_event.set()
        self.stop_processes()
        self.stop_gunicorn()
        if self.database_created and not self.keep_database:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            try:
                _drop_database()
            except Exception as error:  # noqa: BLE001 — reported, the rest of the clean-up goes on
                print(f"La base {BENCH_DATABASE} n'a pas pu être supprimée : {error}", file=sys.stderr)
        if self.static_root:
            shutil.rmtree(self.static_root, ignore_errors=True)


CHILDREN = Children()


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent_pid(int(entry.name)) == pid:
            found.add(int(entry.name))
    return found


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _all_cpu() -> dict:
    """A snapshot: the machine's (busy, total) jiffies and, per process, {pid: (command, CPU s, reaped children's s)}."""
    processes, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            name = command or stat[stat.find("(") + 1 : stat.rfind(")")]
            own, children = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
            processes[int(entry.name)] = (name, own / tick, children / tick)
    return {"time": time.perf_counter(), "machine": _machine_cpu(), "processes": processes}


def _is_postgres(name: str) -> bool:
    return name.startswith("postgres:") or ("/postgresql/" in name and "/bin/postgres" in name)


def _others(before: dict, after: dict, ours: set[int]) -> dict:
    """CPU (in cores) of the processes other than the bench's between two snapshots.

    The machine's busy time (/proc/stat, exact) less the bench's processes and PostgreSQL (its backends often live
    for one request only, CONN_MAX_AGE=0: counted through the postmaster's reaped children); the busiest others are
    named from their own counters (indicative over short windows).
    """
    seconds = max(1e-6, after["time"] - before["time"])
    (b0, t0), (b1, t1) = before["machine"], after["machine"]
    machine = (os.cpu_count() or 1) * (b1 - b0) / max(1, t1 - t0)
    mine = postgres = 0.0
    named = []
    for pid, (name, cpu, children) in after["processes"].items():
        previous = before["processes"].get(pid)
        spent = (cpu - previous[1]) if previous else cpu  # a process born in the window spent all of it there
        if _is_postgres(name):
            postgres += spent + ((children - previous[2]) if previous else children)
        elif pid in ours:
            mine += spent
        elif spent > 0:
            named.append((spent / seconds, name))
    total = max(0.0, machine - (mine + postgres) / seconds)
    return {"total": total, "postgres": postgres / seconds, "busiest": sorted(named, reverse=True)[:3]}


def _others_line(others: dict, label: str) -> str:
    busiest = " ; ".join(f"{_fr(cores, 2)} cœur {name[:70]}" for cores, name in others["busiest"] if cores >= 0.02)
    return (
        f"{label} : {_fr(others['total'], 2)} cœur(s)"
        + (f" (dont {busiest})" if busiest else "")
        + (" → MESURE PERTURBÉE" if others["total"] > OTHERS_LIMIT else "")
        + f" ; PostgreSQL (toutes bases) : {_fr(others['postgres'], 2)} cœur"
    )


def _machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- The database --------------------------------------------------------------------------------


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    CHILDREN.database_created = True


def _drop_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def _manage(env: dict, *arguments: str, timeout: float = 300) -> str:
    command = [sys.executable, "manage.py", *arguments]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise SystemExit(
            f"`manage.py {' '.join(arguments)}` a échoué ({result.returncode}) :\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def _siret(number: int) -> str:
    from stdnum import luhn

    siren = f"{30_000_000 + number:08d}"
    siren += luhn.calc_check_digit(siren)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def _hash_one(password: str) -> str:
    from django.conf import settings

    if not settings.configured:
        settings.configure(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
    from django.contrib.auth.hashers import make_password

    return make_password(password)


def user_password(number: int, distinct: bool) -> str:
    return f"Connexion-{number:04d};Banc" if distinct else PASSWORD


def create_accounts(users: int, establishments: int, distinct: bool, processes: int) -> dict:
    """The bench's accounts, with Django's ORM in this process (bulk inserts); the figures of the setup."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from habilitations.models import Establishment, Extranet, Habilitation, one_year_after

    started = time.perf_counter()
    if distinct:
        context = multiprocessing.get_context("spawn")
        CHILDREN.pool = context.Pool(processes or os.cpu_count())
        hashes = CHILDREN.pool.map(_hash_one, [user_password(n, True) for n in range(users + 1)], chunksize=4)
        CHILDREN.pool.close()
        CHILDREN.pool.join()
        CHILDREN.pool = None
    else:
        hashes = [make_password(PASSWORD)] * (users + 1)
    hashing = time.perf_counter() - started

    apart = Extranet.objects.for_code("APART")
    today = timezone.localdate()
    until = one_year_after(today)
    with transaction.atomic():
        accounts = User.objects.bulk_create(
            [
                User(
                    identifiant=f"banc.connexion{n}",
                    courriel=f"banc.connexion{n}@example.fr",
                    nom="Connexion",
                    prenom=f"Banc{n}",
                    telephone="06 12 34 56 78",
                    password=hashes[n],
                )
                for n in range(users)
            ]
            + [
                User(
                    identifiant=EXPERT,
                    courriel="banc.expert@example.fr",
                    nom="Expert",
                    prenom="Comptable",
                    password=hashes[users],
                )
            ],
            batch_size=1000,
        )
        places = []
        for n in range(users + establishments):
            code_postal, ville = VILLES[n % len(VILLES)]
            siret = _siret(n)
            places.append(
                Establishment(
                    siret=siret,
                    siren=siret[:9],
                    denomination=f"{ACTIVITES[n % len(ACTIVITES)]} {ENSEIGNES[n // 7 % len(ENSEIGNES)]} {n:04d}",
                    numero_voie=str(1 + n % 180),
                    type_voie="Rue",
                    libelle_voie="DE LA REPUBLIQUE",
                    code_postal=code_postal,
                    ville=ville,
                    telephone="01 43 00 00 00",
                    courriel=f"contact{n}@example.fr",
                )
            )
        places = Establishment.objects.bulk_create(places, batch_size=1000)
        expert = accounts[-1]
        Habilitation.objects.bulk_create(
            [
                Habilitation(
                    user=accounts[n], establishment=places[n], extranet=apart, valid_from=today, valid_until=until
                )
                for n in range(users)
            ]
            + [
                Habilitation(user=expert, establishment=place, extranet=apart, valid_from=today, valid_until=until)
                for place in places[users:]
            ],
            batch_size=1000,
        )
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("accounts_user", "habilitations_establishment", "habilitations_habilitation"):
            cursor.execute(f"ANALYZE {table}")
    return {"hashing": hashing, "total": time.perf_counter() - started, "hash": hashes[0]}


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class Page:
    status: int
    location: str
    body: str


class LoginFailed(Exception):
    def __init__(self, step: str, reason: str, page: Page | None = None):
        super().__init__(f"{step} : {reason}")
        self.step, self.reason, self.page = step, reason, page


class HttpBrowser:
    """One http.client connection and a cookie jar that sends Secure cookies back over http."""

    def __init__(self, port: int, timeout: float):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.connects = 0

    def new_session(self) -> None:
        self.cookies.clear()

    def request(self, method: str, path: str, form: dict | None = None) -> Page:
        headers = {"Accept": "text/html", "Accept-Language": "fr-FR", "User-Agent": "bench_login"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.connection.sock is None:
            self.connects += 1
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except Exception:
            self.connection.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            self._store(header)
        if response.will_close:  # gunicorn's sync workers answer "Connection: close"
            self.connection.close()
        return Page(response.status, response.getheader("Location") or "", data.decode("utf-8", "replace"))

    def _store(self, header: str) -> None:
        first, *attributes = header.split(";")
        name, _, value = first.strip().partition("=")
        attributes = [attribute.strip().lower() for attribute in attributes]
        if "max-age=0" in attributes or any(a.startswith("expires=") and "1970" in a for a in attributes):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def close(self) -> None:
        self.connection.close()


class DjangoClientBrowser:
    """The same requests through django.test.Client, in this process (CSRF checks enforced)."""

    def __init__(self):
        from django.test import Client

        self.client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")

    def new_session(self) -> None:
        self.client.cookies.clear()

    def request(self, method: str, path: str, form: dict | None = None) -> Page:
        response = self.client.get(path) if method == "GET" else self.client.post(path, form or {})
        return Page(response.status_code, response.headers.get("Location", ""), response.content.decode())


def _errors(body: str) -> str:
    found = re.findall(r'class="fr-alert fr-alert--error[^"]*"[^>]*><p>(.*?)</p>', body, re.S)
    found += re.findall(r'class="fr-error-text"[^>]*>(.*?)</p>', body, re.S)
    return "; ".join(" ".join(re.sub(r"<[^>]+>", "", error).split()) for error in found) or "(aucun message)"


def log_in(browser, identifiant: str, password: str, timings: dict) -> None:
    """GET / then POST /connexion/ in a new session; a 302 to /espace/ expected. Raises LoginFailed."""

    def call(step, method, path, form=None):
        started = time.perf_counter()
        try:
            page = browser.request(method, path, form)
        except (OSError, http.client.HTTPException) as error:
            raise LoginFailed(step, f"{type(error).__name__}: {error}") from error
        timings[step] = time.perf_counter() - started
        return page

    browser.new_session()
    page = call("GET /", "GET", HOME)
    token = CSRF_INPUT_RE.search(page.body) if page.status == 200 else None
    if token is None:
        raise LoginFailed("GET /", f"HTTP {page.status}, jeton CSRF introuvable", page)
    form = {"csrfmiddlewaretoken": token.group(1), "username": identifiant, "password": password}
    page = call("POST /connexion/", "POST", LOGIN, form)
    if page.status != 302 or urlsplit(page.location).path != SPACE:
        raise LoginFailed(
            "POST /connexion/", f"HTTP {page.status} vers « {page.location} » — {_errors(page.body)}", page
        )


# --- The probe: Argon2 operations and SQL queries, in this process --------------------------------


def _project_frame(stack) -> str:
    """Where the project's code led to a hash: 'accounts/forms.py:39 clean() → authenticate()'."""
    me = Path(__file__).resolve()
    for index in range(len(stack) - 1, -1, -1):
        path = Path(stack[index].filename).resolve()
        if path == me or ROOT not in path.parents or ".venv" in path.parts:
            continue
        called = stack[index + 1].name if index + 1 < len(stack) else "?"
        return f"{path.relative_to(ROOT)}:{stack[index].lineno} {stack[index].name}() → {called}()"
    return "(hors du code du projet)"


def _django_frames(stack) -> str:
    """The chain of Django's auth functions between the project and the hasher (module.function)."""
    chain = []
    for frame in stack:
        path = frame.filename.replace(os.sep, "/")
        if "django/contrib/auth/" in path and "decorators" not in path:
            step = f"{Path(path).stem.replace('__init__', 'auth')}.{frame.name}"
            if not chain or chain[-1] != step:
                chain.append(step)
    return " → ".join(chain)


@contextlib.contextmanager
def counting_hashes(records: list):
    """Wrap encode/verify of every Django hasher; each call appended as (name, seconds, where, chain)."""
    from django.contrib.auth import hashers

    def counting(cls, name):
        original = cls.__dict__[name]

        def wrapper(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                stack = traceback.extract_stack()[:-1]
                records.append(
                    (
                        f"{cls.__name__}.{name}",
                        time.perf_counter() - started,
                        _project_frame(stack),
                        _django_frames(stack),
                    )
                )

        return wrapper

    patched = []
    for cls in vars(hashers).values():
        if isinstance(cls, type) and issubclass(cls, hashers.BasePasswordHasher):
            for name in ("encode", "verify"):
                if name in cls.__dict__:
                    patched.append((cls, name, cls.__dict__[name]))
                    setattr(cls, name, counting(cls, name))
    try:
        yield records
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)


def probe(users: int, distinct: bool) -> dict:
    """One login (Argon2 operations, SQL queries) and the SQL queries of the space, through django.test.Client."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    figures = {}

    class Probe(DjangoClientBrowser):
        def request(self, method, path, form=None):
            before = len(records)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                page = super().request(method, path, form)
            figures[f"{method} {path}"] = {
                "seconds": time.perf_counter() - started,
                "queries": [query["sql"] for query in queries.captured_queries],
                "hashes": records[before:],
                "status": page.status,
            }
            return page

    records: list = []
    with counting_hashes(records):
        log_in(Probe(), "banc.connexion0", user_password(0, distinct), {})
        login_records = list(records)
        expert = Probe()
        log_in(expert, EXPERT, user_password(users, distinct), {})
        for path in (SPACE, ESTABLISHMENTS):
            page = expert.request("GET", path)
            if page.status != 200:
                raise SystemExit(f"GET {path} répond {page.status} dans ce processus")
        space_hashes = len(records) - 2 * len(login_records)
    connection.close()
    return {"requests": figures, "login_hashes": login_records, "space_hashes": space_hashes}


# --- The HTTP load -------------------------------------------------------------------------------


@dataclass
class ClientResult:
    successes: list = field(default_factory=list)  # (finished_at, total seconds, GET seconds, POST seconds)
    failures: list = field(default_factory=list)  # (finished_at, LoginFailed)
    connects: int = 0


class Rotation:
    """The accounts in turn, shared by the client threads."""

    def __init__(self, users: int, distinct: bool):
        self._numbers = itertools.cycle(range(users))
        self._distinct = distinct
        self._lock = threading.Lock()

    def next(self) -> tuple[str, str]:
        with self._lock:
            number = next(self._numbers)
        return f"banc.connexion{number}", user_password(number, self._distinct)


def client_thread(port, rotation, measure_end, timeout, result: ClientResult) -> None:
    browser = HttpBrowser(port, timeout)
    try:
        while not CHILDREN.stop_event.is_set() and time.perf_counter() < measure_end:
            identifiant, password = rotation.next()
            timings: dict[str, float] = {}
            started = time.perf_counter()
            try:
                log_in(browser, identifiant, password, timings)
            except LoginFailed as failure:
                result.failures.append((time.perf_counter(), failure))
                continue
            finished = time.perf_counter()
            result.successes.append((finished, finished - started, timings["GET /"], timings["POST /connexion/"]))
    finally:
        result.connects = browser.connects
        browser.close()


def run_load(port, args) -> dict:
    rotation = Rotation(args.users, args.distinct_passwords)
    started = time.perf_counter()
    measure_start = started + args.warmup
    measure_end = measure_start + args.seconds
    results = [ClientResult() for _ in range(args.clients)]
    threads = [
        threading.Thread(
            target=client_thread,
            args=(port, rotation, measure_end, args.request_timeout, results[index]),
            name=f"client-{index}",
            daemon=True,
        )
        for index in range(args.clients)
    ]
    workers = set(CHILDREN.gunicorn_workers)
    for thread in threads:
        thread.start()
    cpu = {}
    hard_end = measure_end + args.request_timeout * 3 + 10  # in-flight logins end, bounded
    while any(thread.is_alive() for thread in threads) and time.perf_counter() < hard_end:
        now = time.perf_counter()
        if "start" not in cpu and now >= measure_start:
            cpu["start"] = (sum(_cpu_seconds(pid) for pid in workers), time.process_time(), _machine_cpu(), now)
            cpu["all_start"] = _all_cpu()
        if "end" not in cpu and now >= measure_end:
            cpu["end"] = (sum(_cpu_seconds(pid) for pid in workers), time.process_time(), _machine_cpu(), now)
            cpu["all_end"] = _all_cpu()
            CHILDREN.stop_event.set()  # no new login; those in flight end
        if sum(len(r.failures) for r in results) >= 50 and not any(r.successes for r in results):
            print("50 échecs sans aucune connexion réussie : arrêt de la charge.", file=sys.stderr)
            CHILDREN.stop_event.set()
            break
        time.sleep(0.02)
    CHILDREN.stop_event.set()
    for thread in threads:
        thread.join(max(0.0, hard_end - time.perf_counter()))
    CHILDREN.stop_event.clear()
    return {
        "results": results,
        "measure_start": measure_start,
        "measure_end": measure_end,
        "cpu": cpu,
        "stuck": [thread.name for thread in threads if thread.is_alive()],
    }


def measure_space(port: int, args) -> dict:
    """The expert logs in once; then /espace/ and /espace/etablissements/, --pages times each, sequentially."""
    browser = HttpBrowser(port, args.request_timeout)
    checks = {
        SPACE: ["BONJOUR,", EXPERT, "Mes Etablissements", f"Voir tous mes Etablissements ({args.establishments})"],
        ESTABLISHMENTS: [f"{args.establishments} établissements", "Page 1 sur"],
    }
    try:
        log_in(browser, EXPERT, user_password(args.users, args.distinct_passwords), {})
        timings = {}
        snapshot = _all_cpu()
        for path, expected in checks.items():
            # Warm-up, not measured: each sync worker compiles the page's templates on its first rendering (the
            # connections go to whichever worker accepts first), 3 per worker.
            for _ in range(3 * args.workers):
                browser.request("GET", path)
            values = []
            for _ in range(args.pages):
                started = time.perf_counter()
                page = browser.request("GET", path)
                values.append(time.perf_counter() - started)
                if page.status != 200:
                    raise LoginFailed(f"GET {path}", f"HTTP {page.status} vers « {page.location} »", page)
            missing = [text for text in expected if text not in page.body]
            if missing:
                raise LoginFailed(f"GET {path}", f"absent de la page : {missing}", page)
            timings[path] = values
        ours = {os.getpid(), *CHILDREN.gunicorn_workers}
        if CHILDREN.gunicorn is not None:
            ours.add(CHILDREN.gunicorn.pid)
        timings["others"] = _others(snapshot, _all_cpu(), ours)
        return timings
    finally:
        browser.close()


# --- gunicorn ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def start_gunicorn(env: dict, workers: int, port: int, log) -> None:
    command = [sys.executable, "-m", "gunicorn", "apart.wsgi", "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5"]  # fmt: skip
    CHILDREN.gunicorn = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        if CHILDREN.gunicorn.poll() is not None:
            raise SystemExit(f"gunicorn s'est arrêté ({CHILDREN.gunicorn.returncode}) :\n{_tail(log)}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/sante/")
            response = connection.getresponse()
            body = response.read().decode()
            connection.close()
        except OSError:
            time.sleep(0.2)
            continue
        if response.status != 200:
            raise SystemExit(f"/sante/ répond {response.status} : {body}\n{_tail(log)}")
        workers_found = _children_of(CHILDREN.gunicorn.pid)
        if len(workers_found) >= workers:
            CHILDREN.gunicorn_workers = workers_found
            return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn n'a pas démarré en 60 s :\n{_tail(log)}")


def _tail(log, lines: int = 60) -> str:
    log.flush()
    with open(log.name, encoding="utf-8", errors="replace") as handle:
        return "\n".join(handle.read().splitlines()[-lines:])


# --- The hash-bound limit ------------------------------------------------------------------------


def verify_worker(index: int, seconds: float, encoded: str, password: str, start, results) -> None:
    """Django's check_password (Argon2 verify, default parameters), as fast as one process goes, for `seconds`."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
    from django.contrib.auth.hashers import check_password

    if not check_password(password, encoded):  # also loads the library
        results.put(("error", index))
        return
    results.put(("ready", index))
    if not start.wait(120):
        return
    count, wall_start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        check_password(password, encoded)
        count += 1
        elapsed = time.perf_counter() - wall_start
        if elapsed >= seconds:
            break
    results.put(("done", index, count, elapsed, time.process_time() - cpu_start))


def measure_verifies(processes: int, seconds: float, encoded: str, password: str) -> dict:
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    CHILDREN.processes = [
        context.Process(target=verify_worker, args=(index, seconds, encoded, password, start, results), daemon=True)
        for index in range(processes)
    ]
    for process in CHILDREN.processes:
        process.start()
    for _ in range(processes):
        if results.get(timeout=120)[0] != "ready":
            raise SystemExit("check_password a refusé le mot de passe du banc dans un processus de mesure")
    snapshot = _all_cpu()
    start.set()
    done = [results.get(timeout=seconds + 120) for _ in range(processes)]
    ours = {os.getpid(), *(process.pid for process in CHILDREN.processes)}
    others = _others(snapshot, _all_cpu(), ours)
    CHILDREN.stop_processes()
    counts = [item[2] for item in done]
    walls = [item[3] for item in done]
    cpus = [item[4] for item in done]
    rates = [count / wall for count, wall in zip(counts, walls, strict=True)]
    return {
        "total_rate": sum(rates),
        "rates": rates,
        "ms_per_verify": sum(walls) / sum(counts) * 1000,
        "cpu_ms_per_verify": sum(cpus) / sum(counts) * 1000,
        "verifies": sum(counts),
        "others": others,
    }


def _print_verifies(figures: dict, label: str) -> None:
    per_process = " · ".join(_fr(rate, 2) for rate in figures["rates"])
    print(
        f"{label} : {_fr(figures['total_rate'], 2)} vérifications/s au total "
        f"({figures['verifies']} vérifications) ; par processus : {per_process} /s"
    )
    print(
        f"  {_fr(figures['ms_per_verify'], 1)} ms par vérification (temps écoulé dans un processus), "
        f"{_fr(figures['cpu_ms_per_verify'], 1)} ms de CPU par vérification (tous fils d'exécution compris)"
    )
    print(_others_line(figures["others"], "  Autres processus de la machine pendant la mesure"))


# --- Reports -------------------------------------------------------------------------------------

CODE_READING = """\
Opérations Argon2 d'une connexion réussie, à la lecture du code :
  1. accounts/views.py login_view → LoginForm.is_valid() → accounts/forms.py LoginForm.clean() →
     django.contrib.auth.authenticate() : AxesStandaloneBackend.authenticate (verrouillage, requêtes SQL, aucun
     hachage) puis ModelBackend.authenticate → User.check_password() → hashers.check_password() →
     Argon2PasswordHasher.verify() : 1 vérification.
  – Pas de ré-empreinte : check_password n'appelle le setter (set_password + save, un 2e Argon2) que si
    must_update() est vrai, c.-à-d. si l'empreinte stockée n'a pas les paramètres courants (t=2, m=102400, p=8) ;
    les comptes du banc sont hachés avec ces paramètres.
  – login() : nouvelle clé de session et get_session_auth_hash() = HMAC-SHA256 de l'empreinte, pas d'Argon2 ;
    LoginForm.confirm_login_allowed() / apart_access() : SQL seulement ; ip_lockout_remaining() et les signaux
    de django-axes : SQL seulement ; GET / : rien.
  – (Hors banc : un identifiant inconnu coûte 1 encode Argon2 dans ModelBackend, contre la mesure du temps.)
  → {expected} opération Argon2 par connexion."""


def _print_probe(result: dict, establishments: int) -> int:
    print("\n=== Dans ce processus (django.test.Client, mêmes requêtes, base du banc) ===")
    for request, figures in result["requests"].items():
        hashes = figures["hashes"]
        spent = sum(record[1] for record in hashes)
        detail = f" ({_ms(spent)} de hachage)" if hashes else ""
        print(
            f"  {request:<28} HTTP {figures['status']} · {len(figures['queries']):>2} requêtes SQL · "
            f"{len(hashes)} opération(s) Argon2{detail} · {_ms(figures['seconds'], 1)}"
        )
    print(CODE_READING.format(expected=ARGON2_PER_LOGIN_FROM_THE_CODE))
    login_hashes = result["login_hashes"]
    print(f"Mesuré sur une connexion : {len(login_hashes)} opération(s)")
    for name, seconds, where, chain in login_hashes:
        print(f"  - {name} ({_ms(seconds)}) demandé par {where}\n      via {chain}")
    if len(login_hashes) != ARGON2_PER_LOGIN_FROM_THE_CODE:
        print(f"  ÉCART avec la lecture du code ({ARGON2_PER_LOGIN_FROM_THE_CODE}) !")
    print(f"Opérations Argon2 pendant GET /espace/ et GET /espace/etablissements/ : {result['space_hashes']}")
    for request in (f"POST {LOGIN}", f"GET {SPACE}", f"GET {ESTABLISHMENTS}"):
        queries = result["requests"][request]["queries"]
        who = "" if request.startswith("POST") else f" (compte à {establishments} établissements)"
        print(f"Requêtes SQL de {request}{who} : {len(queries)}")
        for sql in queries:
            print(f"    {' '.join(sql.split())[:150]}")
    return len(login_hashes)


def _print_load(load: dict, args) -> dict:
    results = load["results"]
    start, end = load["measure_start"], load["measure_end"]
    measured = [item for result in results for item in result.successes if start <= item[0] <= end]
    failures_all = [item for result in results for item in result.failures]
    failures_in = [item for item in failures_all if start <= item[0] <= end]
    successes_all = sum(len(result.successes) for result in results)
    rate = len(measured) / args.seconds
    print(
        f"\n=== Charge HTTP : {args.workers} workers gunicorn (sync), {args.clients} clients, "
        f"{_fr(args.warmup)} s de chauffe + {_fr(args.seconds)} s mesurées ==="
    )
    print(f"Connexions réussies pendant la mesure : {len(measured)} → {_fr(rate, 2)} connexions/s")
    if measured:
        for label, position in (("POST /connexion/ (302 vers /espace/)", 3), ("GET / (jeton CSRF)", 2),
                                ("Connexion complète (GET + POST)", 1)):  # fmt: skip
            values = [item[position] for item in measured]
            print(
                f"  {label:<38} p50 {_ms(_percentile(values, 50)):>8} · p99 {_ms(_percentile(values, 99)):>8}"
                f" · max {_ms(max(values)):>8}"
            )
    print(
        f"Échecs : {len(failures_in)} pendant la mesure · {len(failures_all)} au total "
        f"(chauffe et fin comprises) ; connexions réussies au total : {successes_all}"
    )
    for _, failure in failures_all[:5]:
        print(f"  - {failure}")
    if load["stuck"]:
        print(f"Clients encore bloqués à la fin : {', '.join(load['stuck'])}")
    cpu = load["cpu"]
    if "start" in cpu and "end" in cpu and measured:
        (w0, c0, (b0, t0), n0), (w1, c1, (b1, t1), n1) = cpu["start"], cpu["end"]
        count = len(measured)
        print(
            f"CPU par connexion pendant la mesure : workers gunicorn {_ms((w1 - w0) / count, 1)}, "
            f"client de charge (ce processus) {_ms((c1 - c0) / count, 1)} ; les workers ont occupé "
            f"{_fr((w1 - w0) / (n1 - n0), 2)} cœur(s) en moyenne"
        )
        print(
            f"Occupation des {os.cpu_count()} cœurs de la machine pendant la mesure (tous processus) : "
            f"{_fr(100 * (b1 - b0) / max(1, t1 - t0))} %"
        )
    if "all_start" in cpu and "all_end" in cpu:
        ours = {os.getpid(), *CHILDREN.gunicorn_workers}
        if CHILDREN.gunicorn is not None:
            ours.add(CHILDREN.gunicorn.pid)
        others = _others(cpu["all_start"], cpu["all_end"], ours)
        print(_others_line(others, "Autres processus de la machine pendant la mesure"))
    worker_cpu = None
    if "start" in cpu and "end" in cpu and measured:
        worker_cpu = (cpu["end"][0] - cpu["start"][0]) / len(measured)
    return {"rate": rate, "successes_all": successes_all, "failures_all": len(failures_all), "worker_cpu": worker_cpu}


def _check_axes(expected_logins: int) -> bool:
    import psycopg

    with psycopg.connect(BENCH_URL) as connection:

        def one(sql):
            return connection.execute(sql).fetchone()[0]

        attempts = one("SELECT count(*) FROM axes_accessattempt")
        failures = one("SELECT coalesce(sum(failures_since_start), 0) FROM axes_accessattempt")
        failure_log = one("SELECT count(*) FROM axes_accessfailurelog")
        access_log = one("SELECT count(*) FROM axes_accesslog")
        sessions = one("SELECT count(*) FROM django_session")
    print("\n=== django-axes après le banc ===")
    print(f"  AccessAttempt (échecs en cours) : {attempts} ligne(s), {failures} échec(s)  (attendu 0)")
    print(f"  AccessFailureLog (journal des échecs) : {failure_log}  (attendu 0)")
    print(
        f"  AccessLog (une ligne par connexion réussie) : {access_log}  (attendu {expected_logins}) "
        f"{'OK' if access_log == expected_logins else 'ÉCART'}"
    )
    print(f"  Sessions en base : {sessions}")
    return failures == 0 and failure_log == 0 and attempts == 0


# --- The run -------------------------------------------------------------------------------------


def _server_env(static_root: str, port: int, args) -> dict:
    env = dict(os.environ)
    for name in ("REDIS_URL", "INSEE_API_KEY", "CSRF_TRUSTED_ORIGINS", "CONN_MAX_AGE", "AXES_ENABLED"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="apart.settings",
        DEBUG="0",
        SECRET_KEY="bench-login-" + secrets.token_hex(24),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=BENCH_URL,
        CELERY_BROKER_URL="",
        EMAIL_URL="dummymail://",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=static_root,
        SITE_URL=f"http://127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if args.conn_max_age is not None:
        env["CONN_MAX_AGE"] = str(args.conn_max_age)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="durée mesurée (s)")
    parser.add_argument("--warmup", type=float, default=3, help="chauffe avant la mesure (s)")
    parser.add_argument("--workers", type=int, default=2, help="workers gunicorn")
    parser.add_argument("--clients", type=int, default=4, help="clients HTTP concurrents (threads)")
    parser.add_argument("--users", type=int, default=200, help="comptes qui se connectent à tour de rôle")
    parser.add_argument("--establishments", type=int, default=500, help="établissements du compte « expert »")
    parser.add_argument("--pages", type=int, default=50, help="GET de chacune des deux pages de l'espace")
    parser.add_argument("--hash-seconds", type=float, default=5, help="durée de la mesure des vérifications (s)")
    parser.add_argument("--distinct-passwords", action="store_true", help="un mot de passe (et un hachage) par compte")
    parser.add_argument("--conn-max-age", type=int, help="CONN_MAX_AGE de gunicorn (défaut : celui de l'appli)")
    parser.add_argument("--request-timeout", type=float, default=60, help="délai maximal d'une requête (s)")
    parser.add_argument("--time-limit", type=float, help="limite dure de tout le banc (s)")
    parser.add_argument("--keep", action="store_true", help=f"garder la base {BENCH_DATABASE}")
    args = parser.parse_args()
    if not (
        args.seconds > 0 and args.warmup >= 0 and args.workers >= 1 and args.clients >= 1
        and 1 <= args.users <= 100_000 and 1 <= args.establishments <= 100_000 and 1 <= args.pages <= 10_000
        and args.hash_seconds > 0
    ):  # fmt: skip
        parser.error("valeurs invalides")

    time_limit = args.time_limit or (
        300 + args.warmup + args.seconds + 4 * args.hash_seconds + args.pages * 2 + args.users / 5
    )
    CHILDREN.keep_database = args.keep
    atexit.register(CHILDREN.cleanup)

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(f"limite dure de {_fr(time_limit)} s atteinte")

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.alarm(math.ceil(time_limit))
    sys.path.insert(0, str(ROOT))
    try:
        return _run(args)
    except TimeLimitExceeded as error:
        print(f"\nArrêt : {error}.", file=sys.stderr)
        return 3
    finally:
        CHILDREN.cleanup()


def _run(args) -> int:
    port = _free_port()
    CHILDREN.static_root = tempfile.mkdtemp(prefix="bench_login_static_")
    env = _server_env(CHILDREN.static_root, port, args)
    print(
        f"Machine : {os.cpu_count()} cœurs · charge moyenne (1/5/15 min) {_load()} · base {BENCH_DATABASE} "
        f"sur 127.0.0.1:5432 · {datetime.datetime.now():%d/%m/%Y %H:%M}"
    )

    started = time.perf_counter()
    _recreate_database()
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "collectstatic", "--noinput", "-v", "0")
    migrated = time.perf_counter() - started

    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    setup = create_accounts(args.users, args.establishments, args.distinct_passwords, os.cpu_count())
    encoded = setup["hash"]
    print(
        f"Base créée, migrée, statiques collectés en {_fr(migrated, 1)} s ; {args.users} comptes (1 habilitation "
        f"APART active chacun) + « {EXPERT} » ({args.establishments} établissements habilités) en "
        f"{_fr(setup['total'], 1)} s dont {_fr(setup['hashing'], 1)} s de hachage "
        f"({'un mot de passe par compte, pool de processus' if args.distinct_passwords else 'une empreinte réutilisée'})"
    )
    print(
        f"Empreinte : {encoded.split('$', 3)[0]}${encoded.split('$')[1]}${encoded.split('$')[3]} · "
        f"AXES_ENABLED={settings.AXES_ENABLED} · AXES_FAILURE_LIMIT={settings.AXES_FAILURE_LIMIT} · "
        f"LOGIN_IP_FAILURE_LIMIT={settings.LOGIN_IP_FAILURE_LIMIT} · CONN_MAX_AGE="
        f"{settings.DATABASES['default']['CONN_MAX_AGE']}"
    )

    probed = probe(args.users, args.distinct_passwords)
    hashes_per_login = _print_probe(probed, args.establishments) or ARGON2_PER_LOGIN_FROM_THE_CODE
    logins = 2  # the probe's two logins

    title = "\n=== Limite imposée par le hachage (check_password, Argon2 par défaut : t=2, m=100 Mio, p=8), {} ==="
    verify_password = user_password(0, args.distinct_passwords)
    encoded_0 = encoded if not args.distinct_passwords else _encoded_of("banc.connexion0")
    print(title.format(f"avant la charge — charge moyenne {_load()}"))
    before = measure_verifies(args.workers, args.hash_seconds, encoded_0, verify_password)
    _print_verifies(before, f"{args.workers} processus (autant que de workers gunicorn)")

    with tempfile.NamedTemporaryFile("w+", prefix="bench_login_gunicorn_", suffix=".log") as log:
        start_gunicorn(env, args.workers, port, log)
        print(f"\ngunicorn prêt sur 127.0.0.1:{port} ({args.workers} workers : {sorted(CHILDREN.gunicorn_workers)})")
        browser = HttpBrowser(port, args.request_timeout)
        try:
            timings: dict[str, float] = {}
            log_in(browser, "banc.connexion0", verify_password, timings)
        except LoginFailed as failure:
            print(f"La première connexion par HTTP a échoué : arrêt.\n{failure}", file=sys.stderr)
            if failure.page is not None:
                print(failure.page.body[:4000], file=sys.stderr)
            print(f"\nJournal de gunicorn :\n{_tail(log)}", file=sys.stderr)
            return 1
        finally:
            browser.close()
        logins += 1
        print(
            f"Première connexion par HTTP réussie : GET / {_ms(timings['GET /'])} · "
            f"POST /connexion/ {_ms(timings['POST /connexion/'])}"
        )

        load_before = _load()
        load = run_load(port, args)
        summary = _print_load(load, args)
        logins += summary["successes_all"]
        print(f"Charge moyenne de la machine (1/5/15 min) : avant {load_before}, après {_load()}")

        print(
            f"\n=== L'espace du compte à {args.establishments} établissements : {args.pages} GET successifs par page, "
            "sans autre charge ==="
        )
        try:
            space = measure_space(port, args)
        except LoginFailed as failure:
            print(f"Échec : {failure}", file=sys.stderr)
            space = {}
        else:
            logins += 1
        queries = {path: len(probed["requests"][f"GET {path}"]["queries"]) for path in (SPACE, ESTABLISHMENTS)}
        others = space.pop("others", None)
        for path, values in space.items():
            p50, p99 = _percentile(values, 50), _percentile(values, 99)
            target = ""
            if path == SPACE:
                target = f" (objectif < {SPACE_TARGET_MS} ms : {'atteint' if p99 * 1000 < SPACE_TARGET_MS else 'NON'})"
            slowest = max(range(len(values)), key=values.__getitem__)
            print(
                f"  GET {path:<24} p50 {_ms(p50, 1):>9} · p99 {_ms(p99, 1):>9} · max {_ms(max(values), 1):>9}"
                f" (n° {slowest + 1}/{len(values)}) · {queries[path]} requêtes SQL{target}"
            )
        if space:
            print(_others_line(others, "  Autres processus de la machine pendant ces GET"))
        errors = [line for line in _tail(log, 400).splitlines() if "Error" in line or "Traceback" in line]
        if errors:
            print(f"Journal de gunicorn : {len(errors)} ligne(s) d'erreur, dont : {errors[0][:300]}")
        CHILDREN.stop_gunicorn()

    axes_clean = _check_axes(logins)

    print(title.format(f"après la charge — charge moyenne {_load()}"))
    after = measure_verifies(args.workers, args.hash_seconds, encoded_0, verify_password)
    _print_verifies(after, f"{args.workers} processus (autant que de workers gunicorn)")
    rate = (before["total_rate"] + after["total_rate"]) / 2
    limit = rate / hashes_per_login
    percent = 100 * summary["rate"] / limit
    print(
        f"\nVérifications/s retenues (moyenne avant/après, {args.workers} processus) : {_fr(rate, 2)} ; "
        f"{_fr((before['ms_per_verify'] + after['ms_per_verify']) / 2, 1)} ms par vérification ; "
        f"opérations Argon2 par connexion : {hashes_per_login}"
    )
    print(f"Limite : {_fr(rate, 2)} ÷ {hashes_per_login} = {_fr(limit, 2)} connexions/s")
    print(
        f"Atteint : {_fr(summary['rate'], 2)} connexions/s = {_fr(percent, 1)} % de la limite "
        f"(objectif ≥ {LOGIN_TARGET_PERCENT} % : {'atteint' if percent >= LOGIN_TARGET_PERCENT else 'NON atteint'})"
    )
    if summary["worker_cpu"]:
        verify_cpu = (before["cpu_ms_per_verify"] + after["cpu_ms_per_verify"]) / 2000 * hashes_per_login
        print(
            f"Indépendant des autres processus de la machine : {_ms(verify_cpu, 1)} de CPU Argon2 sur "
            f"{_ms(summary['worker_cpu'], 1)} de CPU des workers par connexion = "
            f"{_fr(100 * verify_cpu / summary['worker_cpu'], 1)} % (le reste : GET /, SQL, gabarits, session)"
        )
    ok = summary["failures_all"] == 0 and axes_clean and bool(space)
    return 0 if ok else 1


def _encoded_of(identifiant: str) -> str:
    from accounts.models import User

    return User.objects.values_list("password", flat=True).get(identifiant=identifiant)


if __name__ == "__main__":
    sys.exit(main())
