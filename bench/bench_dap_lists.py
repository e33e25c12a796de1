"""Benchmark of the DAP lists (not a test): the UD agent's queue over HTTP with 100 000 DAPs in the database, and
the employer's list for an expert-comptable holding 500 establishments and 5 000 DAPs.

    .venv/bin/python bench/bench_dap_lists.py [--daps 100000] [--establishments 20000] [--expert-establishments 500]
        [--expert-daps 5000] [--pages 50] [--workers 1] [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_dap_lists` on 127.0.0.1:5432, migrates it, collects the static files, then
   inserts with bulk_create: --establishments establishments spread over 6 départements (75, 92, 69, 33, 59, 13),
   the first --expert-establishments held by an expert-comptable (active APART habilitations), --daps DAPs of which
   --expert-daps on the expert's establishments; about 5 % Envoyée à l'UD (waiting), the others decided (accepted
   with their décision, refused) or withdrawn; a UD agent of 75 and 92 (with a TOTP device).
2. In this process, through django.test.Client: the SQL queries of /instruction/ (page 1, default filter) and of
   the first page of the employer's list.
3. gunicorn (DEBUG=0, --workers sync workers): the agent logs in over HTTP (password, then the TOTP code), then GET
   /instruction/ --pages times one after the other (after 3 unmeasured GETs): p50, p95, max.
4. The employer's list: /espace/dap/ over HTTP when the page exists, else dap.selectors.demandes_for_user with its
   first page evaluated (the count and 50 rows, as its Paginator would), in this process, --pages times.
5. Stops gunicorn and drops the database (unless --keep).
"""

import datetime
import os
import re
import sys
import tempfile
import time
from decimal import Decimal
from urllib.parse import urlsplit

import _stack as stack
from _stack import CHILDREN, fr, ms, percentile

BENCH_DATABASE = "apart_bench_dap_lists"
USER_AGENT = "bench_dap_lists"
PASSWORD = "Instruction-Banc;2026"
AGENT, EXPERT = "banc.agent", "banc.expert"
QUEUE, EMPLOYER_LIST = "/instruction/", "/espace/dap/"
TARGET_MS = 50
PAGE_SIZE = 50
CSRF_INPUT_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VILLES = [("75011", "Paris"), ("92000", "Nanterre"), ("69003", "Lyon"), ("33000", "Bordeaux"), ("59000", "Lille"),
          ("13001", "Marseille")]  # fmt: skip


def _siret(number: int) -> str:
    return stack.bench_siret(number, base=40_000_000)


def create_data(args) -> dict:
    """The bench's rows, with bulk_create; the time taken."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from dap.enums import ModeDecision, Motif, Statut, TypeActivite
    from dap.models import Decision, DemandeAutorisation
    from dap.services import departement_or_blank
    from habilitations.models import Establishment, Extranet, Habilitation, one_year_after
    from instruction.services import agent_create

    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    agent = agent_create(
        identifiant=AGENT, courriel="banc.agent@ddets.example", departements=["75", "92"], password=PASSWORD
    ).agent.user
    agent.must_set_secret_question = False
    agent.save(update_fields=["must_set_secret_question"])
    TOTPDevice.objects.create(user=agent, name="Banc", confirmed=True)
    with transaction.atomic():
        expert = User.objects.create(
            identifiant=EXPERT, courriel="banc.expert@example.fr", nom="Expert", prenom="Comptable",
            password=make_password(PASSWORD),
        )  # fmt: skip
        places = Establishment.objects.bulk_create(
            [
                Establishment(
                    siret=(siret := _siret(n)),
                    siren=siret[:9],
                    denomination=f"ÉTABLISSEMENT BANC {n:05d}",
                    numero_voie="1",
                    type_voie="Rue",
                    libelle_voie="DE LA PAIX",
                    code_postal=VILLES[n % len(VILLES)][0],
                    ville=VILLES[n % len(VILLES)][1],
                    telephone="01 43 00 00 00",
                    courriel=f"contact{n}@example.fr",
                    effectif=20,
                )  # fmt: skip
                for n in range(args.establishments)
            ],
            batch_size=2000,
        )
        apart = Extranet.objects.for_code("APART")
        Habilitation.objects.bulk_create(
            [
                Habilitation(
                    user=expert,
                    establishment=place,
                    extranet=apart,
                    valid_from=today,
                    valid_until=one_year_after(today),
                )
                for place in places[: args.expert_establishments]
            ],
            batch_size=2000,
        )
        others = places[args.expert_establishments :]
        statuts = (
            [Statut.ACCEPTEE] * 10 + [Statut.REFUSEE] * 4 + [Statut.RETIREE] * 2 + [Statut.ACCEPTEE_IMPLICITEMENT] * 3
        )
        rows = []
        for n in range(args.daps):
            place = places[n % args.expert_establishments] if n < args.expert_daps else others[n % len(others)]
            statut = Statut.ENVOYEE if n % 20 == 0 else statuts[n % len(statuts)]
            debut = today + datetime.timedelta(days=(n % 400) - 380)
            sent = now - datetime.timedelta(days=(n % 400) % 15 if statut == Statut.ENVOYEE else 400 - n % 400)
            rows.append(
                DemandeAutorisation(
                    numero=f"DAP-BANC-{n:07d}",
                    establishment=place,
                    created_by=expert,
                    motif=Motif.CONJONCTURE,
                    circonstances="Baisse des commandes.",
                    date_debut=debut,
                    date_fin=debut + datetime.timedelta(days=30),
                    nb_salaries=5,
                    heures_previsionnelles=Decimal("300"),
                    type_activite=TypeActivite.REDUCTION,
                    iban="FR7630006000011234567890189",
                    bic="AGRIFRPP",
                    titulaire="BANC",
                    statut=statut,
                    accuse_numero=f"AR-BANC-{n:07d}",
                    sent_at=sent,
                    sent_by=expert,
                    implicit_acceptance_on=timezone.localdate(sent) + datetime.timedelta(days=15)
                    if statut == Statut.ENVOYEE
                    else None,
                    decided_at=None
                    if statut in (Statut.ENVOYEE, Statut.RETIREE)
                    else sent + datetime.timedelta(days=5),
                    motif_refus="Refus du banc." if statut == Statut.REFUSEE else "",
                    departement=departement_or_blank(place.code_postal),  # as demande_send stores it
                )  # fmt: skip
            )
        demandes = DemandeAutorisation.objects.bulk_create(rows, batch_size=5000)
        Decision.objects.bulk_create(
            [
                Decision(
                    numero=f"DA-BANC-{demande.pk:07d}",
                    demande=demande,
                    date_debut=demande.date_debut,
                    date_fin=demande.date_fin,
                    heures_autorisees=Decimal("250"),
                    nb_salaries=5,
                    code_di=stack.bench_code_di(demande.pk),
                    mode=ModeDecision.IMPLICITE,
                    issued_at=demande.decided_at,
                )  # fmt: skip
                for demande in demandes
                if demande.statut in (Statut.ACCEPTEE, Statut.ACCEPTEE_IMPLICITEMENT)
            ],
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        for table in ("habilitations_establishment", "habilitations_habilitation", "dap_demandeautorisation",
                      "dap_decision"):  # fmt: skip
            cursor.execute(f"ANALYZE {table}")
    waiting = DemandeAutorisation.objects.filter(statut=Statut.ENVOYEE).count()
    return {"seconds": time.perf_counter() - started, "waiting": waiting, "agent": agent, "expert": expert}


def _employer_page_exists() -> bool:
    from django.urls import resolve

    match = resolve(EMPLOYER_LIST)
    return "coming" not in match.func.__name__ and "coming" not in getattr(match.func, "__module__", "")


def _employer_first_page(expert):
    from django.core.paginator import Paginator

    from dap.selectors import demandes_for_user

    page = Paginator(demandes_for_user(user=expert), PAGE_SIZE).get_page(1)
    return page.paginator.count, [demande.establishment.siret for demande in page.object_list]


def _queue_count() -> int:
    from instruction.selectors import demandes_for_agent

    return demandes_for_agent(departements=["75", "92"]).count()


def probe(data: dict) -> dict:
    """The SQL queries of each list, in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    figures = {}
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(data["agent"])  # as after the "Code de vérification" (tests.factories.two_factor_login)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=data["agent"]).persistent_id
    session.save()
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    figures["queue"] = (response.status_code, len(queries), _queue_count())
    with CaptureQueriesContext(connection) as queries:
        count, rows = _employer_first_page(data["expert"])
    figures["employer_selector"] = (len(queries), count, len(rows))
    figures["employer_page"] = _employer_page_exists()
    if figures["employer_page"]:
        employer = Client(HTTP_HOST="127.0.0.1")
        employer.force_login(data["expert"])
        employer.get(EMPLOYER_LIST)
        with CaptureQueriesContext(connection) as queries:
            response = employer.get(EMPLOYER_LIST)
        figures["employer_http"] = (response.status_code, len(queries))
    return figures


def log_in_agent(browser, agent) -> None:
    """Password then TOTP code, over HTTP; /instruction/ expected."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = browser.request("GET", "/")
    token = CSRF_INPUT_RE.search(page.body).group(1)
    page = browser.request(
        "POST", "/connexion/", {"csrfmiddlewaretoken": token, "username": AGENT, "password": PASSWORD}
    )
    if page.status != 302:
        raise SystemExit(f"Connexion de l'agent : HTTP {page.status} — {stack.page_errors(page.body)}")
    page = browser.request("GET", urlsplit(page.location).path)
    token = CSRF_INPUT_RE.search(page.body).group(1)
    device = TOTPDevice.objects.get(user=agent)
    page = browser.request(
        "POST", "/connexion/verification/", {"csrfmiddlewaretoken": token, "code": f"{totp(device.bin_key):06d}"}
    )
    if page.status != 302 or urlsplit(page.location).path != QUEUE:
        raise SystemExit(f"Code de l'agent : HTTP {page.status} vers « {page.location} »")


def timed_gets(browser, path: str, count: int) -> list[float]:
    for _ in range(3):
        browser.request("GET", path)
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        page = browser.request("GET", path)
        durations.append(time.perf_counter() - started)
        if page.status != 200:
            raise SystemExit(f"GET {path} : HTTP {page.status}")
    return durations


def timed_calls(function, count: int) -> list[float]:
    for _ in range(3):
        function()
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return durations


def print_figures(label: str, durations: list[float]) -> bool:
    p50 = percentile(durations, 50)
    ok = p50 * 1000 < TARGET_MS
    print(
        f"  {label} : p50 {ms(p50, 1)} · p95 {ms(percentile(durations, 95), 1)} · max {ms(max(durations), 1)} "
        f"({len(durations)} mesures) — objectif p50 < {TARGET_MS} ms : {'atteint' if ok else 'NON ATTEINT'}"
    )
    return ok


def _run(args) -> int:
    port, env = stack.server_env(args, database=BENCH_DATABASE, name="dap_lists", CELERY_BROKER_URL="")
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    started = time.perf_counter()
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    stack.manage(env, "collectstatic", "--noinput", "-v", "0")
    os.environ.update(env)
    import django

    django.setup()
    migrated = time.perf_counter() - started
    data = create_data(args)
    print(
        f"Base migrée en {fr(migrated, 1)} s ; insérés en {fr(data['seconds'], 1)} s : {fr(args.establishments)} "
        f"établissements, {fr(args.daps)} DAP (dont {fr(data['waiting'])} envoyées à l'UD, en attente), "
        f"{fr(args.expert_daps)} sur les {fr(args.expert_establishments)} établissements de « {EXPERT} »"
    )
    figures = probe(data)
    status, queries, count = figures["queue"]
    if status != 200 or not count:
        raise SystemExit(f"La file de l'agent est vide ou en erreur (HTTP {status}) : la mesure ne vaudrait rien.")
    print(
        f"\nRequêtes SQL — GET {QUEUE} (agent de 75 et 92, page 1) : HTTP {status}, {queries} requêtes, {fr(count)} DAP en attente dans ses départements"
    )
    queries, total, rows = figures["employer_selector"]
    print(
        f"Requêtes SQL — dap.selectors.demandes_for_user, 1re page (compte + {rows} lignes) : {queries} requêtes, {fr(total)} DAP"
    )
    if figures["employer_page"]:
        print(
            f"Requêtes SQL — GET {EMPLOYER_LIST} : HTTP {figures['employer_http'][0]}, {figures['employer_http'][1]} requêtes"
        )

    ok = True
    with tempfile.NamedTemporaryFile("w+", prefix="bench_dap_lists_gunicorn_", suffix=".log") as log:
        stack.start_gunicorn(env, args.workers, port, log)
        browser = stack.HttpBrowser(port, 60, USER_AGENT)
        log_in_agent(browser, data["agent"])
        print(f"\n=== {args.pages} GET successifs, sans autre charge ===")
        ok &= print_figures(f"GET {QUEUE} (HTTP, gunicorn)", timed_gets(browser, QUEUE, args.pages))
        browser.close()
        if figures["employer_page"]:
            employer = stack.HttpBrowser(port, 60, USER_AGENT)
            print("  (la liste de l'employeur par HTTP demanderait sa connexion : mesurée aussi par le sélecteur)")
            employer.close()
        stack.print_gunicorn_errors(log)
        CHILDREN.stop_gunicorn()
    ok &= print_figures(
        "Liste de l'employeur : dap.selectors.demandes_for_user, 1re page évaluée, dans ce processus (la page "
        f"{EMPLOYER_LIST} {'existe' if figures['employer_page'] else 'n’existe pas encore'})",
        timed_calls(lambda: _employer_first_page(data["expert"]), args.pages),
    )
    return 0 if ok else 1


def main() -> int:
    parser = stack.argparse.ArgumentParser(
        description=__doc__, formatter_class=stack.argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--daps", type=int, default=100_000)
    parser.add_argument("--establishments", type=int, default=20_000)
    parser.add_argument("--expert-establishments", type=int, default=500)
    parser.add_argument("--expert-daps", type=int, default=5_000)
    parser.add_argument("--pages", type=int, default=50, help="GET mesurés de chaque liste")
    parser.add_argument("--workers", type=int, default=1, help="workers gunicorn")
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    if not (
        1 <= args.expert_establishments < args.establishments and 0 < args.expert_daps <= args.daps
        and args.pages >= 1 and args.workers >= 1
    ):  # fmt: skip
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit or 900)


if __name__ == "__main__":
    sys.exit(main())
