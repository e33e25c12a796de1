"""Benchmark of the secret-answer step of the credential recovery: a real account against an unknown one (not a test).

    .venv/bin/python bench/bench_recovery_timing.py [--tries 20] [--warmup 3] [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_recovery` on 127.0.0.1:5432, migrates it, collects the static files into a
   temporary STATIC_ROOT (DEBUG=0), then creates one account whose secret answer is hashed with Django's default
   Argon2 (the production hashers).
2. In this process, through django.test.Client: for each try, step 1 is done by the service (not measured: the
   challenge of "J'ai oublié mon mot de passe" put in the session, the answer counter emptied so that the lockout
   never answers in place of the hash), then POST /mot-de-passe-oublie/question/ with a wrong answer is timed, for
   the real account and for an unknown identifiant (its decoy question), in alternating order. Each POST must
   answer "Votre réponse est incorrecte"; the Argon2 operations of each POST are counted (hashers wrapped).
3. Prints the medians of both paths, their gap (objective: within 25 %) and the hash operations per answer.
4. Drops the database (unless --keep).

Everything stays in this process and on the loopback interface; a hard time limit (SIGALRM) applies.
"""

import datetime
import os
import statistics
import sys
import time

import _stack as stack
from _stack import fr, ms

BENCH_DATABASE = "apart_bench_recovery"
QUESTION = "/mot-de-passe-oublie/question/"
IDENTIFIANT = "banc.recuperation"
UNKNOWN = "personne.inconnue"
WRONG = "mauvaise réponse"
TARGET_PERCENT = 25


def _setup(env: dict) -> None:
    started = time.perf_counter()
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    stack.manage(env, "collectstatic", "--noinput", "-v", "0")
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    from accounts.models import User

    user = User.objects.create_user(IDENTIFIANT, "banc.recuperation@example.fr", "Banc-Recuperation;2026")
    user.secret_question = "Quelle est votre ville de naissance ?"
    user.set_secret_answer("Colmar")
    user.save()
    print(
        f"Base créée, migrée, statiques collectés en {fr(time.perf_counter() - started, 1)} s ; "
        f"hacheur : {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]} ; "
        f"empreinte de la réponse : {'$'.join(user.secret_answer_hash.split('$')[:4])}"
    )


def _answer_once(client, typed: str) -> tuple[float, int]:
    """Step 1 by the service (not timed), then the timed POST of a wrong answer; (seconds, hash operations)."""
    from accounts.models import RecoveryAnswerCounter
    from accounts.recovery import recovery_start

    RecoveryAnswerCounter.objects.all().delete()
    challenge = recovery_start(flow="password", typed=typed, ip_address="127.0.0.1")
    session = client.session
    session["recovery"] = challenge.as_session()
    session.save()
    records: list = []
    with stack.counting_hashes(records):
        started = time.perf_counter()
        response = client.post(QUESTION, {"answer": WRONG})
        seconds = time.perf_counter() - started
    body = response.content.decode()
    if response.status_code != 200 or "Votre réponse est incorrecte" not in body:
        raise SystemExit(f"POST {QUESTION} ({typed}) : HTTP {response.status_code}, réponse inattendue")
    return seconds, len(records)


def _run(args) -> int:
    _port, env = stack.server_env(args, database=BENCH_DATABASE, name="recovery", CELERY_BROKER_URL="")
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    _setup(env)
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    who = {"compte réel": IDENTIFIANT, "compte inconnu": UNKNOWN}
    for _ in range(args.warmup):
        for typed in who.values():
            _answer_once(client, typed)
    timings = {label: [] for label in who}
    hashes = {label: set() for label in who}
    for number in range(args.tries):
        order = list(who.items()) if number % 2 == 0 else list(reversed(who.items()))
        for label, typed in order:
            seconds, count = _answer_once(client, typed)
            timings[label].append(seconds)
            hashes[label].add(count)

    print(f"\n=== POST {QUESTION} (réponse fausse), {args.tries} essais par chemin, ordre alterné ===")
    medians = {}
    for label, values in timings.items():
        medians[label] = statistics.median(values)
        print(
            f"  {label:<15} médiane {ms(medians[label], 1):>9} · min {ms(min(values), 1):>9} · "
            f"max {ms(max(values), 1):>9} · opérations de hachage par réponse : {sorted(hashes[label])}"
        )
    known, unknown = medians["compte réel"], medians["compte inconnu"]
    gap = 100 * abs(known - unknown) / max(known, unknown)
    verdict = "atteint" if gap <= TARGET_PERCENT else "NON atteint"
    print(f"Écart des médianes : {fr(gap, 1)} % (objectif ≤ {TARGET_PERCENT} % : {verdict})")
    return 0 if gap <= TARGET_PERCENT else 1


def main() -> int:
    parser = stack.argument_parser(__doc__, seconds=0, warmup=0)
    parser.add_argument("--tries", type=int, default=20, help="réponses mesurées par chemin")
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    args.warmup = int(args.warmup) or 3
    if not (1 <= args.tries <= 1000):
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit or 300 + 4 * args.tries, sigint_exits=True)


if __name__ == "__main__":
    sys.exit(main())
