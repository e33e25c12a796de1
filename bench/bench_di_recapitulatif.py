"""Benchmark of the document récapitulatif of a DI (not a test): the PDF of a 300-employee DI in under 3 s.

    .venv/bin/python bench/bench_di_recapitulatif.py [--employees 300] [--repeat 5] [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_di_recap` on 127.0.0.1:5432 and migrates it (the barème comes with the
   migrations).
2. Writes an employer holding one vérifié establishment, an accepted DAP with its décision (the month before last
   to the end of this month), then a DI of last month through the services, as the employer would: created,
   CALCULER with --employees employees (names, NIRs, salaries, weekly hours and hours chômées varied), ENVOYER
   (every check, the amounts frozen).
3. GET /espace/di/<numero>/recapitulatif.pdf through django.test.Client (the view, its queries, the template and
   WeasyPrint), --repeat times after one unmeasured call: each time, the median and the max; then the same
   document split in two: the HTML (queries + template) and WeasyPrint alone. The PDF is read back (pypdf): its
   pages, and the first and last employees' names in its text.
4. Drops the database (unless --keep).
"""

import datetime
import io
import os
import statistics
import sys
import time
from decimal import Decimal

import _stack as stack
from _stack import fr

BENCH_DATABASE = "apart_bench_di_recap"
TARGET_S = 3.0
NOMS = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU"]
PRENOMS = ["Gérard", "Léa", "Chloé", "Noël", "Inès", "Hugo", "Zoé", "Jérôme", "Anaïs", "Loïc", "Maëlle", "Théo"]
DUREES = ["35", "35", "35", "39", "30", "28", "24", "20"]


def nir(index: int) -> str:
    """A valid NIR (key = 97 − the 13 digits mod 97), different for each index."""
    commune, ordre = divmod(index, 1000)
    body = f"{1 + index % 2}{70 + index % 30:02d}{1 + index % 12:02d}75{commune % 1000:03d}{ordre:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def employees(count: int) -> list[dict]:
    return [
        {
            "nom": f"{NOMS[index % len(NOMS)]}-{index:04d}",
            "prenom": PRENOMS[index % len(PRENOMS)],
            "nir": nir(index),
            "contrat": "standard",
            "duree_hebdomadaire": DUREES[index % len(DUREES)],
            "salaire_brut_mensuel": f"{1850 + (index * 37) % 4000},{index % 100:02d}",
            "heures_chomees": f"{5 + index % 15},{(index * 25) % 100:02d}",
        }
        for index in range(count)
    ]


def create_di(employees_count: int):
    """The employer, the décision and the sent DI, through the services; the seconds taken."""
    from django.utils import timezone

    from accounts.models import User
    from dap.codes import code_di_nouveau
    from dap.enums import ModeDecision, Motif, Statut, TypeActivite
    from dap.models import Decision, DemandeAutorisation
    from habilitations.enums import EstablishmentVerification
    from habilitations.models import Establishment, Extranet, Habilitation, one_year_after
    from indemnisation import services
    from indemnisation.checks import mois_precedent, mois_suivant

    started = time.perf_counter()
    now, today = timezone.now(), timezone.localdate()
    this_month = today.replace(day=1)
    last_month = mois_precedent(this_month)
    user = User.objects.create(identifiant="banc.recap", courriel="banc.recap@example.fr", nom="Banc", prenom="Récap")
    establishment = Establishment.objects.create(
        siret="40000000100018",
        siren="400000001",
        denomination="ATELIERS DU BANC RÉCAPITULATIF",
        numero_voie="1",
        type_voie="Rue",
        libelle_voie="DE LA PAIX",
        code_postal="75011",
        ville="Paris",
        telephone="01 43 00 00 00",
        courriel="contact@banc.example.fr",
        contact_courriel="contact@banc.example.fr",
        effectif=employees_count,
        verification=EstablishmentVerification.STAFF,
        verified_at=now,
    )
    Habilitation.objects.create(
        user=user,
        establishment=establishment,
        extranet=Extranet.objects.for_code("APART"),
        valid_from=today,
        valid_until=one_year_after(today),
    )
    debut, fin = mois_precedent(last_month), mois_suivant(this_month) - datetime.timedelta(days=1)
    dap = DemandeAutorisation.objects.create(
        numero="DAP-BANC-RECAP",
        establishment=establishment,
        created_by=user,
        motif=Motif.CONJONCTURE,
        circonstances="Baisse des commandes.",
        date_debut=debut,
        date_fin=fin,
        nb_salaries=employees_count,
        heures_previsionnelles=Decimal("100000"),
        type_activite=TypeActivite.REDUCTION,
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        titulaire="BANC",
        statut=Statut.ACCEPTEE,
        accuse_numero="AR-BANC-RECAP",
        sent_at=now,
        sent_by=user,
        decided_at=now,
        departement="75",
    )
    decision = Decision.objects.create(
        numero="DA-BANC-RECAP",
        demande=dap,
        date_debut=debut,
        date_fin=fin,
        heures_autorisees=Decimal("100000"),
        nb_salaries=employees_count,
        code_di=code_di_nouveau(),
        mode=ModeDecision.IMPLICITE,
        issued_at=now,
    )
    demande = services.demande_create(by=user, decision=decision, mois=last_month)
    demande = services.demande_calculate(demande=demande, by=user, rows=employees(employees_count))
    demande = services.demande_send(demande=demande, by=user)
    return user, demande, time.perf_counter() - started


def _run(args) -> int:
    _, env = stack.server_env(args, database=BENCH_DATABASE, name="di_recap", CELERY_BROKER_URL="")
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    os.environ.update(env)
    import django

    django.setup()
    import weasyprint
    from django.test import Client
    from django.urls import reverse
    from pypdf import PdfReader

    from indemnisation.pdf import recapitulatif_html
    from indemnisation.selectors import demande_for_user

    user, demande, seconds = create_di(args.employees)
    print(
        f"DI {demande.numero} ({demande.get_statut_display()}) : {demande.nb_salaries} salariés, "
        f"{fr(float(demande.total_heures), 2)} h, allocation {fr(float(demande.total_allocation), 2)} € — "
        f"créée, calculée et envoyée en {fr(seconds, 2)} s. WeasyPrint {weasyprint.__version__}."
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = reverse("indemnisation:recapitulatif_pdf", args=[demande.numero])

    def get() -> bytes:
        response = client.get(url)
        if response.status_code != 200 or response["Content-Type"] != "application/pdf":
            raise SystemExit(f"GET {url} : HTTP {response.status_code}")
        return response.content

    content = get()  # unmeasured: imports WeasyPrint, loads the fonts
    durations = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        content = get()
        durations.append(time.perf_counter() - started)
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    names = [row["nom"] for row in employees(args.employees)]
    if names[0] not in text or names[-1] not in text:
        raise SystemExit("Le texte du PDF ne contient pas le premier et le dernier salarié : la mesure ne vaut rien.")

    html_times, pdf_times = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        html = recapitulatif_html(demande_for_user(user=user, numero=demande.numero))
        middle = time.perf_counter()
        weasyprint.HTML(string=html).write_pdf()
        html_times.append(middle - started)
        pdf_times.append(time.perf_counter() - middle)

    median, worst = statistics.median(durations), max(durations)
    print(f"GET {url} ({args.repeat} mesures, après un appel de chauffe) :")
    print("  " + " · ".join(f"{fr(value, 2)} s" for value in durations))
    print(
        f"  médiane {fr(median, 2)} s · max {fr(worst, 2)} s — PDF de {len(reader.pages)} pages, "
        f"{fr(len(content) / 1024)} Kio, texte extractible (premier et dernier salariés lus)"
    )
    print(
        f"  dont HTML (requêtes + gabarit) : médiane {fr(statistics.median(html_times), 3)} s ; WeasyPrint : "
        f"médiane {fr(statistics.median(pdf_times), 2)} s"
    )
    ok = worst < TARGET_S
    print(
        f"Document récapitulatif d'une DI de {args.employees} salariés : max {fr(worst, 2)} s — objectif "
        f"< {fr(TARGET_S)} s : {'atteint' if ok else 'NON ATTEINT'}."
    )
    return 0 if ok else 1


def main() -> int:
    parser = stack.argparse.ArgumentParser(
        description=__doc__, formatter_class=stack.argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5, help="appels mesurés")
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    if args.employees < 1 or args.repeat < 1:
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit or 600)


if __name__ == "__main__":
    sys.exit(main())
