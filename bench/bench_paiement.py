"""Benchmark of the ASP's payment run (not a test): 10 000 Validée DIs into one SEPA file, in under 30 s.

    .venv/bin/python bench/bench_paiement.py [--demandes 10000] [--establishments 1000] [--broker URL] [--keep]
        [--time-limit S]

1. (Re)creates the database `apart_bench_paiement` on 127.0.0.1:5432 and migrates it, then inserts with bulk_create
   (not through the services): --establishments establishments (each with a contact e-mail), one employer, and
   --demandes accepted DAPs (each its own IBAN), their décisions and one Validée DI each (allocation 123,45 € to
   1 234,56 €).
2. Times indemnisation.paiements.paiement_run (one transaction: the locked read of the DIs, the pain.001.001.03 file
   built and validated against its XSD, the DIs' update, their history, two status e-mails each written to the
   outbox, the audit row), then paiement_execute (the DIs Payée, history and e-mails again). The e-mails are sent by
   the Celery worker, as in production: --broker (Redis) receives the one task the run queues after its commit;
   with --broker "" the tasks run in this process and the sending of every e-mail is timed too.
3. Checks the file (NbOfTxs, CtrlSum) and the DIs' statuses; drops the database (unless --keep).
"""

import datetime
import os
import sys
import time
from decimal import Decimal

import _stack as stack
from _stack import fr

BENCH_DATABASE = "apart_bench_paiement"
TARGET_SECONDS = 30
IBANS = ["FR7630006000011234567890189", "FR1420041010050500013M02606", "FR7630001007941234567890185"]
BICS = ["AGRIFRPP", "PSSTFRPPPAR", "BDFEFRPP"]


def _siret(number: int) -> str:
    return stack.bench_siret(number, base=50_000_000)


def create_data(args) -> dict:
    """The establishments, DAPs, décisions and Validée DIs, with bulk_create; the time taken."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from dap.enums import ModeDecision, Motif, Statut, TypeActivite
    from dap.models import Decision, DemandeAutorisation
    from habilitations.models import Establishment
    from indemnisation.enums import Statut as StatutDI
    from indemnisation.models import DemandeIndemnisation

    started = time.perf_counter()
    now = timezone.now()
    mois = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    fin = (mois + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    with transaction.atomic():
        employer = User.objects.create(
            identifiant="banc.employeur", courriel="banc.employeur@example.fr", nom="Banc", prenom="Employeur",
            password=make_password(None),
        )  # fmt: skip
        places = Establishment.objects.bulk_create(
            [
                Establishment(
                    siret=(siret := _siret(n)),
                    siren=siret[:9],
                    denomination=f"ÉTABLISSEMENT PAIEMENT {n:05d}",
                    numero_voie="1",
                    type_voie="Rue",
                    libelle_voie="DE LA PAIX",
                    code_postal="75011",
                    ville="Paris",
                    telephone="01 43 00 00 00",
                    courriel=f"etablissement{n}@example.fr",
                    contact_courriel=f"contact{n}@example.fr",
                    effectif=20,
                )  # fmt: skip
                for n in range(args.establishments)
            ],
            batch_size=2000,
        )
        daps = DemandeAutorisation.objects.bulk_create(
            [
                DemandeAutorisation(
                    numero=f"DAP-BANC-{n:07d}",
                    establishment=places[n % len(places)],
                    created_by=employer,
                    motif=Motif.CONJONCTURE,
                    circonstances="Baisse des commandes.",
                    date_debut=mois,
                    date_fin=fin,
                    nb_salaries=5,
                    heures_previsionnelles=Decimal("300"),
                    type_activite=TypeActivite.REDUCTION,
                    iban=IBANS[n % len(IBANS)],
                    bic=BICS[n % len(BICS)],
                    titulaire=f"SARL Établissement Paiement n° {n}",
                    statut=Statut.ACCEPTEE,
                    accuse_numero=f"AR-BANC-{n:07d}",
                    sent_at=now,
                    sent_by=employer,
                    decided_at=now,
                    departement="75",
                )  # fmt: skip
                for n in range(args.demandes)
            ],
            batch_size=5000,
        )
        decisions = Decision.objects.bulk_create(
            [
                Decision(
                    numero=f"DA-BANC-{dap.pk:07d}",
                    demande=dap,
                    date_debut=mois,
                    date_fin=fin,
                    heures_autorisees=Decimal("250"),
                    nb_salaries=5,
                    code_di=stack.bench_code_di(dap.pk),
                    mode=ModeDecision.IMPLICITE,
                    issued_at=now,
                )  # fmt: skip
                for dap in daps
            ],
            batch_size=5000,
        )
        rows = []
        for n, decision in enumerate(decisions):
            allocation = Decimal("123.45") + Decimal(n % 1000) * Decimal("1.11")
            indemnite = (allocation * Decimal("1.15")).quantize(Decimal("0.01"))
            rows.append(
                DemandeIndemnisation(
                    numero=f"DI-BANC-{n:07d}",
                    decision=decision,
                    establishment=decision.demande.establishment,
                    mois=mois,
                    statut=StatutDI.VALIDEE,
                    nb_salaries=3,
                    total_heures=Decimal("60"),
                    total_indemnite=indemnite,
                    total_allocation=allocation,
                    total_reste_a_charge=indemnite - allocation,
                    calculated_at=now,
                    departement="75",
                    created_by=employer,
                    sent_at=now,
                    sent_by=employer,
                    decided_at=now,
                )
            )
        DemandeIndemnisation.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        for table in ("habilitations_establishment", "dap_demandeautorisation", "dap_decision",
                      "indemnisation_demandeindemnisation"):  # fmt: skip
            cursor.execute(f"ANALYZE {table}")
    total = sum((row.total_allocation for row in rows), Decimal("0.00"))
    return {"seconds": time.perf_counter() - started, "total": total}


def _timed(function, **kwargs):
    from django.db import connection, reset_queries

    reset_queries()
    started = time.perf_counter()
    result = function(**kwargs)
    return result, time.perf_counter() - started, len(connection.queries)


def _run(args) -> int:
    _port, env = stack.server_env(args, database=BENCH_DATABASE, name="paiement", CELERY_BROKER_URL=args.broker)
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    started = time.perf_counter()
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from bareme.engine import format_euros
    from indemnisation.enums import Statut
    from indemnisation.models import DemandeIndemnisation
    from indemnisation.paiements import paiement_execute, paiement_run

    migrated = time.perf_counter() - started
    data = create_data(args)
    print(
        f"Base migrée en {fr(migrated, 1)} s ; insérés en {fr(data['seconds'], 1)} s : {fr(args.establishments)} "
        f"établissements, {fr(args.demandes)} DAP acceptées, leurs décisions et {fr(args.demandes)} DI validées "
        f"({format_euros(data['total'])})"
    )
    print(f"Courriels : {'broker ' + args.broker if args.broker else 'tâches dans ce processus (envoi compris)'}")
    connection.force_debug_cursor = True  # count the queries (DEBUG=0)
    settings.DEBUG = False
    paiement, seconds, queries = _timed(paiement_run)
    if paiement is None or paiement.nb_demandes != args.demandes or paiement.montant_total != data["total"]:
        raise SystemExit(f"Paiement inattendu : {paiement} ({paiement and paiement.montant_total})")
    if f"<NbOfTxs>{args.demandes}</NbOfTxs>" not in paiement.fichier or f"<CtrlSum>{data['total']}</CtrlSum>" not in (
        paiement.fichier
    ):
        raise SystemExit("Le fichier n'a pas le nombre de virements ou le total attendus.")
    ok = seconds < TARGET_SECONDS
    print(
        f"\npaiement_run : {fr(paiement.nb_demandes)} DI, {format_euros(paiement.montant_total)}, fichier de "
        f"{fr(len(paiement.fichier) / 1e6, 1)} Mo, en {fr(seconds, 2)} s ({queries} requêtes SQL) — objectif "
        f"< {TARGET_SECONDS} s : {'atteint' if ok else 'NON ATTEINT'}"
    )
    again, seconds_again, _ = _timed(paiement_run)
    print(
        f"second paiement_run (rien à payer) : {'aucun fichier' if again is None else again} en {fr(seconds_again, 2)} s"
    )
    executed, seconds_exec, queries_exec = _timed(paiement_execute, paiement=paiement, by=None)
    payees = DemandeIndemnisation.objects.filter(statut=Statut.PAYEE).count()
    print(
        f"paiement_execute : {fr(payees)} DI payées en {fr(seconds_exec, 2)} s ({queries_exec} requêtes SQL) — "
        f"{executed.get_statut_display()}"
    )
    if args.broker:
        _drop_queued(args.broker, settings.CELERY_TASK_DEFAULT_QUEUE)
    return 0 if ok and payees == args.demandes else 1


def _drop_queued(broker: str, queue: str) -> None:
    """The e-mail sending tasks queued in the bench's Redis database: nobody consumes them, removed."""
    import redis

    redis.Redis.from_url(broker).delete(queue)


def main() -> int:
    parser = stack.argparse.ArgumentParser(
        description=__doc__, formatter_class=stack.argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demandes", type=int, default=10_000)
    parser.add_argument("--establishments", type=int, default=1_000)
    parser.add_argument(
        "--broker", default="redis://127.0.0.1:6379/6", help="broker Celery (vide : tâches dans ce processus)"
    )
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    if args.demandes < 1 or args.establishments < 1:
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit or 900)


if __name__ == "__main__":
    sys.exit(main())
