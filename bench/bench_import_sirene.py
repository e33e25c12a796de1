"""Benchmark of `manage.py import_sirene` on PostgreSQL (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_import_sirene.py \
        [--rows 1000000 [200000 …]] [--format zip|csv] [--modes upsert full] [--reimport] [--lookups 2000] [--keep DIR]
        [--database apart_bench]

For each size: generates a StockUniteLegale + StockEtablissement pair (official headers, every column,
realistic values, Luhn-valid SIRENs and SIRETs, sorted as INSEE publishes them, zipped like the real
files) in a temporary directory, (re)creates its own database `apart_bench` on the server of DATABASE_URL,
migrates it, runs the import in a child process (`manage.py import_sirene … --no-progress -v 2`) and
prints the rows per second (wall time of the child process, from start to exit) and the peak memory
(RSS) of that child (`os.wait4`; the same figure as getrusage(RUSAGE_CHILDREN).ru_maxrss for one child).
Before the imports, the raw COPY of the same files is timed (each CSV, decompressed as it is read, streamed
by psycopg into `COPY … FROM STDIN (FORMAT csv, HEADER)` of a table of as many text columns, no index, no
check, no transformation, committed): each import prints its ratio to that time, and the time a 40 M-row
stock would take at its rate (linear). Modes: `upsert` (the default import, on empty tables) then `full`
(`import_sirene --full`, replacing what the upsert loaded).
After the last size: p50/p99 of a SIRET look-up (`SireneEtablissement.objects.filter(pk=…).first()`) over
random SIRETs of the table, each timed on its own.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "apart_bench"  # by default; --database to use another (the database is dropped and recreated)

# --- Luhn keys, four digits at a time ------------------------------------------------------------

_DOUBLE = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]
# Luhn contribution of a 4-digit chunk whose rightmost digit is doubled: in front of the key (the last
# digit), the digit just before is doubled, and 4-digit chunks keep that parity.
_CHUNK = [_DOUBLE[n % 10] + (n // 10) % 10 + _DOUBLE[(n // 100) % 10] + (n // 1000) % 10 for n in range(10_000)]


def siren_with_key(base: int) -> str:
    """The 9-digit SIREN of an 8-digit base, with its Luhn key."""
    total = _CHUNK[base // 10_000] + _CHUNK[base % 10_000]
    return f"{base:08d}{-total % 10}"


def siret_prefix_sum(siren: str) -> int:
    """The Luhn contribution of a SIREN at the head of a SIRET (its 9 digits followed by 4 + the key)."""
    return _DOUBLE[int(siren[0])] + _CHUNK[int(siren[1:5])] + _CHUNK[int(siren[5:9])]


def nic_with_key(prefix_sum: int, nic_base: int) -> str:
    """The 5-digit NIC (4 digits + key) that makes the SIRET pass the Luhn check."""
    return f"{nic_base:04d}{-(prefix_sum + _CHUNK[nic_base]) % 10}"


# --- Realistic values ----------------------------------------------------------------------------

ACTIVITES = [  # a word of the name, APE (NAF rév. 2), NAF 2025
    ("BOULANGERIE", "10.71C", "10.71Y"),
    ("GARAGE", "45.20A", "95.31Y"),
    ("TRANSPORTS", "49.41A", "49.41Y"),
    ("CABINET", "69.20Z", "69.20Y"),
    ("ATELIER", "16.23Z", "16.23Y"),
    ("PHARMACIE", "47.73Z", "47.73Y"),
    ("MENUISERIE", "43.32A", "43.32Y"),
    ("HOLDING", "64.20Z", "64.21Y"),
    ("RESTAURANT", "56.10A", "56.11Y"),
    ("SCI", "68.20B", "68.20Y"),
    ("INFORMATIQUE", "62.01Z", "62.10Y"),
    ("BATIMENT", "41.20A", "41.00Y"),
    ("COIFFURE", "96.02A", "96.21Y"),
    ("CONSEIL", "70.22Z", "70.20Y"),
    ("NETTOYAGE", "81.21Z", "81.21Y"),
]
NOMS = [
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFEBVRE",
    "LEROY",
    "ROUX",
    "DAVID",
    "BERTRAND",
    "MOREL",
    "FOURNIER",
    "GIRARD",
    "BONNET",
    "DUPONT",
    "LAMBERT",
    "FONTAINE",
    "ROUSSEAU",
    "VINCENT",
    "MULLER",
    "LEFEVRE",
    "FAURE",
    "ANDRE",
    "MERCIER",
    "BLANC",
    "GUERIN",
    "BOYER",
    "GARNIER",
    "CHEVALIER",
    "FRANCOIS",
    "LEGRAND",
    "GAUTHIER",
    "GARCIA",
    "PERRIN",
    "ROBIN",
    "CLEMENT",
    "MORIN",
    "NICOLAS",
    "HENRY",
    "ROUSSEL",
    "MATHIEU",
    "GAUTIER",
    "MASSON",
    "MARCHAND",
    "DUVAL",
    "DENIS",
    "DUMONT",
    "MARIE",
    "LEMAIRE",
    "NOEL",
    "MEYER",
    "DUFOUR",
    "MEUNIER",
    "BRUN",
    "BLANCHARD",
    "GIRAUD",
    "JOLY",
    "RIVIERE",
    "LUCAS",
    "BRUNET",
    "GAILLARD",
    "BARBIER",
    "ARNAUD",
    "MARTINEZ",
]
PRENOMS = [
    "JEAN",
    "MARIE",
    "PIERRE",
    "MICHEL",
    "ANNE",
    "CATHERINE",
    "NATHALIE",
    "ISABELLE",
    "PHILIPPE",
    "ALAIN",
    "SYLVIE",
    "CHRISTINE",
    "NICOLAS",
    "SANDRINE",
    "JULIEN",
    "CELINE",
    "STEPHANE",
    "AURELIE",
    "THOMAS",
    "CAMILLE",
    "LEA",
    "HUGO",
    "CHLOE",
    "LUCAS",
    "EMMA",
    "KEVIN",
    "SOPHIE",
]
SUFFIXES = ["", "", "", " ET FILS", " SERVICES", " & ASSOCIES", " FRANCE", " DU CENTRE", " ET CIE"]
FORMES = [("5710", "SAS"), ("5499", "SARL"), ("5720", "SASU"), ("5498", "EURL"), ("6540", "SCI"), ("5599", "SA")]
VOIES = [
    "DE LA REPUBLIQUE",
    "DU GENERAL DE GAULLE",
    "JEAN JAURES",
    "VICTOR HUGO",
    "DE LA GARE",
    "DE L EGLISE",
    "PASTEUR",
    "DES ECOLES",
    "DU MOULIN",
    "DE PARIS",
    "GAMBETTA",
    "DE LA LIBERATION",
    "DU MARECHAL FOCH",
    "DES TILLEULS",
    "NATIONALE",
    "DU COMMANDANT JEAN LOUIS TULASNE",
    "DES ANCIENS COMBATTANTS D AFRIQUE DU NORD",
    "DE LA FONTAINE",
    "DU STADE",
]
TYPES_VOIE = ["RUE"] * 8 + ["AV"] * 3 + ["BD", "CHE", "IMP", "PL", "QUAI", "ALL", "RTE", "LD", "ZA", "CRS"]
COMMUNES = [  # code postal, libellé INSEE, code commune, Lambert 93 (approximate centre)
    ("75011", "PARIS 11", "75111", 654500, 6862500),
    ("75008", "PARIS 8", "75108", 649500, 6864000),
    ("69003", "LYON 3E ARRONDISSEMENT", "69383", 844500, 6519500),
    ("13001", "MARSEILLE 1ER ARRONDISSEMENT", "13201", 893000, 6246500),
    ("33000", "BORDEAUX", "33063", 417500, 6423000),
    ("59000", "LILLE", "59350", 703500, 7059000),
    ("31000", "TOULOUSE", "31555", 574500, 6279500),
    ("44000", "NANTES", "44109", 355500, 6689500),
    ("67000", "STRASBOURG", "67482", 1050500, 6841000),
    ("97400", "SAINT-DENIS", "97411", 0, 0),
    ("35000", "RENNES", "35238", 352000, 6789000),
    ("21000", "DIJON", "21231", 853000, 6694500),
    ("63000", "CLERMONT-FERRAND", "63113", 706000, 6520500),
    ("80000", "AMIENS", "80021", 649000, 6977000),
    ("29200", "BREST", "29019", 146000, 6838000),
    ("26000", "VALENCE", "26362", 849000, 6424000),
    ("01000", "BOURG-EN-BRESSE", "01053", 873500, 6570000),
    ("20000", "AJACCIO", "2A004", 1177000, 6110000),
]
COMPLEMENTS = ["", "", "", "", "", "", "", "", "BATIMENT A", "ZI DES GRANDS CHAMPS", "RESIDENCE LES PINS"]
TRANCHES = ["NN", "NN", "NN", "00", "01", "02", "03", "11", "12", "21"]
ETABLISSEMENTS_PER_UNIT = [1] * 62 + [2] * 22 + [3] * 9 + [5] * 5 + [12] * 2  # 42 M establishments, 28 M units


def _date(rng: random.Random, first: int, last: int) -> str:
    return f"{rng.randint(first, last)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _addresses(rng: random.Random, count: int) -> list[str]:
    """Address columns of StockEtablissement, from complementAdresse to coordonneeLambertOrdonnee (19)."""
    addresses = []
    for _ in range(count):
        cp, commune, code_commune, x, y = rng.choice(COMMUNES)
        numero = str(rng.randint(1, 180)) if rng.random() < 0.9 else ""
        indice = rng.choice("BBT") if numero and rng.random() < 0.05 else ""
        complement = rng.choice(COMPLEMENTS)
        if rng.random() < 0.02:
            complement = '"BAT B, 2E ETAGE"'  # a comma: quoted, as INSEE does
        ban = f"{code_commune}_{rng.randint(1000, 9999)}_{int(numero or 0):05d}" if rng.random() < 0.7 else ""
        lambert_x = f"{x + rng.randint(-4000, 4000)}.{rng.randint(0, 9)}" if x else ""
        lambert_y = f"{y + rng.randint(-4000, 4000)}.{rng.randint(0, 9)}" if y else ""
        addresses.append(
            f"{complement},{numero},{indice},,,{rng.choice(TYPES_VOIE)},{rng.choice(VOIES)},{cp},{commune},,,"
            f"{code_commune},,,,,{ban},{lambert_x},{lambert_y}"
        )
    return addresses


def generate(directory: Path, rows: int, *, fmt: str = "zip", seed: int = 42) -> tuple[Path, Path, int]:
    """Write StockUniteLegale_utf8 and StockEtablissement_utf8 (`rows` establishments) into `directory`.

    Returns the two paths and the number of unités légales.
    """
    from referentiels.sirene_import import STOCK_ETABLISSEMENT_COLUMNS, STOCK_UNITE_LEGALE_COLUMNS

    rng = random.Random(seed)
    addresses = _addresses(rng, 4000)
    nd_address = "[ND],[ND],[ND],,,[ND],[ND],{cp},{commune},,,{code},,,,,[ND],[ND],[ND]"
    treated = [
        f"2025-{m:02d}-{d:02d}T0{h}:{mi:02d}:{s:02d}"
        for m in range(1, 12)
        for d in (3, 14, 27)
        for h, mi, s in ((3, 12, 44), (6, 41, 7))
    ]
    with ExitStack() as stack:
        ul_path, ul_out = _open_output(stack, directory, "StockUniteLegale_utf8", fmt)
        etab_path, etab_out = _open_output(stack, directory, "StockEtablissement_utf8", fmt)
        ul_lines = [",".join(STOCK_UNITE_LEGALE_COLUMNS)]
        etab_lines = [",".join(STOCK_ETABLISSEMENT_COLUMNS)]
        base, done, units = 30_000_000, 0, 0
        step = max(1, min(30, 65_000_000 // max(rows, 1)))  # mean gap between SIRENs: 8-digit bases stay < 10⁸
        while done < rows:
            base += rng.randint(1, 2 * step - 1) if step > 1 else 1
            siren = siren_with_key(base)
            prefix = siret_prefix_sum(siren)
            count = min(rng.choice(ETABLISSEMENTS_PER_UNIT), rows - done)
            activite, ape, naf25 = rng.choice(ACTIVITES)
            created = _date(rng, 1970, 2024)
            unit_state = "A" if rng.random() < 0.9 else "C"
            diffusion = "O" if rng.random() < 0.97 else "P"
            last = rng.choice(treated)
            head_office = nic_with_key(prefix, 1)
            if rng.random() < 0.3:  # entrepreneur individuel: prénom + nom, no denomination
                prenom, nom = rng.choice(PRENOMS), rng.choice(NOMS)
                usage = rng.choice(NOMS) if rng.random() < 0.1 else ""
                sexe = rng.choice("MF")
                if diffusion == "P":
                    prenom, nom, usage, sexe = "[ND]", "[ND]", "", "[ND]"
                ul_lines.append(
                    f"{siren},{diffusion},,{created},,{sexe},{prenom},,,,{prenom},,,NN,,{last},{rng.randint(1, 4)},"
                    f"PME,2022,{created},{unit_state},{nom},{usage},,,,,1000,{ape},NAFRev2,{head_office},N,,N,{naf25}"
                )
            else:
                code, forme = rng.choice(FORMES)
                name = f"{activite} {rng.choice(NOMS)}{rng.choice(SUFFIXES)}"
                sigle = "".join(word[0] for word in name.split()) if rng.random() < 0.15 else ""
                ul_lines.append(
                    f"{siren},O,,{created},{sigle},,,,,,,,,{rng.choice(TRANCHES)},2023,{last},{rng.randint(1, 6)},"
                    f"PME,2022,{created},{unit_state},,,{name} ({forme}),,,,{code},{ape},NAFRev2,{head_office},N,N,O,"
                    f"{naf25}"
                )
            units += 1
            for k in range(count):
                nic = head_office if k == 0 else nic_with_key(prefix, 1 + k)
                state = "A" if unit_state == "A" and rng.random() < 0.85 else "F"
                enseigne = f"{activite} DU {rng.choice(VOIES)}" if rng.random() < 0.12 else ""
                if diffusion == "P":
                    cp, commune, code_commune, _, _ = rng.choice(COMMUNES)
                    address = nd_address.format(cp=cp, commune=commune, code=code_commune)
                else:
                    address = addresses[rng.randrange(len(addresses))]
                etab_lines.append(
                    f"{siren},{nic},{siren}{nic},{diffusion},{created},{rng.choice(TRANCHES)},2023,,{last},"
                    f"{'true' if k == 0 else 'false'},{rng.randint(1, 5)},{address},,,,,,,,,,,,,,,{created},"
                    f"{state},{enseigne},,,,{ape},NAFRev2,{'O' if rng.random() < 0.3 else 'N'},{naf25}"
                )
            done += count
            if len(etab_lines) >= 20_000:
                _write(ul_out, ul_lines)
                _write(etab_out, etab_lines)
        _write(ul_out, ul_lines)
        _write(etab_out, etab_lines)
    return ul_path, etab_path, units


def _open_output(stack: ExitStack, directory: Path, name: str, fmt: str):
    if fmt == "zip":  # one CSV inside, like INSEE's StockEtablissement_utf8.zip
        path = directory / f"{name}.zip"
        archive = stack.enter_context(zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1))
        return path, stack.enter_context(archive.open(f"{name}.csv", "w", force_zip64=True))
    path = directory / f"{name}.csv"
    return path, stack.enter_context(open(path, "wb"))  # noqa: SIM115 — closed by the ExitStack


def _write(out, lines: list[str]) -> None:
    if lines:
        out.write(("\n".join(lines) + "\n").encode())
        lines.clear()


# --- The run -------------------------------------------------------------------------------------


def _fr(number: float, decimals: int = 0) -> str:
    return f"{number:,.{decimals}f}".replace(",", " ").replace(".", ",")


def _raw_copy(paths: list[Path]) -> float:
    """Seconds to COPY the files as they are into tables of text columns (the floor of any import)."""
    import psycopg

    from referentiels.sirene_import.reading import open_stock

    url = os.environ["DATABASE_URL"]
    started = time.perf_counter()
    with psycopg.connect(url) as connection:
        for n, path in enumerate(paths):
            with open_stock(path) as (stream, _raw):
                header = stream.readline()
                width = header.count(b",") + 1
                table = f"bench_copie_brute_{n}"
                connection.execute(f"CREATE TABLE {table} ({', '.join(f'c{i} text' for i in range(width))})")
                with connection.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:
                    while data := stream.read(1 << 20):
                        copy.write(data)
        connection.commit()
    elapsed = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as connection:
        for n in range(len(paths)):
            connection.execute(f"DROP TABLE bench_copie_brute_{n}")
    return elapsed


def _import_duration(output: str) -> float | None:
    """The import's own duration, from its summary (« Total : … en 12,3 s »)."""
    import re

    found = re.search(r"Total : .* en ([0-9 \u00a0]+,[0-9]) s", output)
    return float(found[1].replace("\u00a0", "").replace(" ", "").replace(",", ".")) if found else None


def _run_import(ul_path: Path, etab_path: Path, env: dict, *, full: bool = False) -> tuple[float, int, str]:
    """Wall time, peak RSS (KiB) and output of `manage.py import_sirene` in a child process."""
    command = [
        sys.executable,
        "manage.py",
        "import_sirene",
        "--unites-legales",
        str(ul_path),
        "--etablissements",
        str(etab_path),
        "--no-progress",
        "-v",
        "2",
    ] + (["--full"] if full else [])
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    if child.returncode:
        raise SystemExit(f"L'import a échoué ({child.returncode}) :\n{text}")
    return elapsed, usage.ru_maxrss, text


def _recreate_database(admin_url: str, env: dict, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def _lookups(count: int) -> None:
    from django.db import connection

    from referentiels.models import SireneEtablissement

    connection.close()  # the database was recreated since
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT siret FROM referentiels_sireneetablissement TABLESAMPLE SYSTEM (5) ORDER BY random() LIMIT %s",
            [count],
        )
        sirets = [row[0] for row in cursor.fetchall()]
    for siret in sirets[:50]:  # warm up: connection, plan cache, index root pages
        SireneEtablissement.objects.filter(pk=siret).first()
    timings = []
    for siret in sirets:
        started = time.perf_counter()
        found = SireneEtablissement.objects.filter(pk=siret).first()
        timings.append((time.perf_counter() - started) * 1000)
        assert found is not None
    timings.sort()
    p99 = timings[max(0, int(len(timings) * 0.99) - 1)]
    print(f"\n=== Recherche par SIRET ({len(timings)} SIRET tirés au hasard, un par requête ORM) ===")
    print(f"p50 {statistics.median(timings):.3f} ms · p99 {p99:.3f} ms · max {timings[-1]:.3f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000], help="établissements à générer")
    parser.add_argument("--format", choices=["zip", "csv"], default="zip")
    parser.add_argument("--reimport", action="store_true", help="relancer l'import (mise à jour de lignes existantes)")
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=["upsert", "full"],
        default=["upsert", "full"],
        help="imports mesurés, dans l'ordre",
    )
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument(
        "--database",
        default=BENCH_DATABASE,
        help="base de mesure, SUPPRIMÉE puis recréée (une base à soi sur un serveur partagé)",
    )
    parser.add_argument("--keep", type=Path, help="garder les fichiers générés dans ce dossier")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL doit désigner un serveur PostgreSQL (postgres://…).", file=sys.stderr)
        return 2
    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    bench_url = urlunsplit(parts._replace(path=f"/{args.database}"))
    env = {**os.environ, "DATABASE_URL": bench_url}
    os.environ.update(DATABASE_URL=bench_url, DJANGO_SETTINGS_MODULE="apart.settings", LOG_LEVEL="WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    print(f"Machine : {os.cpu_count()} cœurs · base {args.database} sur {parts.hostname}:{parts.port or 5432}")
    for rows in args.rows:
        _recreate_database(admin_url, env, args.database)
        with tempfile.TemporaryDirectory(prefix="bench_sirene_") as tmp:
            directory = args.keep or Path(tmp)
            directory.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            ul_path, etab_path, units = generate(directory, rows, fmt=args.format)
            print(
                f"\n=== {_fr(rows)} établissements, {_fr(units)} unités légales ===\n"
                f"Fichiers générés en {_fr(time.perf_counter() - started, 1)} s : "
                f"{ul_path.name} {_fr(ul_path.stat().st_size / 1e6)} Mo, "
                f"{etab_path.name} {_fr(etab_path.stat().st_size / 1e6)} Mo"
            )
            raw = _raw_copy([ul_path, etab_path])
            print(
                f"--- COPY brut des deux fichiers (tables de colonnes text, sans index ni contrôle) : {_fr(raw, 2)} s"
            )
            runs = []
            for mode in sorted(set(args.modes), key=["upsert", "full"].index):  # the upsert on empty tables
                if mode == "upsert":
                    runs.append(("upsert, premier import (tables vides)", False))
                    if args.reimport:
                        runs.append(("upsert, ré-import (lignes existantes)", False))
                else:
                    runs.append(("rechargement complet (--full), qui remplace les lignes déjà chargées", True))
            for label, full in runs:
                elapsed, peak_kib, output = _run_import(ul_path, etab_path, env, full=full)
                print(f"--- {label} ---")
                print("\n".join("  " + line for line in output.strip().splitlines()))
                print(f"  Durée du processus d'import : {_fr(elapsed, 2)} s")
                print(f"  Établissements par seconde : {_fr(rows / elapsed)}")
                print(f"  Lignes (unités légales + établissements) par seconde : {_fr((rows + units) / elapsed)}")
                print(f"  Mémoire maximale (RSS) du processus d'import : {_fr(peak_kib / 1024)} Mio")
                own = _import_duration(output)
                print(
                    f"  Rapport au COPY brut : {_fr(elapsed / raw, 2)}× (durée du processus)"
                    + (f", {_fr(own / raw, 2)}× (durée de l'import, démarrage de Django exclu)" if own else "")
                )
                print(
                    f"  Estimation pour un stock de 40 M établissements (+ {_fr(40 * units / rows, 1)} M unités légales), "
                    f"au même débit : {_fr(elapsed * 40_000_000 / rows / 60, 1)} min"
                )
    _lookups(args.lookups)
    return 0


if __name__ == "__main__":
    sys.exit(main())
