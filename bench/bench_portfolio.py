"""Benchmark of the portfolio (not a test): /espace/etablissements/ for an expert-comptable holding 2 000
establishments, over HTTP on gunicorn, for the default view, each filter and the sort by DI à déposer.

    .venv/bin/python bench/bench_portfolio.py [--establishments 2000] [--others 8000] [--pages 30] [--workers 1]
        [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_portfolio` on 127.0.0.1:5432, migrates it, collects the static files, then
   inserts with bulk_create: --establishments establishments held by « banc.portefeuille » (active APART
   habilitations, 1 in 40 ending within 30 days, 1 in 10 fiche incomplète) and --others held by another user;
   on every establishment, mixed: a DAP accepted with its décision (1 in 2: last month and this one, or three months
   ago, or a year ago — filing closed), DIs for some of its ended months (sent, validated, provisoire), a DAP
   waiting for the UD (1 in 5); and a user holding 5 of the expert's establishments, for the query count.
2. In this process, through django.test.Client: the SQL queries of each URL, for the expert (2 000) and for the
   user of 5 (the count must be the same), and the figures the page shows.
3. gunicorn (DEBUG=0, --workers sync workers), the expert's session cookie (created in this process): GET each URL
   --pages times one after the other (after 3 unmeasured GETs): p50, p95, max; target p50 < 150 ms.
4. Stops gunicorn and drops the database (unless --keep).
"""

import datetime
import os
import re
import sys
import tempfile
import time
from decimal import Decimal

import _stack as stack
from _stack import CHILDREN, fr, ms, percentile

BENCH_DATABASE = "apart_bench_portfolio"
USER_AGENT = "bench_portfolio"
EXPERT, SMALL, OTHER = "banc.portefeuille", "banc.petit", "banc.autre"
TARGET_MS = 150
URLS = [
    ("Tous (par nom)", "/espace/etablissements/"),
    ("DI à déposer", "/espace/etablissements/?filtre=di"),
    ("DAP en attente", "/espace/etablissements/?filtre=dap"),
    ("Fiche incomplète", "/espace/etablissements/?filtre=fiche"),
    ("Habilitation expirant dans 30 jours", "/espace/etablissements/?filtre=habilitation"),
    ("Tri par DI à déposer", "/espace/etablissements/?tri=di"),
    ("Recherche « 01 », page 2", "/espace/etablissements/?q=01&page=2"),
    ("Mon espace (« Mon portefeuille »)", "/espace/"),
]
VILLES = [("75011", "Paris"), ("92000", "Nanterre"), ("69003", "Lyon"), ("33000", "Bordeaux"), ("59000", "Lille"),
          ("13001", "Marseille")]  # fmt: skip
HEADING_RE = re.compile(r"Mes Etablissements : ([^<]+)</h1>")


def _siret(number: int) -> str:
    return stack.bench_siret(number, base=50_000_000)


def create_data(args) -> dict:
    """The bench's rows, with bulk_create; the time taken."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from dap.enums import ModeDecision, Motif, Statut, TypeActivite
    from dap.models import Decision, DemandeAutorisation
    from dap.services import departement_or_blank
    from habilitations.models import Establishment, Extranet, Habilitation, one_year_after
    from indemnisation.checks import ajouter_mois, mois_de_la_decision, mois_precedent
    from indemnisation.enums import Statut as StatutDi
    from indemnisation.models import DemandeIndemnisation

    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    this_month = today.replace(day=1)
    password = make_password("Portefeuille-Banc;2026")
    with transaction.atomic():
        expert, small, other = User.objects.bulk_create(
            [
                User(identifiant=identifiant, courriel=f"{identifiant}@example.fr", nom="Banc", prenom="Portefeuille",
                     password=password)
                for identifiant in (EXPERT, SMALL, OTHER)
            ]
        )  # fmt: skip
        total = args.establishments + args.others
        places = Establishment.objects.bulk_create(
            [
                Establishment(
                    siret=(siret := _siret(n)),
                    siren=siret[:9],
                    denomination=f"CLIENT {n:05d} — {stack.ACTIVITES[n % len(stack.ACTIVITES)]}",
                    numero_voie="1",
                    type_voie="Rue",
                    libelle_voie="DE LA PAIX",
                    code_postal=VILLES[n % len(VILLES)][0],
                    ville=VILLES[n % len(VILLES)][1],
                    telephone="01 43 00 00 00",
                    courriel=f"contact{n}@example.fr",
                    contact_nom="Banc",
                    contact_prenom="Portefeuille",
                    contact_telephone="01 43 00 00 00",
                    contact_courriel="banc@example.fr",
                    effectif=20,
                    code_naf="" if n % 10 == 0 else "10.71C",
                    verification="staff" if n % 25 else "",
                    verified_at=now if n % 25 else None,
                )  # fmt: skip
                for n in range(total)
            ],
            batch_size=2000,
        )
        apart = Extranet.objects.for_code("APART")
        Habilitation.objects.bulk_create(
            [
                Habilitation(
                    user=expert if n < args.establishments else other,
                    establishment=place,
                    extranet=apart,
                    valid_from=today - datetime.timedelta(days=200),
                    valid_until=today + datetime.timedelta(days=n % 30) if n % 40 == 0 else one_year_after(today),
                )
                for n, place in enumerate(places)
            ]
            + [
                Habilitation(
                    user=small, establishment=place, extranet=apart, valid_from=today, valid_until=one_year_after(today)
                )
                for place in places[:5]
            ],  # fmt: skip
            batch_size=5000,
        )
        demandes = []

        def demande(n, place, owner, statut, debut, fin, suffix):
            accepted = statut in (Statut.ACCEPTEE, Statut.ACCEPTEE_IMPLICITEMENT)
            return DemandeAutorisation(
                numero=f"DAP-BANC-{n:06d}-{suffix}",
                establishment=place,
                created_by=owner,
                motif=Motif.CONJONCTURE,
                circonstances="Baisse des commandes.",
                date_debut=debut,
                date_fin=fin,
                nb_salaries=5,
                heures_previsionnelles=Decimal("300"),
                type_activite=TypeActivite.REDUCTION,
                iban="FR7630006000011234567890189",
                bic="AGRIFRPP",
                titulaire="BANC",
                statut=statut,
                accuse_numero=f"AR-BANC-{n:06d}-{suffix}",
                sent_at=now - datetime.timedelta(days=20),
                sent_by=owner,
                implicit_acceptance_on=today + datetime.timedelta(days=5) if statut == Statut.ENVOYEE else None,
                decided_at=now - datetime.timedelta(days=5) if accepted else None,
                departement=departement_or_blank(place.code_postal),
            )

        for n, place in enumerate(places):
            owner = expert if n < args.establishments else other
            if n % 2 == 0:
                kind = (n // 2) % 3
                if kind == 0:  # last month and this one: last month's DI due
                    debut = mois_precedent(this_month)
                    fin = ajouter_mois(this_month, 1) - datetime.timedelta(days=1)
                elif kind == 1:  # three months, ended: some DIs filed
                    debut = ajouter_mois(this_month, -4)
                    fin = this_month - datetime.timedelta(days=1)
                else:  # a year ago: filing closed
                    debut = ajouter_mois(this_month, -14)
                    fin = ajouter_mois(this_month, -12) - datetime.timedelta(days=1)
                demandes.append(demande(n, place, owner, Statut.ACCEPTEE_IMPLICITEMENT, debut, fin, "A"))
            if n % 5 == 0:
                debut = ajouter_mois(this_month, 2)
                statut = Statut.COMPLEMENT if n % 10 == 5 else Statut.ENVOYEE
                demandes.append(demande(n, place, owner, statut, debut, debut + datetime.timedelta(days=20), "B"))
        demandes = DemandeAutorisation.objects.bulk_create(demandes, batch_size=5000)
        decisions = Decision.objects.bulk_create(
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
                )
                for demande in demandes
                if demande.statut == Statut.ACCEPTEE_IMPLICITEMENT
            ],
            batch_size=5000,
        )
        statuts = [StatutDi.ENVOYEE, StatutDi.VALIDEE, StatutDi.PROVISOIRE]
        dis = []
        for decision in decisions:
            for index, mois in enumerate(mois_de_la_decision(decision)):
                if mois >= this_month or (decision.pk + index) % 3 == 0:
                    continue  # a month left to file
                statut = statuts[(decision.pk + index) % 3]
                sent = statut != StatutDi.PROVISOIRE
                owner = decision.demande.created_by
                dis.append(
                    DemandeIndemnisation(
                        numero=f"DI-BANC-{decision.pk:07d}-{index}",
                        decision=decision,
                        establishment=decision.demande.establishment,
                        mois=mois,
                        statut=statut,
                        nb_salaries=3,
                        total_heures=Decimal("40"),
                        created_by=owner,
                        sent_at=now if sent else None,
                        sent_by=owner if sent else None,
                    )
                )
        DemandeIndemnisation.objects.bulk_create(dis, batch_size=5000)
    with connection.cursor() as cursor:
        for table in ("habilitations_establishment", "habilitations_habilitation", "dap_demandeautorisation",
                      "dap_decision", "indemnisation_demandeindemnisation"):  # fmt: skip
            cursor.execute(f"ANALYZE {table}")
    return {
        "seconds": time.perf_counter() - started,
        "expert": expert,
        "small": small,
        "demandes": len(demandes),
        "decisions": len(decisions),
        "dis": len(dis),
    }


def probe(data: dict) -> dict:
    """Each URL's SQL queries for the expert and for the user of 5; the heading and filters' counts shown."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from espace.selectors import portfolio_counts

    figures = {"counts": portfolio_counts(user=data["expert"]), "urls": {}}
    clients = {}
    for who in ("expert", "small"):
        clients[who] = Client(HTTP_HOST="127.0.0.1")
        clients[who].force_login(data[who])
    for _label, url in URLS:
        row = []
        for who, client in clients.items():
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} ({who}) : HTTP {response.status_code}")
            html = response.content.decode()
            heading = HEADING_RE.search(html)
            # An empty page asks nothing about its rows' décisions and DIs: two queries fewer.
            row.append((len(queries), heading.group(1) if heading else "", "<tbody>" not in html))
        figures["urls"][url] = row
    figures["cookie"] = {name: morsel.value for name, morsel in clients["expert"].cookies.items()}
    return figures


def timed_gets(browser, path: str, count: int) -> list[float]:
    for _ in range(3):
        browser.request("GET", path)
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        page = browser.request("GET", path)
        durations.append(time.perf_counter() - started)
        if page.status != 200:
            raise SystemExit(f"GET {path} : HTTP {page.status} {page.location}")
    return durations


def _run(args) -> int:
    port, env = stack.server_env(args, database=BENCH_DATABASE, name="portfolio", CELERY_BROKER_URL="")
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
        f"Base migrée en {fr(migrated, 1)} s ; insérés en {fr(data['seconds'], 1)} s : "
        f"{fr(args.establishments + args.others)} établissements dont {fr(args.establishments)} à « {EXPERT} », "
        f"{fr(data['demandes'])} DAP, {fr(data['decisions'])} décisions, {fr(data['dis'])} DI"
    )
    figures = probe(data)
    counts = figures["counts"]
    print(
        f"Portefeuille de « {EXPERT} » : {fr(counts['total'])} établissements — DI à déposer {fr(counts['di'])}, "
        f"DAP en attente {fr(counts['dap'])}, fiche incomplète {fr(counts['fiche'])}, habilitation expirant "
        f"dans 30 jours {fr(counts['habilitation'])}"
    )
    print("\nRequêtes SQL par page (django.test.Client, ce processus) : 2 000 établissements / 5 établissements")
    constant = True
    for label, url in URLS:
        (big, heading, _empty), (few, _heading, few_empty) = figures["urls"][url]
        constant &= big == few or (few_empty and few < big)
        print(
            f"  {label} : {big} / {few}"
            + (" (page vide : sans les 2 requêtes de ses lignes)" if few_empty else "")
            + (f" — « {heading.strip()} »" if heading else "")
        )
    print(f"  Nombre de requêtes constant : {'oui' if constant else 'NON'}")

    ok = constant
    with tempfile.NamedTemporaryFile("w+", prefix="bench_portfolio_gunicorn_", suffix=".log") as log:
        stack.start_gunicorn(env, args.workers, port, log)
        browser = stack.HttpBrowser(port, 60, USER_AGENT)
        browser.cookies.update(figures["cookie"])
        print(f"\n=== {args.pages} GET successifs par page, HTTP sur gunicorn, sans autre charge ===")
        for label, url in URLS:
            durations = timed_gets(browser, url, args.pages)
            p50 = percentile(durations, 50)
            ok &= p50 * 1000 < TARGET_MS
            print(
                f"  {label} : p50 {ms(p50, 1)} · p95 {ms(percentile(durations, 95), 1)} · max "
                f"{ms(max(durations), 1)} — objectif p50 < {TARGET_MS} ms : "
                f"{'atteint' if p50 * 1000 < TARGET_MS else 'NON ATTEINT'}"
            )
        browser.close()
        stack.print_gunicorn_errors(log)
        CHILDREN.stop_gunicorn()
    print(f"Charge moyenne de la machine après la mesure : {stack.load_average()}")
    return 0 if ok else 1


def main() -> int:
    parser = stack.argparse.ArgumentParser(
        description=__doc__, formatter_class=stack.argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--establishments", type=int, default=2_000)
    parser.add_argument("--others", type=int, default=8_000)
    parser.add_argument("--pages", type=int, default=30, help="GET mesurés de chaque page")
    parser.add_argument("--workers", type=int, default=1, help="workers gunicorn")
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    if not (args.establishments >= 5 and args.others >= 0 and args.pages >= 1 and args.workers >= 1):
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit or 900)


if __name__ == "__main__":
    sys.exit(main())
