"""Benchmark of MON ESPACE PERSONNEL over HTTP: logins on gunicorn + PostgreSQL, and the space (not a test).

    .venv/bin/python bench/bench_login.py [--seconds 20] [--workers 2] [--clients 4] [--warmup 3] [--users 200]
        [--establishments 500] [--pages 50] [--hash-seconds 5] [--distinct-passwords] [--cpu-logins 20]
        [--database apart_bench_login] [--conn-max-age S]
        [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_login` on 127.0.0.1:5432, migrates it, collects the static files into a
   temporary STATIC_ROOT (DEBUG=0 uses whitenoise's manifest storage), then creates --users accounts with a known
   password and an active APART habilitation on an establishment of their own, and one account (an expert-comptable)
   with active APART habilitations on --establishments establishments. The passwords are hashed with Django's
   default Argon2: once, the same encoded hash reused by every account (the salt changes nothing to the cost of a
   verification), or one per account in a process pool with --distinct-passwords.
2. In this process, through django.test.Client (CSRF checks enforced): one login, with the Argon2 operations it
   runs (counted by wrapping the hashers, with the place in the code that asked for them) and its SQL queries; and
   the SQL queries of /espace/ and /espace/etablissements/ for the account with --establishments establishments
   (who chooses « Plus tard » at the double authentification his 500 establishments ask for); then the CPU of this
   process outside Argon2, per request, over --cpu-logins more logins (one client reused, as a gunicorn worker).
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

import datetime
import functools
import itertools
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import time
from urllib.parse import urlsplit

# The stack shared with bench_account_creation.py: processes, database, gunicorn, HTTP client, probe, load,
# hash-bound limit.
import _stack as stack
from _stack import ACTIVITES, CHILDREN, ENSEIGNES, fr, ms, percentile

BENCH_DATABASE = "apart_bench_login"
BENCH_URL = stack.database_url(BENCH_DATABASE)
USER_AGENT = "bench_login"

HOME, LOGIN, SPACE, ESTABLISHMENTS = "/", "/connexion/", "/espace/", "/espace/etablissements/"
TWO_FACTOR_ENROL = "/espace/mon-compte/double-authentification/activer/"
TWO_FACTOR_LATER = "/espace/mon-compte/double-authentification/plus-tard/"
PASSWORD = "Connexion-Banc;2026"
EXPERT = "banc.expert"
ARGON2_PER_LOGIN_FROM_THE_CODE = 1
LOGIN_TARGET_PERCENT = 80
SPACE_TARGET_MS = 100
CSRF_INPUT_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

VILLES = [("75011", "Paris 11e Arrondissement"), ("69003", "Lyon 3e Arrondissement"), ("33000", "Bordeaux"),
          ("59000", "Lille"), ("13001", "Marseille 1er Arrondissement"), ("31000", "Toulouse")]  # fmt: skip


# --- The accounts --------------------------------------------------------------------------------


def _siret(number: int) -> str:
    return stack.bench_siret(number, base=30_000_000)


def _hash_one(password: str) -> str:
    from django.conf import settings

    if not settings.configured:
        settings.configure(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
    from django.contrib.auth.hashers import make_password

    return make_password(password)


def user_password(number: int, distinct: bool) -> str:
    return f"Connexion-{number:04d};Banc" if distinct else PASSWORD


def _hash_passwords(count: int, distinct: bool, processes: int) -> list[str]:
    """The encoded passwords of `count` accounts: one hash reused, or one each in a process pool."""
    from django.contrib.auth.hashers import make_password

    if not distinct:
        return [make_password(PASSWORD)] * count
    context = multiprocessing.get_context("spawn")
    CHILDREN.pool = context.Pool(processes or os.cpu_count())
    hashes = CHILDREN.pool.map(_hash_one, [user_password(n, True) for n in range(count)], chunksize=4)
    CHILDREN.pool.close()
    CHILDREN.pool.join()
    CHILDREN.pool = None
    return hashes


def _establishment(n: int):
    from habilitations.models import Establishment

    code_postal, ville = VILLES[n % len(VILLES)]
    siret = _siret(n)
    return Establishment(
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


def create_accounts(users: int, establishments: int, distinct: bool, processes: int) -> dict:
    """The bench's accounts, with Django's ORM in this process (bulk inserts); the figures of the setup."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from habilitations.models import Establishment, Extranet, Habilitation, one_year_after

    started = time.perf_counter()
    hashes = _hash_passwords(users + 1, distinct, processes)
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
        places = Establishment.objects.bulk_create(
            [_establishment(n) for n in range(users + establishments)], batch_size=1000
        )
        owners = accounts[:users] + [accounts[-1]] * establishments  # the expert has the last `establishments`
        Habilitation.objects.bulk_create(
            [
                Habilitation(user=owner, establishment=place, extranet=apart, valid_from=today, valid_until=until)
                for owner, place in zip(owners, places, strict=True)
            ],
            batch_size=1000,
        )
    with connection.cursor() as cursor:
        for table in ("accounts_user", "habilitations_establishment", "habilitations_habilitation"):
            cursor.execute(f"ANALYZE {table}")
    return {"hashing": hashing, "total": time.perf_counter() - started, "hash": hashes[0]}


def _encoded_of(identifiant: str) -> str:
    from accounts.models import User

    return User.objects.values_list("password", flat=True).get(identifiant=identifiant)


# --- One login, whatever the transport -----------------------------------------------------------


class LoginFailed(stack.StepFailed):
    """A step of a login failed."""


def log_in(browser, identifiant: str, password: str, timings: dict) -> None:
    """GET / then POST /connexion/ in a new session; a 302 to /espace/ expected. Raises LoginFailed."""
    call = functools.partial(stack.timed_request, browser, timings, LoginFailed)
    browser.new_session()
    page = call("GET /", "GET", HOME)
    token = CSRF_INPUT_RE.search(page.body) if page.status == 200 else None
    if token is None:
        raise LoginFailed("GET /", f"HTTP {page.status}, jeton CSRF introuvable", page)
    form = {"csrfmiddlewaretoken": token.group(1), "username": identifiant, "password": password}
    page = call("POST /connexion/", "POST", LOGIN, form)
    if page.status != 302 or urlsplit(page.location).path != SPACE:
        errors = "; ".join(stack.page_errors(page.body)) or "(aucun message)"
        raise LoginFailed("POST /connexion/", f"HTTP {page.status} vers « {page.location} » — {errors}", page)


def postpone_two_factor(browser) -> None:
    """The expert holds more than 50 establishments: the double authentification is asked after the login, and
    « Plus tard » (the grace period) lets the session into the space, as a user would do. Raises LoginFailed."""
    page = browser.request("GET", SPACE)
    if page.status == 302 and urlsplit(page.location).path == TWO_FACTOR_ENROL:
        page = browser.request("GET", TWO_FACTOR_ENROL)
        token = CSRF_INPUT_RE.search(page.body) if page.status == 200 else None
        if token is None:
            raise LoginFailed(f"GET {TWO_FACTOR_ENROL}", f"HTTP {page.status}, jeton CSRF introuvable", page)
        page = browser.request("POST", TWO_FACTOR_LATER, {"csrfmiddlewaretoken": token.group(1)})
        if page.status != 302 or urlsplit(page.location).path != SPACE:
            raise LoginFailed(f"POST {TWO_FACTOR_LATER}", f"HTTP {page.status} vers « {page.location} »", page)


# --- The probe: Argon2 operations and SQL queries, in this process --------------------------------


def probe(users: int, distinct: bool) -> dict:
    """One login (Argon2 operations, SQL queries) and the SQL queries of the space, through django.test.Client."""
    from django.db import connection

    records: list = []
    figures: dict = {}
    with stack.counting_hashes(records):
        log_in(stack.ProbeBrowser(records, figures), "banc.connexion0", user_password(0, distinct), {})
        login_records = list(records)
        expert = stack.ProbeBrowser(records, figures)
        log_in(expert, EXPERT, user_password(users, distinct), {})
        postpone_two_factor(expert)
        for path in (SPACE, ESTABLISHMENTS):
            page = expert.request("GET", path)
            if page.status != 200:
                raise SystemExit(f"GET {path} répond {page.status} dans ce processus")
        space_hashes = len(records) - 2 * len(login_records)
    connection.close()
    return {"requests": figures, "login_hashes": login_records, "space_hashes": space_hashes}


# --- The HTTP load -------------------------------------------------------------------------------


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


def run_load(port, args) -> dict:
    rotation = Rotation(args.users, args.distinct_passwords)

    def next_task():
        identifiant, password = rotation.next()
        return lambda browser, timings: log_in(browser, identifiant, password, timings)

    tasks = [next_task] * args.clients
    return stack.run_clients(
        port, tasks, args, user_agent=USER_AGENT, noun="connexion", settle=3, poll=0.02, whole_machine=True
    )


def measure_space(port: int, args) -> dict:
    """The expert logs in once; then /espace/ and /espace/etablissements/, --pages times each, sequentially."""
    browser = stack.HttpBrowser(port, args.request_timeout, USER_AGENT)
    checks = {
        SPACE: ["BONJOUR,", EXPERT, "Mes Etablissements", f"Voir tous mes Etablissements ({args.establishments})"],
        ESTABLISHMENTS: [f"{args.establishments} établissements", "Page 1 sur"],
    }
    try:
        log_in(browser, EXPERT, user_password(args.users, args.distinct_passwords), {})
        postpone_two_factor(browser)
        timings = {}
        snapshot = stack.all_cpu()
        for path, expected in checks.items():
            timings[path] = _get_pages(browser, path, expected, args)
        timings["others"] = stack.others_cpu(snapshot, stack.all_cpu(), CHILDREN.our_pids())
        return timings
    finally:
        browser.close()


def _get_pages(browser, path: str, expected: list[str], args) -> list[float]:
    """--pages timed GETs of `path` (after an unmeasured warm-up); the page must hold `expected`."""
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
    return values


# --- Reports -------------------------------------------------------------------------------------

CODE_READING = """\
Opérations Argon2 d'une connexion réussie, à la lecture du code :
  1. espace/views.py login_view → ApartLoginForm.is_valid() → accounts/forms.py LoginForm.clean() →
     django.contrib.auth.authenticate() : AxesStandaloneBackend.authenticate (verrouillage, requêtes SQL, aucun
     hachage) puis ModelBackend.authenticate → User.check_password() → hashers.check_password() →
     Argon2PasswordHasher.verify() : 1 vérification.
  – Pas de ré-empreinte : check_password n'appelle le setter (set_password + save, un 2e Argon2) que si
    must_update() est vrai, c.-à-d. si l'empreinte stockée n'a pas les paramètres courants (t=2, m=102400, p=8) ;
    les comptes du banc sont hachés avec ces paramètres.
  – login() : nouvelle clé de session et get_session_auth_hash() = HMAC-SHA256 de l'empreinte, pas d'Argon2 ;
    espace/forms.py ApartLoginForm.confirm_login_allowed() / habilitations/perms.py can_enter_apart() : SQL
    seulement ; ip_lockout_remaining() et les signaux de django-axes : SQL seulement ; GET / : rien.
  – (Hors banc : un identifiant inconnu coûte 1 encode Argon2 dans ModelBackend, contre la mesure du temps.)
  → {expected} opération Argon2 par connexion."""


def _print_probe(result: dict, establishments: int) -> int:
    print("\n=== Dans ce processus (django.test.Client, mêmes requêtes, base du banc) ===")
    for request, figures in result["requests"].items():
        hashes = figures["hashes"]
        spent = sum(record[1] for record in hashes)
        detail = f" ({ms(spent)} de hachage)" if hashes else ""
        print(
            f"  {request:<28} HTTP {figures['status']} · {len(figures['sql']):>2} requêtes SQL · "
            f"{len(hashes)} opération(s) Argon2{detail} · {ms(figures['seconds'], 1)}"
        )
    print(CODE_READING.format(expected=ARGON2_PER_LOGIN_FROM_THE_CODE))
    login_hashes = result["login_hashes"]
    print(f"Mesuré sur une connexion : {len(login_hashes)} opération(s)")
    for name, seconds, where, chain in login_hashes:
        print(f"  - {name} ({ms(seconds)}) demandé par {where}\n      via {chain}")
    if len(login_hashes) != ARGON2_PER_LOGIN_FROM_THE_CODE:
        print(f"  ÉCART avec la lecture du code ({ARGON2_PER_LOGIN_FROM_THE_CODE}) !")
    print(f"Opérations Argon2 pendant GET /espace/ et GET /espace/etablissements/ : {result['space_hashes']}")
    for request in (f"POST {LOGIN}", f"GET {SPACE}", f"GET {ESTABLISHMENTS}"):
        queries = result["requests"][request]["sql"]
        who = "" if request.startswith("POST") else f" (compte à {establishments} établissements)"
        print(f"Requêtes SQL de {request}{who} : {len(queries)}")
        for _, sql in queries:
            print(f"    {' '.join(sql.split())[:150]}")
    return len(login_hashes)


def _print_load(load: dict, args) -> dict:
    summary = stack.load_figures(load, args)
    measured = summary["measured"]
    print(f"Connexions réussies pendant la mesure : {len(measured)} → {fr(summary['rate'], 2)} connexions/s")
    if measured:
        for label, values in (
            ("POST /connexion/ (302 vers /espace/)", [item[2]["POST /connexion/"] for item in measured]),
            ("GET / (jeton CSRF)", [item[2]["GET /"] for item in measured]),
            ("Connexion complète (GET + POST)", [item[1] for item in measured]),
        ):
            print(
                f"  {label:<38} p50 {ms(percentile(values, 50)):>8} · p99 {ms(percentile(values, 99)):>8}"
                f" · max {ms(max(values)):>8}"
            )
    stack.print_failures(load, summary, "connexions")
    summary["worker_cpu"] = stack.print_load_cpu(load, len(measured), "connexion", decimals=1)
    summary["load"] = load
    return summary


def _print_space(space: dict, probed: dict) -> None:
    queries = {path: len(probed["requests"][f"GET {path}"]["sql"]) for path in (SPACE, ESTABLISHMENTS)}
    others = space.pop("others", None)
    for path, values in space.items():
        p50, p99 = percentile(values, 50), percentile(values, 99)
        target = ""
        if path == SPACE:
            target = f" (objectif < {SPACE_TARGET_MS} ms : {'atteint' if p99 * 1000 < SPACE_TARGET_MS else 'NON'})"
        slowest = max(range(len(values)), key=values.__getitem__)
        print(
            f"  GET {path:<24} p50 {ms(p50, 1):>9} · p99 {ms(p99, 1):>9} · max {ms(max(values), 1):>9}"
            f" (n° {slowest + 1}/{len(values)}) · {queries[path]} requêtes SQL{target}"
        )
    if space:
        print(stack.others_line(others, "  Autres processus de la machine pendant ces GET"))


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


def _print_limit(args, summary: dict, before: dict, after: dict, hashes_per_login: int) -> None:
    """The hash-bound limit, the achieved rate as a percentage of it, and the CPU-time figure."""
    rate = (before["total_rate"] + after["total_rate"]) / 2
    limit = rate / hashes_per_login
    percent = 100 * summary["rate"] / limit
    print(
        f"\nVérifications/s retenues (moyenne avant/après, {args.workers} processus) : {fr(rate, 2)} ; "
        f"{fr((before['ms_per_op'] + after['ms_per_op']) / 2, 1)} ms par vérification ; "
        f"opérations Argon2 par connexion : {hashes_per_login}"
    )
    print(f"Limite : {fr(rate, 2)} ÷ {hashes_per_login} = {fr(limit, 2)} connexions/s")
    print(
        f"Atteint : {fr(summary['rate'], 2)} connexions/s = {fr(percent, 1)} % de la limite "
        f"(objectif ≥ {LOGIN_TARGET_PERCENT} % : {'atteint' if percent >= LOGIN_TARGET_PERCENT else 'NON atteint'})"
    )
    if summary["worker_cpu"]:
        verify_cpu = (before["cpu_ms_per_op"] + after["cpu_ms_per_op"]) / 2000 * hashes_per_login
        print(
            f"Indépendant des autres processus de la machine : {ms(verify_cpu, 1)} de CPU Argon2 sur "
            f"{ms(summary['worker_cpu'], 1)} de CPU des workers par connexion = "
            f"{fr(100 * verify_cpu / summary['worker_cpu'], 1)} % (le reste : GET /, SQL, gabarits, session)"
        )


# --- The run -------------------------------------------------------------------------------------

HASH_TITLE = "\n=== Limite imposée par le hachage (check_password, Argon2 par défaut : t=2, m=100 Mio, p=8), {} ==="


def _measure_verifies(args, moment: str, encoded: str, password: str) -> dict:
    title = HASH_TITLE.format(f"{moment} la charge — charge moyenne {stack.load_average()}")
    return stack.measure_limit(args, title, "vérification", stack.verify_worker, encoded, password, others=True)


def main() -> int:
    global BENCH_DATABASE, BENCH_URL  # noqa: PLW0603 — the functions below read the bench's database from here
    parser = stack.argument_parser(__doc__, seconds=20, warmup=3)
    parser.add_argument("--users", type=int, default=200, help="comptes qui se connectent à tour de rôle")
    parser.add_argument("--establishments", type=int, default=500, help="établissements du compte « expert »")
    parser.add_argument("--pages", type=int, default=50, help="GET de chacune des deux pages de l'espace")
    parser.add_argument("--hash-seconds", type=float, default=5, help="durée de la mesure des vérifications (s)")
    parser.add_argument("--distinct-passwords", action="store_true", help="un mot de passe (et un hachage) par compte")
    parser.add_argument("--cpu-logins", type=int, default=20, help="connexions de la mesure du CPU hors Argon2")
    parser.add_argument("--database", default=BENCH_DATABASE, help="nom de la base du banc (supprimée et recréée)")
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    BENCH_DATABASE, BENCH_URL = args.database, stack.database_url(args.database)
    if not (
        args.seconds > 0 and args.warmup >= 0 and args.workers >= 1 and args.clients >= 1
        and 1 <= args.users <= 100_000 and 1 <= args.establishments <= 100_000 and 1 <= args.pages <= 10_000
        and args.hash_seconds > 0
    ):  # fmt: skip
        parser.error("valeurs invalides")

    time_limit = args.time_limit or (
        300 + args.warmup + args.seconds + 4 * args.hash_seconds + args.pages * 2 + args.users / 5
    )
    return stack.run_guarded(_run, args, time_limit, sigint_exits=True)


def _setup(args, env: dict) -> str:
    """The database (migrated), the static files and the bench's accounts; the encoded password of the first."""
    started = time.perf_counter()
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    stack.manage(env, "collectstatic", "--noinput", "-v", "0")
    migrated = time.perf_counter() - started

    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    setup = create_accounts(args.users, args.establishments, args.distinct_passwords, os.cpu_count())
    encoded = setup["hash"]
    print(
        f"Base créée, migrée, statiques collectés en {fr(migrated, 1)} s ; {args.users} comptes (1 habilitation "
        f"APART active chacun) + « {EXPERT} » ({args.establishments} établissements habilités) en "
        f"{fr(setup['total'], 1)} s dont {fr(setup['hashing'], 1)} s de hachage "
        f"({'un mot de passe par compte, pool de processus' if args.distinct_passwords else 'une empreinte réutilisée'})"
    )
    print(
        f"Empreinte : {encoded.split('$', 3)[0]}${encoded.split('$')[1]}${encoded.split('$')[3]} · "
        f"AXES_ENABLED={settings.AXES_ENABLED} · AXES_FAILURE_LIMIT={settings.AXES_FAILURE_LIMIT} · "
        f"LOGIN_IP_FAILURE_LIMIT={settings.LOGIN_IP_FAILURE_LIMIT} · CONN_MAX_AGE="
        f"{settings.DATABASES['default']['CONN_MAX_AGE']}"
    )
    return encoded if not args.distinct_passwords else _encoded_of("banc.connexion0")


def _first_login(port: int, args, password: str, log) -> bool:
    """One login over HTTP before the load; False (and the reason printed) when it fails."""
    browser = stack.HttpBrowser(port, args.request_timeout, USER_AGENT)
    timings: dict[str, float] = {}
    try:
        log_in(browser, "banc.connexion0", password, timings)
    except LoginFailed as failure:
        print(f"La première connexion par HTTP a échoué : arrêt.\n{failure}", file=sys.stderr)
        if failure.page is not None:
            print(failure.page.body[:4000], file=sys.stderr)
        print(f"\nJournal de gunicorn :\n{stack.tail(log)}", file=sys.stderr)
        return False
    finally:
        browser.close()
    print(
        f"Première connexion par HTTP réussie : GET / {ms(timings['GET /'])} · "
        f"POST /connexion/ {ms(timings['POST /connexion/'])}"
    )
    return True


def _run(args) -> int:
    port, env = stack.server_env(
        args, database=BENCH_DATABASE, name="login", unset=("AXES_ENABLED",), CELERY_BROKER_URL=""
    )
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    encoded_0 = _setup(args, env)

    probed = probe(args.users, args.distinct_passwords)
    hashes_per_login = _print_probe(probed, args.establishments) or ARGON2_PER_LOGIN_FROM_THE_CODE
    rotation = Rotation(args.users, args.distinct_passwords)
    in_process = stack.cpu_outside_hashing(lambda browser: log_in(browser, *rotation.next(), {}), args.cpu_logins)
    stack.print_cpu_outside(
        in_process,
        "connexion",
        "CPU d'une connexion dans ce processus (django.test.Client réutilisé, après 2 connexions)",
    )
    logins = 2 + 2 + args.cpu_logins  # the probe's two logins, the CPU measure's

    verify_password = user_password(0, args.distinct_passwords)
    before = _measure_verifies(args, "avant", encoded_0, verify_password)

    with tempfile.NamedTemporaryFile("w+", prefix="bench_login_gunicorn_", suffix=".log") as log:
        stack.start_gunicorn(env, args.workers, port, log)
        if not _first_login(port, args, verify_password, log):
            return 1
        logins += 1

        load_before = stack.load_average()
        summary = _print_load(run_load(port, args), args)
        logins += summary["successes_all"]
        print(f"Charge moyenne de la machine (1/5/15 min) : avant {load_before}, après {stack.load_average()}")

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
        _print_space(space, probed)
        stack.print_gunicorn_errors(log)
        CHILDREN.stop_gunicorn()

    axes_clean = _check_axes(logins)
    after = _measure_verifies(args, "après", encoded_0, verify_password)
    _print_limit(args, summary, before, after, hashes_per_login)
    stack.print_cpu_budget(
        summary["load"],
        len(summary["measured"]),
        "connexion",
        hash_cpu=(before["cpu_ms_per_op"] + after["cpu_ms_per_op"]) / 2000,
        hashes=hashes_per_login,
        outside=in_process["outside"],
    )
    ok = not summary["failures_all"] and axes_clean and bool(space)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
