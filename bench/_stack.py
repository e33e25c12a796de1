"""The stack shared by the HTTP benchmarks (bench_account_creation.py, bench_login.py); not a test.

Child processes stopped by their own ids, the PostgreSQL database of a bench, gunicorn, an HTTP client with a cookie
jar, the parsing of HTML forms, the probe of hashes and SQL queries through django.test.Client, the client threads of
the load, the CPU figures of the machine, the hash-bound limit (Argon2) and the printing helpers.

The scripts import it as `_stack` (Python puts the script's folder, bench/, first on sys.path). Every process started
here is recorded in CHILDREN and stopped at exit by `run_guarded` (try/finally + atexit + a hard time limit).
"""

import argparse
import atexit
import contextlib
import http.client
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
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
ADMIN_URL = f"{POSTGRES}/postgres"
OTHERS_LIMIT = 0.15  # cores used by other processes beyond which a measure is flagged

# Words of establishment names, as SIRENE writes them.
ACTIVITES = [
    "BOULANGERIE", "GARAGE", "TRANSPORTS", "CABINET", "ATELIER", "PHARMACIE", "MENUISERIE", "RESTAURANT",
    "INFORMATIQUE", "BATIMENT", "COIFFURE", "CONSEIL", "NETTOYAGE", "FROMAGERIE", "IMPRIMERIE",
]  # fmt: skip
ENSEIGNES = ["MARTIN", "DUBOIS", "DURAND", "MOREAU", "LAURENT", "GIRARD", "BONNET", "FONTAINE", "ROUSSEAU", "BLANC"]


def database_url(name: str) -> str:
    """The URL of the bench's own database on the local PostgreSQL server."""
    return f"{POSTGRES}/{name}"


# --- Identifiers of the benches' rows ---------------------------------------------------------------------


CODE_DI_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def bench_siret(number: int, *, base: int) -> str:
    """A valid SIRET (Luhn keys) of the bench's own range: SIREN `base + number`, NIC 0001."""
    from stdnum import luhn

    siren = f"{base + number:08d}"
    siren += luhn.calc_check_digit(siren)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def bench_code_di(number: int) -> str:
    """A distinct code DI of the right shape (its check character is not needed by a bench)."""
    digits = []
    for _ in range(10):
        number, rest = divmod(number, len(CODE_DI_ALPHABET))
        digits.append(CODE_DI_ALPHABET[rest])
    return "".join(digits)


def dap_sending_form(date_debut: str, date_fin: str) -> dict:
    """A DAP's fields as an employer types them, then ENVOYER (bench/locustfile.py, bench/bench_pages.py)."""
    return {
        "motif": "conjoncture",
        "circonstances": "Baisse brutale des commandes depuis le début de l'épidémie.",
        "date_debut": date_debut,
        "date_fin": date_fin,
        "nb_salaries": "5",
        "heures_previsionnelles": "300",
        "type_activite": "reduction",
        "engagements": "Maintien dans l'emploi des salariés pendant la période.",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "AGRIFRPP",
        "titulaire": "BANC DE CHARGE",
        "action": "envoyer",
    }


def di_saisie_rows(nirs: list[str]) -> dict:
    """A DI saisie's formset (bench/locustfile.py, bench/bench_pages.py): one row per employee, as typed (French
    decimals)."""
    data = {"form-TOTAL_FORMS": str(len(nirs)), "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "100"}  # fmt: skip
    for index, nir in enumerate(nirs):
        data.update(
            {
                f"form-{index}-nom": f"SALARIE{index}",
                f"form-{index}-prenom": "Camille",
                f"form-{index}-nir": nir,
                f"form-{index}-contrat": "standard",
                f"form-{index}-duree_hebdomadaire": "35" if index % 5 else "28",
                f"form-{index}-salaire_brut_mensuel": f"{1900 + index * 37},50",
                f"form-{index}-heures_chomees": f"{30 + index % 20},5",
            }
        )
    return data


# --- Printing ------------------------------------------------------------------------------------


def fr(number: float, decimals: int = 0) -> str:
    """A number written the French way: `1 234,5`."""
    return f"{number:,.{decimals}f}".replace(",", " ").replace(".", ",")


def ms(seconds: float, decimals: int = 0) -> str:
    """Seconds as milliseconds, written the French way."""
    return f"{fr(seconds * 1000, decimals)} ms"


def percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " / ".join(fr(value, 2) for value in os.getloadavg())


def machine_line(database: str, detail: str) -> str:
    """The first line of a bench: the machine, its load, the database and `detail`."""
    return (
        f"Machine : {os.cpu_count()} cœurs · charge moyenne (1/5/15 min) {load_average()} · base {database} "
        f"sur 127.0.0.1:5432 · {detail}"
    )


# --- Processes and CPU time, from /proc ----------------------------------------------------------


def parent_pid(pid: int) -> int | None:
    """The parent of a process (None when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and parent_pid(int(entry.name)) == pid:
            found.add(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat (guest time is already in user time)."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def cpu_sample(workers: set[int], now: float) -> tuple:
    """(CPU s of `workers`, CPU s of this process, machine's (busy, total) jiffies, `now`)."""
    return sum(cpu_seconds(pid) for pid in workers), time.process_time(), machine_cpu(), now


def all_cpu() -> dict:
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
    return {"time": time.perf_counter(), "machine": machine_cpu(), "processes": processes}


def _is_postgres(name: str) -> bool:
    return name.startswith("postgres:") or ("/postgresql/" in name and "/bin/postgres" in name)


def others_cpu(before: dict, after: dict, ours: set[int]) -> dict:
    """CPU (in cores) of the processes other than the bench's between two snapshots of `all_cpu`.

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


def others_line(others: dict, label: str) -> str:
    """One line on the CPU of the other processes (flagged beyond OTHERS_LIMIT)."""
    busiest = " ; ".join(f"{fr(cores, 2)} cœur {name[:70]}" for cores, name in others["busiest"] if cores >= 0.02)
    return (
        f"{label} : {fr(others['total'], 2)} cœur(s)"
        + (f" (dont {busiest})" if busiest else "")
        + (" → MESURE PERTURBÉE" if others["total"] > OTHERS_LIMIT else "")
        + f" ; PostgreSQL (toutes bases) : {fr(others['postgres'], 2)} cœur"
    )


# --- Child processes: every one started here is stopped on exit ---------------------------------


class TimeLimitExceeded(Exception):
    """The bench's hard time limit (SIGALRM) was reached."""


class Children:
    """The processes and resources a bench started, stopped or removed by their own ids at exit (idempotent)."""

    def __init__(self):
        self.gunicorn: subprocess.Popen | None = None
        self.gunicorn_workers: set[int] = set()
        self.processes: list = []  # multiprocessing.Process
        self.pool = None  # multiprocessing.Pool
        self.stop_event = threading.Event()
        self.database: str | None = None
        self.database_created = False
        self.keep_database = False
        self.static_root: str | None = None
        self.cleanups: list = []  # callables run after gunicorn stops, before the database is dropped
        self._done = False

    def our_pids(self) -> set[int]:
        """This process, gunicorn's master and its workers."""
        ours = {os.getpid(), *self.gunicorn_workers}
        if self.gunicorn is not None:
            ours.add(self.gunicorn.pid)
        return ours

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
            if parent_pid(pid) in (process.pid, 1):
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
        for cleanup in self.cleanups:
            cleanup()
        if self.database_created and not self.keep_database:
            self._drop_database()
        if self.static_root:
            shutil.rmtree(self.static_root, ignore_errors=True)

    def _drop_database(self) -> None:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        try:
            drop_database(self.database)
        except Exception as error:  # noqa: BLE001 — reported, the rest of the clean-up goes on
            print(f"La base {self.database} n'a pas pu être supprimée : {error}", file=sys.stderr)


CHILDREN = Children()


def run_guarded(run, args, time_limit: float, *, sigint_exits: bool = False) -> int:
    """`run(args)` under a hard time limit (SIGALRM); SIGTERM (and SIGINT if asked) exits; CHILDREN cleaned up."""
    CHILDREN.keep_database = args.keep
    atexit.register(CHILDREN.cleanup)

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(f"limite dure de {fr(time_limit)} s atteinte")

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    if sigint_exits:
        signal.signal(signal.SIGINT, on_term)
    signal.alarm(math.ceil(time_limit))
    sys.path.insert(0, str(ROOT))
    try:
        return run(args)
    except TimeLimitExceeded as error:
        print(f"\nArrêt : {error}.", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("\nInterrompu.", file=sys.stderr)
        return 130
    finally:
        CHILDREN.cleanup()


# --- Command line and server settings ------------------------------------------------------------


def argument_parser(description: str, *, seconds: float, warmup: float) -> argparse.ArgumentParser:
    """The bench's parser (its docstring as description), with --seconds, --warmup, --workers, --clients."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=seconds, help="durée mesurée (s)")
    parser.add_argument("--warmup", type=float, default=warmup, help="chauffe avant la mesure (s)")
    parser.add_argument("--workers", type=int, default=2, help="workers gunicorn")
    parser.add_argument("--clients", type=int, default=4, help="clients HTTP concurrents (threads)")
    return parser


def add_server_arguments(parser, database: str) -> None:
    """--conn-max-age, --request-timeout, --time-limit, --keep."""
    parser.add_argument("--conn-max-age", type=int, help="CONN_MAX_AGE de gunicorn (défaut : celui de l'appli)")
    parser.add_argument("--request-timeout", type=float, default=60, help="délai maximal d'une requête (s)")
    parser.add_argument("--time-limit", type=float, help="limite dure de tout le banc (s)")
    parser.add_argument("--keep", action="store_true", help=f"garder la base {database}")


def server_env(args, *, database: str, name: str, unset=(), **settings) -> tuple[int, dict]:
    """A free port and the environment of `manage.py` and gunicorn: DEBUG=0 on the bench's database, static files
    collected into a temporary STATIC_ROOT (removed at exit), plus `settings`."""
    port = free_port()
    CHILDREN.static_root = tempfile.mkdtemp(prefix=f"bench_{name}_static_")
    env = dict(os.environ)
    for variable in ("REDIS_URL", "INSEE_API_KEY", "CSRF_TRUSTED_ORIGINS", "CONN_MAX_AGE", *unset):
        env.pop(variable, None)
    env.update(
        DJANGO_SETTINGS_MODULE="apart.settings",
        DEBUG="0",
        SECRET_KEY=f"bench-{name}-{secrets.token_hex(24)}",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(database),
        EMAIL_URL="dummymail://",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=CHILDREN.static_root,
        SITE_URL=f"http://127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    if args.conn_max_age is not None:
        env["CONN_MAX_AGE"] = str(args.conn_max_age)
    return port, env


# --- The database --------------------------------------------------------------------------------


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def recreate_database(name: str) -> None:
    """Drop and create the bench's database; CHILDREN drops it at exit (unless --keep)."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    CHILDREN.database, CHILDREN.database_created = name, True


def manage(env: dict, *arguments: str, timeout: float = 300) -> str:
    """`manage.py arguments` in a child process; its output (the bench stops if it fails)."""
    command = [sys.executable, "manage.py", *arguments]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise SystemExit(
            f"`manage.py {' '.join(arguments)}` a échoué ({result.returncode}) :\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class Page:
    status: int
    location: str
    body: str
    headers: list[tuple[str, str]] = field(default_factory=list)


class StepFailed(Exception):
    """A step of a scenario failed: its name, why, and the page answered (if any)."""

    def __init__(self, step: str, reason: str, page: Page | None = None):
        super().__init__(f"{step} : {reason}")
        self.step, self.reason, self.page = step, reason, page


class HttpBrowser:
    """One keep-alive http.client connection and a cookie jar that sends Secure cookies back over http."""

    def __init__(self, port: int, timeout: float, user_agent: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.user_agent = user_agent
        self.cookies: dict[str, str] = {}
        self.connects = 0

    def new_session(self) -> None:
        self.cookies.clear()

    def request(self, method: str, path: str, form: dict | None = None) -> Page:
        headers = {"Accept": "text/html", "Accept-Language": "fr-FR", "User-Agent": self.user_agent}
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
        return Page(
            response.status,
            response.getheader("Location") or "",
            data.decode("utf-8", "replace"),
            response.getheaders(),
        )

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
        return Page(
            response.status_code,
            response.headers.get("Location", ""),
            response.content.decode(),
            list(response.headers.items()),
        )


def timed_request(browser, timings: dict, failure: type[StepFailed], step: str, method: str, path: str, form=None):
    """One request of a scenario, its time in timings[step]; a network error raises `failure`."""
    started = time.perf_counter()
    try:
        page = browser.request(method, path, form)
    except (OSError, http.client.HTTPException) as error:
        raise failure(step, f"{type(error).__name__}: {error}") from error
    timings[step] = time.perf_counter() - started
    return page


# --- HTML forms and error messages ---------------------------------------------------------------

IGNORED_INPUTS = frozenset(("submit", "button", "image", "reset", "file"))


class FormParser(HTMLParser):
    """The fields a browser would submit for each form of a page (values, checked boxes, selected options)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._fields: dict | None = None
        self._select: dict | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._fields = {}
            self.forms.append({"method": (attributes.get("method") or "get").lower(), "fields": self._fields})
            return
        handler = {
            "input": self._start_input,
            "select": self._start_select,
            "option": self._start_option,
            "textarea": self._start_textarea,
        }.get(tag)
        if handler is not None and self._fields is not None:
            handler(attributes)

    def _start_input(self, attributes: dict) -> None:
        name, kind = attributes.get("name"), (attributes.get("type") or "text").lower()
        if not name or kind in IGNORED_INPUTS:
            return
        if kind in ("checkbox", "radio"):
            if "checked" in attributes:
                self._fields[name] = attributes.get("value") or "on"
            return
        self._fields[name] = attributes.get("value") or ""

    def _start_select(self, attributes: dict) -> None:
        self._select = {"name": attributes.get("name"), "first": None, "selected": None}

    def _start_option(self, attributes: dict) -> None:
        if self._select is None:
            return
        value = attributes.get("value") or ""
        if self._select["first"] is None:
            self._select["first"] = value
        if "selected" in attributes:
            self._select["selected"] = value

    def _start_textarea(self, attributes: dict) -> None:
        self._textarea = attributes.get("name")
        if self._textarea:
            self._fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            if self._fields is not None and self._select["name"]:
                chosen = self._select["selected"] if self._select["selected"] is not None else self._select["first"]
                self._fields[self._select["name"]] = chosen or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._fields = None

    def handle_data(self, data):
        if self._textarea and self._fields is not None:
            self._fields[self._textarea] += data


def post_form_fields(body: str) -> dict:
    """The fields of the page's POST form (the one that carries the CSRF token)."""
    start = body.find('<form method="post"')
    end = body.find("</form>", start)
    parser = FormParser()
    parser.feed(body[start : end + len("</form>")] if start >= 0 and end > 0 else body)
    parser.close()
    forms = [form["fields"] for form in parser.forms if form["method"] == "post"]
    forms = [fields for fields in forms if "csrfmiddlewaretoken" in fields] or forms
    return max(forms, key=len) if forms else {}


def page_errors(body: str) -> list[str]:
    """The error messages of a page: those under the fields, then the paragraphs of its error alerts."""
    found = re.findall(r'class="fr-error-text"[^>]*>(.*?)</p>', body, re.S)
    for alert in re.findall(r"fr-alert--error.*?</div>", body, re.S):
        found += re.findall(r"<p>(.*?)</p>", alert, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", error).split()) for error in found]


# --- The probe: hashes and SQL queries, in this process ------------------------------------------


def project_frame(stack) -> str:
    """Where the project's code led to a hash: 'accounts/forms.py:53 clean() → sensitive_variables_wrapper()'."""
    for index in range(len(stack) - 1, -1, -1):
        path = Path(stack[index].filename).resolve()
        if path.parent == BENCH_DIR or ROOT not in path.parents or ".venv" in path.parts:
            continue
        called = stack[index + 1].name if index + 1 < len(stack) else "?"
        return f"{path.relative_to(ROOT)}:{stack[index].lineno} {stack[index].name}() → {called}()"
    return "(hors du code du projet)"


def django_frames(stack) -> str:
    """The chain of Django's auth functions between the project and the hasher (module.function)."""
    chain = []
    for frame in stack:
        path = frame.filename.replace(os.sep, "/")
        if "django/contrib/auth/" in path and "decorators" not in path:
            step = f"{Path(path).stem.replace('__init__', 'auth')}.{frame.name}"
            if not chain or chain[-1] != step:
                chain.append(step)
    return " → ".join(chain)


# Process CPU seconds (all threads: Argon2 computes its lanes in threads) spent in the hashers that
# `counting_hashes` wraps, since the start: what a CPU measure subtracts to give the CPU outside the hashing.
HASH_CPU = [0.0]


@contextlib.contextmanager
def counting_hashes(records: list):
    """Wrap encode/verify of every Django hasher; each call appended as (name, seconds, where, chain), its CPU time
    added to HASH_CPU."""
    from django.contrib.auth import hashers

    def counting(cls, name):
        original = cls.__dict__[name]

        def wrapper(self, *args, **kwargs):
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                return original(self, *args, **kwargs)
            finally:
                HASH_CPU[0] += time.process_time() - cpu_started
                stack = traceback.extract_stack()[:-1]
                seconds = time.perf_counter() - started
                records.append((f"{cls.__name__}.{name}", seconds, project_frame(stack), django_frames(stack)))

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


class ProbeBrowser(DjangoClientBrowser):
    """django.test.Client that files, per "METHOD path": seconds, SQL queries [(seconds, sql)], hashes, status."""

    def __init__(self, records: list, figures: dict):
        super().__init__()
        self.records, self.figures = records, figures

    def request(self, method, path, form=None):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        before = len(self.records)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            page = super().request(method, path, form)
        self.figures[f"{method} {path}"] = {
            "seconds": time.perf_counter() - started,
            "sql": [(float(query["time"]), query["sql"]) for query in queries.captured_queries],
            "hashes": self.records[before:],
            "status": page.status,
        }
        return page


class CpuBrowser(DjangoClientBrowser):
    """One django.test.Client for scenario after scenario, as a gunicorn worker serves request after request (the
    middleware loaded once, the templates compiled once), the database connection closed after each request unless
    CONN_MAX_AGE keeps it (what gunicorn's request_finished does: the test client disconnects it). Files, per
    "METHOD path", the process CPU seconds of each request outside the hashers (HASH_CPU, under counting_hashes)."""

    def __init__(self):
        super().__init__()
        self.cpu: dict[str, list[float]] = {}

    def request(self, method, path, form=None):
        from django.db import close_old_connections

        hashed, started = HASH_CPU[0], time.process_time()
        page = super().request(method, path, form)
        close_old_connections()
        self.cpu.setdefault(f"{method} {path}", []).append(time.process_time() - started - (HASH_CPU[0] - hashed))
        return page


def cpu_outside_hashing(scenario, count: int, warmup: int = 2) -> dict:
    """`scenario(browser)` run warmup + count times in this process through one CpuBrowser: per request, the mean
    CPU seconds outside the hashers; per scenario, that CPU and the hashers' (the hash CPU of this process, measured
    here too). The worker's share of a scenario, measured with nothing else in the process: the load's figures
    (gunicorn) then say what the machine adds (other processes, PostgreSQL, the load's client)."""
    records: list = []
    browser = CpuBrowser()
    with counting_hashes(records):
        for _ in range(warmup):
            browser.new_session()
            scenario(browser)
        browser.cpu.clear()
        records.clear()
        hashed, started = HASH_CPU[0], time.process_time()
        for _ in range(count):
            browser.new_session()
            scenario(browser)
        total, hashing = time.process_time() - started, HASH_CPU[0] - hashed
    return {
        "requests": {request: sum(values) / count for request, values in browser.cpu.items()},
        "outside": (total - hashing) / count,
        "hashing": hashing / count,
        "hashes": len(records) / count,
        "count": count,
    }


def print_cpu_outside(figures: dict, noun: str, title: str) -> None:
    """The figures of `cpu_outside_hashing`, per request then per scenario."""
    print(f"\n=== {title} ===")
    for request, seconds in figures["requests"].items():
        print(f"  {request:<42} {ms(seconds, 1):>10} de CPU hors hachage")
    outside, hashing = figures["outside"], figures["hashing"]
    print(
        f"Par {noun} ({figures['count']} mesurées) : {ms(outside, 1)} de CPU hors hachage, {ms(hashing, 1)} de CPU "
        f"de hachage ({fr(figures['hashes'], 2)} opération(s)) → le hachage fait "
        f"{fr(100 * hashing / (hashing + outside), 1)} % du CPU du processus"
    )


# --- The HTTP load -------------------------------------------------------------------------------


@dataclass
class ClientResult:
    successes: list = field(default_factory=list)  # (finished_at, total seconds, {step: seconds})
    failures: list = field(default_factory=list)  # (finished_at, StepFailed)
    outcomes: list = field(default_factory=list)  # what each successful scenario returned
    connects: int = 0


def client_loop(browser, next_task, measure_end: float, result: ClientResult) -> None:
    """One client thread: `next_task()` gives a scenario `task(browser, timings)`, run in a new session, until the
    end of the measure; a StepFailed raised by next_task (nothing left to do) ends the client."""
    try:
        while not CHILDREN.stop_event.is_set() and time.perf_counter() < measure_end:
            try:
                task = next_task()
            except StepFailed as failure:
                result.failures.append((time.perf_counter(), failure))
                break
            browser.new_session()
            timings: dict[str, float] = {}
            started = time.perf_counter()
            try:
                outcome = task(browser, timings)
            except StepFailed as failure:
                result.failures.append((time.perf_counter(), failure))
                continue
            finished = time.perf_counter()
            result.successes.append((finished, finished - started, timings))
            result.outcomes.append(outcome)
    finally:
        result.connects = browser.connects
        browser.close()


def run_clients(port: int, next_tasks: list, args, *, user_agent: str, noun: str, settle: float, poll: float,
                whole_machine: bool = False) -> dict:  # fmt: skip
    """One thread per `next_tasks` item for --warmup + --seconds; the in-flight scenarios then end, within
    `settle` × --request-timeout + 10 s. CPU sampled at the start and end of the measure (`whole_machine`: every
    process too)."""
    started = time.perf_counter()
    window = (started + args.warmup, started + args.warmup + args.seconds)
    results = [ClientResult() for _ in next_tasks]
    threads = [
        threading.Thread(
            target=client_loop,
            args=(HttpBrowser(port, args.request_timeout, user_agent), next_task, window[1], results[index]),
            name=f"client-{index}",
            daemon=True,
        )
        for index, next_task in enumerate(next_tasks)
    ]
    for thread in threads:
        thread.start()
    hard_end = window[1] + args.request_timeout * settle + 10
    cpu = _watch(threads, results, window, hard_end, noun=noun, poll=poll, whole_machine=whole_machine)
    CHILDREN.stop_event.set()
    for thread in threads:
        thread.join(max(0.0, hard_end - time.perf_counter()))
    CHILDREN.stop_event.clear()
    return {
        "results": results,
        "measure_start": window[0],
        "measure_end": window[1],
        "cpu": cpu,
        "stuck": [thread.name for thread in threads if thread.is_alive()],
    }


def _watch(threads, results, window, hard_end, *, noun, poll, whole_machine) -> dict:
    """Samples the CPU when the measure starts and ends; stops the clients at its end, or after 50 failures and no
    success."""
    workers = set(CHILDREN.gunicorn_workers)
    cpu = {}
    while any(thread.is_alive() for thread in threads) and time.perf_counter() < hard_end:
        now = time.perf_counter()
        for edge, at in (("start", window[0]), ("end", window[1])):
            if edge not in cpu and now >= at:
                cpu[edge] = cpu_sample(workers, now)
                if whole_machine:
                    cpu[f"all_{edge}"] = all_cpu()
        if "end" in cpu:
            CHILDREN.stop_event.set()  # no new scenario; those in flight end
        if sum(len(r.failures) for r in results) >= 50 and not any(r.successes for r in results):
            print(f"50 échecs sans aucune {noun} réussie : arrêt de la charge.", file=sys.stderr)
            CHILDREN.stop_event.set()
            break
        time.sleep(poll)
    return cpu


def load_figures(load: dict, args) -> dict:
    """Prints the title of the load's report; the successes inside the measured window and their rate, the
    failures (inside it, and in all)."""
    print(
        f"\n=== Charge HTTP : {args.workers} workers gunicorn (sync), {args.clients} clients, "
        f"{fr(args.warmup)} s de chauffe + {fr(args.seconds)} s mesurées ==="
    )
    start, end = load["measure_start"], load["measure_end"]
    results = load["results"]
    measured = [item for result in results for item in result.successes if start <= item[0] <= end]
    failures_all = [item for result in results for item in result.failures]
    return {
        "measured": measured,
        "rate": len(measured) / args.seconds,
        "failures_in": [item for item in failures_all if start <= item[0] <= end],
        "failures_all": failures_all,
        "successes_all": sum(len(result.successes) for result in results),
    }


def print_failures(load: dict, figures: dict, nouns: str) -> None:
    """The failures (the first 5 of them) and the clients still stuck at the end."""
    print(
        f"Échecs : {len(figures['failures_in'])} pendant la mesure · {len(figures['failures_all'])} au total "
        f"(chauffe et fin comprises) ; {nouns} réussies au total : {figures['successes_all']}"
    )
    for _, failure in figures["failures_all"][:5]:
        print(f"  - {failure}")
    if load["stuck"]:
        print(f"Clients encore bloqués à la fin : {', '.join(load['stuck'])}")


def print_load_cpu(load: dict, count: int, noun: str, decimals: int = 0) -> float | None:
    """CPU per scenario of the gunicorn workers and of this process, the machine's use; the workers' CPU seconds
    per scenario (None without a measure)."""
    cpu, per_item = load["cpu"], None
    if "start" in cpu and "end" in cpu and count:
        (w0, c0, (b0, t0), n0), (w1, c1, (b1, t1), n1) = cpu["start"], cpu["end"]
        per_item = (w1 - w0) / count
        print(
            f"CPU par {noun} pendant la mesure : workers gunicorn {ms(per_item, decimals)}, "
            f"client de charge (ce processus) {ms((c1 - c0) / count, decimals)} ; les workers ont occupé "
            f"{fr((w1 - w0) / (n1 - n0), 2)} cœur(s) en moyenne"
        )
        print(
            f"Occupation des {os.cpu_count()} cœurs de la machine pendant la mesure (tous processus) : "
            f"{fr(100 * (b1 - b0) / max(1, t1 - t0))} %"
        )
    if "all_start" in cpu and "all_end" in cpu:
        others = others_cpu(cpu["all_start"], cpu["all_end"], CHILDREN.our_pids())
        print(others_line(others, "Autres processus de la machine pendant la mesure"))
    return per_item


def print_cpu_budget(load: dict, count: int, noun: str, *, hash_cpu: float, hashes: float, outside: float) -> None:
    """Where the CPU of one scenario goes, in ms: the hashing (`hashes` × `hash_cpu` s, measured by the processes
    that only hash), the workers outside it (in this process with nothing else: `outside` s; under the load: the
    gunicorn workers' CPU less the hashing), the load's client (this process) and PostgreSQL (every database of the
    server: other sessions' queries count too), over the `count` scenarios of the measured window."""
    cpu = load["cpu"]
    if not count or "start" not in cpu or "end" not in cpu:
        return
    (w0, c0, _, n0), (w1, c1, _, n1) = cpu["start"], cpu["end"]
    hashing, workers, client = hashes * hash_cpu, (w1 - w0) / count, (c1 - c0) / count
    rows = [
        (f"hachage ({fr(hashes, 2)} × {ms(hash_cpu, 1)}, processus qui ne font que hacher)", hashing),
        ("workers hors hachage, mesuré dans ce processus (une requête à la fois)", outside),
        ("workers hors hachage sous la charge (CPU des workers gunicorn − hachage)", workers - hashing),
        ("client de charge (ce processus : HTTP, lecture des pages)", client),
    ]
    if "all_start" in cpu and "all_end" in cpu:
        others = others_cpu(cpu["all_start"], cpu["all_end"], CHILDREN.our_pids())
        rows.append(("PostgreSQL (toutes bases du serveur, pendant la mesure)", others["postgres"] * (n1 - n0) / count))
    print(f"Où va le CPU d'une {noun} (par {noun}, fenêtre mesurée) :")
    for label, seconds in rows:
        print(f"  {label:<84} {ms(seconds, 1):>10}")
    share = 100 * hashing / (hashing + outside + client)
    print(
        f"  → hachage ÷ (hachage + workers hors hachage mesuré ici + client) = {fr(share, 1)} % : le rapport à la "
        "limite qu'atteindrait cette machine sans autre processus (moins la part de PostgreSQL)"
    )


# --- gunicorn ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def start_gunicorn(env: dict, workers: int, port: int, log) -> None:
    """gunicorn (sync workers) on 127.0.0.1:port, ready when /sante/ answers 200 and every worker is up."""
    command = [sys.executable, "-m", "gunicorn", "apart.wsgi", "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5"]  # fmt: skip
    CHILDREN.gunicorn = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        if CHILDREN.gunicorn.poll() is not None:
            raise SystemExit(f"gunicorn s'est arrêté ({CHILDREN.gunicorn.returncode}) :\n{tail(log)}")
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
            raise SystemExit(f"/sante/ répond {response.status} : {body}\n{tail(log)}")
        workers_found = children_of(CHILDREN.gunicorn.pid)
        if len(workers_found) >= workers:
            CHILDREN.gunicorn_workers = workers_found
            print(f"\ngunicorn prêt sur 127.0.0.1:{port} ({workers} workers : {sorted(workers_found)})")
            return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn n'a pas démarré en 60 s :\n{tail(log)}")


def tail(log, lines: int = 60) -> str:
    """The last lines of gunicorn's log."""
    log.flush()
    with open(log.name, encoding="utf-8", errors="replace") as handle:
        return "\n".join(handle.read().splitlines()[-lines:])


def print_gunicorn_errors(log) -> None:
    errors = [line for line in tail(log, 400).splitlines() if "Error" in line or "Traceback" in line]
    if errors:
        print(f"Journal de gunicorn : {len(errors)} ligne(s) d'erreur, dont : {errors[0][:300]}")


# --- The hash-bound limit ------------------------------------------------------------------------


def _django_hashers(**settings):
    from django.conf import settings as django_settings

    if not django_settings.configured:
        django_settings.configure(**settings)
    from django.contrib.auth import hashers

    return hashers


def _timed_loop(operation, seconds: float, index: int, start, results) -> None:
    """Says it is ready; once `start` is set, calls operation(n) as fast as one process goes for `seconds`."""
    results.put(("ready", index))
    if not start.wait(120):
        return
    count, wall_start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        operation(count)
        count += 1
        elapsed = time.perf_counter() - wall_start
        if elapsed >= seconds:
            break
    results.put(("done", index, count, elapsed, time.process_time() - cpu_start))


def hash_worker(index: int, seconds: float, start, results) -> None:
    """Django's default Argon2 hasher: `encode(password, salt)` of a new password each time."""
    hasher = _django_hashers().Argon2PasswordHasher()
    hasher.encode("échauffement", hasher.salt())  # loads the library
    _timed_loop(lambda n: hasher.encode(f"Mot-de-passe-{n};", hasher.salt()), seconds, index, start, results)


def verify_worker(index: int, seconds: float, start, results, encoded: str, password: str) -> None:
    """Django's check_password (Argon2 verify, default parameters) of `password` against `encoded`."""
    hashers = _django_hashers(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
    if not hashers.check_password(password, encoded):  # also loads the library
        results.put(("error", index, "check_password a refusé le mot de passe du banc dans un processus de mesure"))
        return
    _timed_loop(lambda n: hashers.check_password(password, encoded), seconds, index, start, results)


def measure_rate(worker, processes: int, seconds: float, *extra, others: bool = False) -> dict:
    """`processes` spawned processes running `worker` together for `seconds`: the operations per second (total and
    per process), the wall and CPU milliseconds per operation; `others`: the CPU of the other processes meanwhile."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    CHILDREN.processes = [
        context.Process(target=worker, args=(index, seconds, start, results, *extra), daemon=True)
        for index in range(processes)
    ]
    for process in CHILDREN.processes:
        process.start()
    for _ in range(processes):
        message = results.get(timeout=120)
        if message[0] != "ready":
            raise SystemExit(message[2])
    snapshot = all_cpu() if others else None
    start.set()
    done = [results.get(timeout=seconds + 120) for _ in range(processes)]
    others_figures = None
    if others:
        ours = {os.getpid(), *(process.pid for process in CHILDREN.processes)}
        others_figures = others_cpu(snapshot, all_cpu(), ours)
    CHILDREN.stop_processes()
    counts, walls, cpus = ([item[position] for item in done] for position in (2, 3, 4))
    rates = [count / wall for count, wall in zip(counts, walls, strict=True)]
    return {
        "processes": processes,
        "total_rate": sum(rates),
        "rates": rates,
        "ms_per_op": sum(walls) / sum(counts) * 1000,
        "cpu_ms_per_op": sum(cpus) / sum(counts) * 1000,
        "count": sum(counts),
        "others": others_figures,
    }


def print_rates(figures: dict, label: str, noun: str) -> None:
    """Two lines on a `measure_rate` (noun: the operation, singular), and the other processes when measured."""
    per_process = " · ".join(fr(rate, 2) for rate in figures["rates"])
    print(
        f"{label} : {fr(figures['total_rate'], 2)} {noun}s/s au total "
        f"({figures['count']} {noun}s) ; par processus : {per_process} /s"
    )
    print(
        f"  {fr(figures['ms_per_op'], 1)} ms par {noun} (temps écoulé dans un processus), "
        f"{fr(figures['cpu_ms_per_op'], 1)} ms de CPU par {noun} (tous fils d'exécution compris)"
    )
    if figures["others"] is not None:
        print(others_line(figures["others"], "  Autres processus de la machine pendant la mesure"))


def measure_limit(args, title: str, noun: str, worker, *extra, others: bool = False) -> dict:
    """Prints `title`, then `measure_rate` of `worker` for --hash-seconds in as many processes as gunicorn workers."""
    print(title)
    figures = measure_rate(worker, args.workers, args.hash_seconds, *extra, others=others)
    print_rates(figures, f"{args.workers} processus (autant que de workers gunicorn)", noun)
    return figures
