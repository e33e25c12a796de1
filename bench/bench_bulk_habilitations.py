"""Benchmark of a « Demande d'habilitation en masse » of 2 000 lines (not a test).

    .venv/bin/python bench/bench_bulk_habilitations.py [--lines 2000] [--existing 0.1] [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_bulk` on 127.0.0.1:5432, migrates it, inserts --lines active
   SireneEtablissement rows (Luhn-valid SIRETs, bulk_create) and a logged-in user (an expert-comptable habilitated
   on one establishment); a share (--existing) of the SIRETs already has a space, non vérifié, held by another
   claimant (those lines are attached, the others create their establishment).
2. Writes the CSV file (`siret;nom;prénom;téléphone;courriel`, UTF-8 with BOM, one contact in ten lines), then
   times, in this process with the production settings (Argon2, DEBUG=0, no broker: the task runs in-process as
   `make run` does): `habilitation_batch_submit` (reading, checks and lines written) and the task
   `habilitations.tasks.process_batch` (each line through CRÉER MON ESPACE's checks and services: SIRENE,
   request, automatic checks, approval, habilitation, activation letter, journal; the counts per chunk of 50;
   the summary e-mail), with the SQL queries and the Argon2 hashes counted. --hasher md5 replaces Argon2 (one
   hash per activation letter, 130 ms on an idle core) to show what the rest of the processing costs.
3. Checks the result (every line créé or rattaché, one e-mail), runs the same file again (everything « Déjà
   habilité », nothing created) and prints the figures; the target: 2 000 lines processed in under 60 s.
"""

import datetime
import os
import sys
import time

import _stack as stack
from _stack import fr

BENCH_DATABASE = "apart_bench_bulk"
TARGET_SECONDS = 60.0
SIREN_BASE = 31_000_000


def _csv(sirets: list[str]) -> bytes:
    lines = ["siret;nom;prénom;téléphone;courriel"]
    for index, siret in enumerate(sirets):
        contact = (
            f"{stack.ENSEIGNES[index % 10].title()};Camille;01 43 00 00 00;client{index}@example.fr"
            if index % 10 == 0
            else ";;;"
        )
        lines.append(f"{siret[:9]} {siret[9:]};{contact}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _setup(count: int, existing_share: float):
    from accounts.models import User
    from habilitations.models import Establishment
    from habilitations.services import habilitation_grant
    from referentiels.models import SireneEtablissement

    sirets = [stack.bench_siret(number, base=SIREN_BASE) for number in range(count)]
    SireneEtablissement.objects.bulk_create(
        SireneEtablissement(
            siret=siret,
            siren=siret[:9],
            denomination=f"{stack.ACTIVITES[n % len(stack.ACTIVITES)]} {stack.ENSEIGNES[n % len(stack.ENSEIGNES)]} {n}",
            numero_voie=str(1 + n % 120),
            type_voie="RUE",
            libelle_voie="DE LA REPUBLIQUE",
            code_postal="75011",
            libelle_commune="PARIS 11",
            code_commune="75111",
            etat_administratif="A",
        )
        for n, siret in enumerate(sirets)
    )
    expert = User.objects.create(
        identifiant="agnes.comptable", nom="Comptable", prenom="Agnès", courriel="agnes@cabinet.fr"
    )
    other = User.objects.create(identifiant="autre.demandeur", nom="Demandeur", prenom="Autre", courriel="autre@x.fr")
    own = Establishment.objects.create(
        siret=stack.bench_siret(count, base=SIREN_BASE),
        denomination="CABINET",
        libelle_voie="RUE",
        code_postal="75011",
        ville="Paris",
    )
    habilitation_grant(user=expert, establishment=own)
    existing = sirets[: int(count * existing_share)]
    for siret in existing:
        establishment = Establishment.objects.create(
            siret=siret,
            denomination="EXISTANT",
            libelle_voie="RUE",
            code_postal="75011",
            ville="Paris 11e Arrondissement",
        )
        habilitation_grant(user=other, establishment=establishment)
    return expert, sirets, len(existing)


def _run(args) -> int:
    _, env = stack.server_env(args, database=BENCH_DATABASE, name="bulk", CELERY_BROKER_URL="")
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    stack.manage(env, "load_codes_postaux", timeout=300)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import hashers
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from apart.outbox.models import OutboxEmail
    from habilitations.enums import HabilitationBatchResult, HabilitationBatchStatus
    from habilitations.models import Establishment, HabilitationBatch
    from habilitations.services import habilitation_batch_submit

    if args.hasher == "md5":  # to isolate the rest of the processing: never a figure of the production setup
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        hashers.get_hashers.cache_clear()
        hashers.get_hashers_by_algorithm.cache_clear()
    expert, sirets, existing = _setup(args.lines, args.existing)
    content = _csv(sirets)

    queries = [0]
    hashes = [0, 0.0]
    original_make_password = hashers.make_password

    def counting_make_password(*a, **k):
        started = time.perf_counter()
        try:
            return original_make_password(*a, **k)
        finally:
            hashes[0] += 1
            hashes[1] += time.perf_counter() - started

    def count_queries(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    import habilitations.services as services_module

    services_module.make_password = counting_make_password  # the letters' codes (and nothing else here)
    establishments_before = Establishment.objects.count()
    with connection.execute_wrapper(count_queries):
        started = time.perf_counter()
        upload = SimpleUploadedFile("clients.csv", content, content_type="text/csv")
        # No broker: the task runs in-process after commit (CELERY_TASK_ALWAYS_EAGER), inside this call.
        batch = habilitation_batch_submit(user=expert, fichier=upload)
        total_seconds = time.perf_counter() - started
    batch = HabilitationBatch.objects.get(pk=batch.pk)
    if batch.status != HabilitationBatchStatus.DONE:
        print(f"La demande n'est pas terminée ({batch.status}, {batch.processed} lignes traitées).")
        return 2
    process_seconds = (batch.finished_at - batch.started_at).total_seconds()
    submit_seconds = (batch.started_at - batch.created_at).total_seconds()
    if batch.status != HabilitationBatchStatus.DONE or batch.created_count + batch.attached_count != args.lines:
        print(f"Résultat inattendu : {batch.status}, {batch.created_count} créés, {batch.attached_count} rattachés")
        for line in batch.lines.exclude(result__in=["created", "attached"])[:5]:
            print(f"  ligne {line.line_number} : {line.result} {line.message}")
        return 2
    assert Establishment.objects.count() == establishments_before + args.lines - existing
    assert OutboxEmail.objects.filter(kind="habilitations_en_masse").count() == 1

    started = time.perf_counter()
    again = habilitation_batch_submit(user=expert, fichier=SimpleUploadedFile("clients.csv", content))
    again_seconds = time.perf_counter() - started
    again = HabilitationBatch.objects.get(pk=again.pk)
    assert again.lines.filter(result=HabilitationBatchResult.ALREADY_HABILITATED).count() == args.lines
    assert Establishment.objects.count() == establishments_before + args.lines - existing

    n = fr(args.lines)
    print(f"{n} lignes ({fr(batch.created_count)} créées, {fr(batch.attached_count)} rattachées) :")
    print(f"  lecture et enregistrement des lignes : {fr(submit_seconds, 2)} s")
    print(
        f"  traitement (tâche process_batch) : {fr(process_seconds, 1)} s, soit {fr(1000 * process_seconds / args.lines, 1)} ms "
        f"par ligne ; {fr(queries[0] / args.lines, 1)} requêtes SQL par ligne"
    )
    print(
        f"  dont {fr(hashes[0])} empreintes {args.hasher.capitalize()} des codes d'activation (un courrier par établissement non vérifié) : "
        f"{fr(hashes[1], 1)} s"
    )
    print(f"  total de bout en bout : {fr(total_seconds, 1)} s")
    print(f"Même fichier renvoyé : {fr(again_seconds, 1)} s, {n} lignes « Déjà habilité », rien de créé")
    ok = total_seconds < TARGET_SECONDS
    print(f"Objectif : {n} lignes en moins de {fr(TARGET_SECONDS)} s — {'tenu' if ok else 'NON TENU'}")
    return 0 if ok else 1


def main() -> int:
    parser = stack.argparse.ArgumentParser(
        description=__doc__, formatter_class=stack.argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--existing", type=float, default=0.1, help="part des Siret qui ont déjà un espace")
    parser.add_argument(
        "--hasher",
        choices=["argon2", "md5"],
        default="argon2",
        help="argon2 (production) ; md5 pour isoler le reste du traitement du coût des empreintes",
    )
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    if not 1 <= args.lines <= 2000 or not 0 <= args.existing <= 1:
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit or 1200)


if __name__ == "__main__":
    sys.exit(main())
