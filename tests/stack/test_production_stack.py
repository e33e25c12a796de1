"""The production stack as a newcomer starts it: the README's « Pile de production » block, run as written.

The block is read from README.md (the ```sh block after the `<!-- pile-de-production` marker), so that the README
and this test cannot drift apart. Its `export` lines are evaluated by bash, the values of PORT, SMTP_PORT and the
services' URLs replaced by the test's (its own Redis, its own database on the test PostgreSQL server, free ports);
every other line runs as written: the one-shot commands must exit 0, the lines ending with `&` are the services
(aiosmtpd, gunicorn, the Celery worker and beat), started in the background and stopped at the end whatever
happens. Then a new person, over HTTP with a cookie jar: CRÉER MON ESPACE with a SIRET of the demo SIRENE data
(approved automatically, Cas n°1), the three e-mails read at the SMTP server (sent by the worker from the outbox),
the first login with the e-mailed identifiant and temporary password, the new password, « Mon espace ».

The security codes are read from the captcha store of the stack's database, as a person reads the image: the
settings stay the README's (no CAPTCHA_TEST_MODE).
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest

from tests.conftest import missing_service
from tests.processes import Process, RedisServer, free_port, processes, smtp_sink_messages, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parent.parent.parent
MARKER = "<!-- pile-de-production"
# What the test points at its own services; the README must set each of them.
REPLACED = ("PORT", "SMTP_PORT", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")

SIRET = "41729318000010"  # demo/data: BOULANGERIE AU PAIN DORE, 33000 Bordeaux, no space yet
DENOMINATION = "BOULANGERIE AU PAIN DORE"
COURRIEL = "lucie.fabre@example.fr"
NEW_PASSWORD = "Pain-Dore;2026"
SENT = [("habilitation", "sent"), ("identifiant", "sent"), ("mot_de_passe", "sent")]
SUBJECTS = {
    "identifiant": "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)",
    "mot_de_passe": "Mot de passe de connexion à l'Agence de Services et de Paiement (ASP)",
    "habilitation": "Habilitation à l'activité partielle",
}


# --- The README's block ----------------------------------------------------------------------------------------


def readme_block() -> list[str]:
    """The lines of the README's production block, without blank lines and comments."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(MARKER)
    fence = text.index("```sh\n", start) + len("```sh\n")
    block = text[fence : text.index("\n```", fence)]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def split_block(lines: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(environment lines, commands before the services, services, commands after them)."""
    environment = [line for line in lines if line.startswith(("export ", ". ", "source "))]
    commands = [line for line in lines if line not in environment]
    first_service = next(index for index, line in enumerate(commands) if line.endswith("&"))
    services = [line for line in commands if line.endswith("&")]
    checks = [line for line in commands[first_service:] if not line.endswith("&")]
    return environment, commands[:first_service], services, checks


def block_environment(lines: list[str], replaced: dict, base: dict) -> dict:
    """The environment the block's lines leave in bash, each variable of `replaced` given the test's value."""
    script = ["set -e"]
    seen = set()
    for line in lines:
        name = re.match(r"export (\w+)=", line)
        if name and name.group(1) in replaced:
            seen.add(name.group(1))
            line = f"export {name.group(1)}='{replaced[name.group(1)]}'"
        elif line.endswith(".venv/bin/activate"):
            # The virtualenv of `make install`: the one running the tests (a worktree may share another's).
            line = f". '{Path(sys.prefix) / 'bin' / 'activate'}'"
        script.append(line)
    assert seen == set(replaced), f"Le bloc du README ne définit pas {sorted(set(replaced) - seen)}"
    result = subprocess.run(
        ["bash", "-c", "\n".join([*script, "env -0"])], cwd=ROOT, env=base, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    return dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)


def run(line: str, env: dict, timeout: float = 300) -> str:
    result = subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"« {line} » : code {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


# --- A person's browser: cookies, forms ----------------------------------------------------------------------


class FormParser(HTMLParser):
    """The fields a browser would submit with each POST form of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._fields = self._select = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._fields = {} if (attributes.get("method") or "").lower() == "post" else None
            if self._fields is not None:
                self.forms.append(self._fields)
        elif self._fields is None:
            return
        elif tag == "input" and attributes.get("name"):
            kind = (attributes.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._fields[attributes["name"]] = attributes.get("value") or "on"
            elif kind not in ("submit", "button", "reset", "file"):
                self._fields[attributes["name"]] = attributes.get("value") or ""
        elif tag == "select":
            self._select = attributes.get("name")
        elif tag == "option" and self._select and ("selected" in attributes or self._select not in self._fields):
            self._fields[self._select] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


class Browser:
    """http.client with a cookie jar that sends the Secure cookies back over http (the test has no TLS)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        """(status, Location, body)"""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Accept-Language": "fr-FR"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body, headers["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";")[0].strip().partition("=")
            if "max-age=0" in cookie.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, urlsplit(response.getheader("Location") or "").path, text

    def get(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        assert status == 200, f"GET {path} : {status}\n{body[:3000]}"
        return body

    def post(self, path: str, form: dict, *, expect: str) -> None:
        """POST the form; the answer must be a redirect to `expect` (else the page's messages are shown)."""
        status, location, body = self.request("POST", path, form)
        assert (status, location) == (302, expect), f"POST {path} : {status} vers « {location} »\n{page_text(body)}"


def post_form(body: str, field: str) -> dict:
    """The fields of the page's POST form that has `field`."""
    parser = FormParser()
    parser.feed(body)
    forms = [fields for fields in parser.forms if field in fields]
    assert forms, f"Pas de formulaire avec le champ {field}"
    return forms[0]


def page_text(body: str) -> str:
    """The words of a page (an assertion's message)."""
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", body)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())[:3000]


# --- The test ------------------------------------------------------------------------------------------------


@pytest.fixture
def stack_database(settings):
    """A database of the test's own on the test PostgreSQL server, dropped at the end."""
    db = settings.DATABASES["default"]
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    name = f"apart_pile_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    try:
        yield f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def captcha_answer(database_url: str, form: dict) -> str:
    """The image code, as the person reads it: from the captcha store of the server's database."""
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT response FROM captcha_captchastore WHERE hashkey = %s", [form["captcha_0"]]
        ).fetchone()
    assert row, "code de sécurité introuvable"
    return row[0]


def service_name(line: str) -> str:
    names = [name for name in ("aiosmtpd", "gunicorn", "worker", "beat") if re.search(rf"\b{name}\b", line)]
    assert len(names) == 1, f"Service du README inconnu du test : « {line} »"
    return names[0]


def wait_ready(name: str, process: Process, env: dict) -> None:
    """A service of the block is ready: its port answers, or it printed that it is."""
    if name == "aiosmtpd":
        wait_until(lambda: _port_open(int(env["SMTP_PORT"]), process), timeout=30, what="aiosmtpd")
    elif name == "gunicorn":
        wait_until(lambda: _port_open(int(env["PORT"]), process), timeout=60, what="gunicorn")
    elif name == "worker":
        process.wait_for_output("ready.", timeout=90)
    else:
        process.wait_for_output("beat: Starting", timeout=60)


def _port_open(port: int, process: Process) -> bool:
    if not process.running:
        raise AssertionError(f"{process.name} s'est arrêté :\n{process.output()[-4000:]}")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def outbox(database_url: str) -> list[tuple[str, str]]:
    with psycopg.connect(database_url) as connection:
        return sorted(connection.execute("SELECT kind, status FROM outbox_outboxemail").fetchall())


def mail_for(messages, kind: str):
    # A long subject is folded after « Subject: »: the mail reader shows it without the fold's space.
    matching = [message for message in messages if message["Subject"].strip() == SUBJECTS[kind]]
    assert len(matching) == 1, f"courriel « {SUBJECTS[kind]} » : {len(matching)} reçu(s)"
    assert matching[0]["To"] == COURRIEL
    return matching[0].get_body(("plain",)).get_content()


@contextlib.contextmanager
def logs_on_failure(started: list[Process]):
    """On a failure, the end of each process's log in the test's report (CI keeps no temporary folder)."""
    try:
        yield
    except BaseException:
        for process in started:
            print(f"===== {process.name} ({process.log_path})\n{process.output()[-3000:]}")
        raise


def test_the_readme_commands_start_the_stack_and_a_new_person_gets_a_space(tmp_path, stack_database):
    environment, preparation, services, checks = split_block(readme_block())
    for program in ("redis-server", *(["curl"] if any(line.startswith("curl ") for line in checks) else [])):
        if not shutil.which(program):
            missing_service(f"{program} absent : la pile du README en a besoin")
    app_variables = {re.match(r"export (\w+)=", line).group(1) for line in environment if line.startswith("export")}
    base = {key: value for key, value in os.environ.items() if key not in app_variables | {"DJANGO_SETTINGS_MODULE"}}
    base.update(
        PYTHONUNBUFFERED="1",  # the services' output reaches their log as it is printed (aiosmtpd's e-mails)
        PYTHONPATH=str(ROOT),  # this checkout's code, whatever the virtualenv's editable install points to
        STATIC_ROOT=str(tmp_path / "static"),
        CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "celerybeat-schedule"),
        WEB_CONCURRENCY="2",
    )

    with processes(tmp_path) as started, logs_on_failure(started):
        redis = RedisServer(tmp_path).start()
        started.append(redis)
        replaced = {
            "PORT": str(free_port()),
            "SMTP_PORT": str(free_port()),
            "DATABASE_URL": stack_database,
            "CELERY_BROKER_URL": redis.url(0),
            "REDIS_URL": redis.url(1),
        }
        env = block_environment(environment, replaced, base)
        assert env["DEBUG"] == "0" and len(env["SECRET_KEY"]) >= 50
        site = f"http://127.0.0.1:{env['PORT']}"
        assert env["SITE_URL"] == site and env["EMAIL_URL"] == f"smtp://127.0.0.1:{env['SMTP_PORT']}"

        # collectstatic (whitenoise compresses every file) touches no database: alongside the others.
        background = [
            Process(f"preparation-{index}", ["bash", "-c", line], env=env, log_dir=tmp_path).start()
            for index, line in enumerate(preparation)
            if "collectstatic" in line
        ]
        started.extend(background)
        for line in preparation:
            if "collectstatic" not in line:
                run(line, env)
        for process in background:
            assert process.wait(600) == 0, process.output()[-4000:]

        sink = None
        for line in services:
            name = service_name(line)
            process = Process(name, ["bash", "-c", f"exec {line.removesuffix('&')}"], env=env, log_dir=tmp_path)
            started.append(process.start())
            wait_ready(name, process, env)
            if name == "aiosmtpd":
                sink = process
        assert sink is not None, "Pas de serveur SMTP dans le bloc du README"

        # The operator's checks, each exiting 0: check_stack names every service OK, /sante/ none down.
        outputs = {line: run(line, env, timeout=60) for line in checks}
        stack_lines = next(output for line, output in outputs.items() if "check_stack" in line).splitlines()
        for service in ("Base de données", "Redis (cache)", "Broker Celery (Redis)", "Serveur SMTP"):
            assert any(line.startswith(f"{service} : OK") for line in stack_lines), stack_lines
        assert any('"en_panne": []' in output for output in outputs.values())  # curl /sante/

        # CRÉER MON ESPACE, a new person (Cas n°1): approved at once, three e-mails.
        browser = Browser(int(env["PORT"]))
        form = post_form(browser.get("/creer-mon-espace/"), "siret")
        form.update(siret=SIRET, cgu="on", captcha_1=captcha_answer(stack_database, form))
        browser.post("/creer-mon-espace/", form, expect="/creer-mon-espace/compte/")
        form = post_form(browser.get("/creer-mon-espace/compte/"), "denomination")
        assert form["denomination"] == DENOMINATION and form["code_postal"] == "33000" and form["ville"]
        form.update(
            telephone_etablissement="05 56 00 00 00",
            courriel_etablissement="contact@pain-dore.example.fr",
            courriel_etablissement_confirm="contact@pain-dore.example.fr",
            nom="Fabre",
            prenom="Lucie",
            telephone="06 12 34 56 78",
            courriel=COURRIEL,
            courriel_confirm=COURRIEL,
            secret_question=form["secret_question"] or "Quelle est votre ville de naissance ?",
            secret_answer="Bordeaux",
            captcha_1=captcha_answer(stack_database, form),
        )
        browser.post("/creer-mon-espace/compte/", form, expect="/creer-mon-espace/demande-transmise/")
        assert "Votre demande de création de compte a bien été transmise" in browser.get(
            "/creer-mon-espace/demande-transmise/"
        )

        wait_until(
            lambda: len(smtp_sink_messages(sink.output())) >= 3, timeout=60, what="les trois courriels au serveur SMTP"
        )
        messages = smtp_sink_messages(sink.output())
        identifiant_text = mail_for(messages, "identifiant")
        identifiant = re.search(r"Voici votre identifiant de connexion :\n\n(\S+)\n", identifiant_text).group(1)
        assert identifiant == "lucie.fabre"
        password_text = mail_for(messages, "mot_de_passe")
        password = re.search(r"Voici votre nouveau mot de passe de connexion : \[(.+)\]\n", password_text).group(1)
        habilitation_text = mail_for(messages, "habilitation")
        assert f"Établissement : {DENOMINATION} (Siret {SIRET})" in habilitation_text
        assert f"({site}/)" in habilitation_text  # SITE_URL
        # Sent by the Celery worker, from the outbox rows, each once (the row is marked after the server's reply).
        wait_until(lambda: outbox(stack_database) == SENT, timeout=30, what="les trois courriels marqués envoyés")
        worker = next(process for process in started if process.name == "worker")
        assert len(re.findall(r"send_outbox_email\[[-0-9a-f]+\] succeeded", worker.output())) >= 3

        # The first login asks for a new password, then logs out; with it, « Mon espace ».
        form = post_form(browser.get("/"), "username")
        browser.post("/connexion/", {**form, "username": identifiant, "password": password},
                     expect="/premiere-connexion/mot-de-passe/")  # fmt: skip
        form = post_form(browser.get("/premiere-connexion/mot-de-passe/"), "old_password")
        form.update(old_password=password, new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD)
        browser.post("/premiere-connexion/mot-de-passe/", form, expect="/")
        assert "Votre mot de passe a été changé." in browser.get("/")
        form = post_form(browser.get("/"), "username")
        browser.post("/connexion/", {**form, "username": identifiant, "password": NEW_PASSWORD}, expect="/espace/")
        space = browser.get("/espace/")
        assert "<title>Mon espace — Activité Partielle</title>" in space
        assert DENOMINATION in space and SIRET in space

        status, _, body = browser.request("GET", "/sante/")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["en_panne"] == []
        assert {key: health[key] for key in ("database", "cache", "broker", "smtp")} == dict.fromkeys(
            ("database", "cache", "broker", "smtp"), "ok"
        )
