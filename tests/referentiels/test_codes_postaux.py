import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from referentiels.codes_postaux import (
    DEFAULT_PATH,
    FIELDS,
    CodesPostauxFileError,
    codes_postaux_load,
    communes_for_code_postal,
)
from referentiels.models import CodePostalCommune
from tests.factories import load_communes

BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "referentiels" / "data" / "build_codes_postaux.py"


def shipped_rows() -> list[tuple[str, str, str, str]]:
    """The data rows of the shipped file, read without the loader."""
    with gzip.open(DEFAULT_PATH, mode="rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == list(FIELDS)
        return [tuple(row) for row in reader]


def db_rows() -> set[tuple[str, str, str, str]]:
    return set(CodePostalCommune.objects.values_list(*FIELDS))


def write_csv(path: Path, rows, header=FIELDS) -> Path:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(gzip.compress(text.getvalue().encode("utf-8"), mtime=0))
    return path


def summary(communes):
    return [(c.code_postal, c.code_commune, c.nom_commune, c.libelle_acheminement) for c in communes]


@pytest.fixture
def loaded(db):
    """The rows of the shipped file for the codes postaux read below (the whole file is loaded once, by the
    command's test: a second and a half)."""
    return load_communes("75011", "97400", "01000", "13013", "51300", "10160", "10190", "20000")


def test_the_command_loads_every_row_of_the_shipped_file(db):
    rows = shipped_rows()
    assert len(rows) > 35_000
    assert len(set(rows)) == len(rows)
    assert rows == sorted(rows, key=lambda row: (row[0], row[1], row[3]))
    out = io.StringIO()

    call_command("load_codes_postaux", stdout=out)

    assert CodePostalCommune.objects.count() == len(rows)
    assert db_rows() == set(rows)
    assert out.getvalue() == f"{len(rows)} codes postaux chargés.\n"


BAD_CODES = ["", "7501", "750111", "7501A", "ABCDE", " 75011", "75011 ", "75011\n", "７５０１１", None, 75011]


class TestTheShippedTable:
    """Reads of the shipped communes."""

    def test_paris_11e(self, loaded):
        assert summary(communes_for_code_postal("75011")) == [("75011", "75111", "Paris 11e Arrondissement", "PARIS")]
        assert CodePostalCommune.objects.get(code_postal="75011").code_commune == "75111"

    def test_saint_denis_de_la_reunion(self, loaded):
        assert summary(communes_for_code_postal("97400")) == [("97400", "97411", "Saint-Denis", "SAINT DENIS")]

    def test_code_postal_shared_by_several_communes(self, loaded):
        assert summary(communes_for_code_postal("01000")) == [
            ("01000", "01053", "Bourg-en-Bresse", "BOURG-EN-BRESSE"),
            ("01000", "01344", "Saint-Denis-lès-Bourg", "SAINT-DENIS-LES-BOURG"),
        ]
        marseille = communes_for_code_postal("13013")
        assert [c.code_commune for c in marseille] == ["13212", "13213", "13214"]
        assert [c.nom_commune for c in marseille] == [
            "Marseille 12e Arrondissement",
            "Marseille 13e Arrondissement",
            "Marseille 14e Arrondissement",
        ]
        assert (
            len(communes_for_code_postal("51300")) == CodePostalCommune.objects.filter(code_postal="51300").count() > 40
        )

    def test_commune_with_several_codes_postaux(self, loaded):
        codes = CodePostalCommune.objects.filter(code_commune="10003").values_list("code_postal", flat=True)
        assert sorted(codes) == ["10160", "10190"]
        assert [c.nom_commune for c in communes_for_code_postal("10190") if c.code_commune == "10003"] == [
            "Aix-Villemaur-Pâlis"
        ]

    def test_corse_keeps_its_alphanumeric_codes(self, loaded):
        assert summary(communes_for_code_postal("20000")) == [
            ("20000", "2A004", "Ajaccio", "AJACCIO"),
            ("20000", "2A139", "Lecci", "LECCI"),
        ]

    def test_bad_or_unknown_code_postal_gives_no_commune(self, loaded):
        assert CodePostalCommune.objects.count() == loaded
        assert len(communes_for_code_postal("75011")) == 1
        for code_postal in BAD_CODES:
            assert communes_for_code_postal(code_postal) == [], repr(code_postal)
        assert not CodePostalCommune.objects.filter(code_postal="99999").exists()
        assert communes_for_code_postal("99999") == []


def test_empty_table_gives_no_commune(db):
    assert CodePostalCommune.objects.count() == 0
    assert communes_for_code_postal("75011") == []


def test_bad_file_leaves_the_table_untouched(db, tmp_path):
    good = [("01000", "01053", "Bourg-en-Bresse", "BOURG-EN-BRESSE")]
    assert codes_postaux_load(path=write_csv(tmp_path / "good.csv.gz", good)) == 1

    bad_files = {
        "header": write_csv(tmp_path / "header.csv.gz", good, header=("cp", "insee", "nom", "acheminement")),
        "code": write_csv(
            tmp_path / "code.csv.gz", [("75011", "75111", "Paris", "PARIS"), ("7500", "75111", "P", "P")]
        ),
        "duplicate": write_csv(tmp_path / "duplicate.csv.gz", [("75011", "75111", "Paris", "PARIS")] * 2),
        "long": write_csv(tmp_path / "long.csv.gz", [("75011", "75111", "P" * 101, "PARIS")]),
        "empty": write_csv(tmp_path / "empty.csv.gz", []),
    }
    not_gzip = tmp_path / "plain.csv"
    not_gzip.write_text("code_postal,code_commune,nom_commune,libelle_acheminement\n", encoding="utf-8")
    bad_files["not gzip"] = not_gzip

    for name, path in bad_files.items():
        with pytest.raises(CodesPostauxFileError):
            codes_postaux_load(path=path)
        assert db_rows() == set(good), name
    with pytest.raises(OSError):
        codes_postaux_load(path=tmp_path / "missing.csv.gz")
    assert db_rows() == set(good)


def test_loading_twice_gives_the_same_table(db, tmp_path):
    rows = [
        ("01000", "01053", "Bourg-en-Bresse", "BOURG-EN-BRESSE"),
        ("20000", "2A004", "Ajaccio", "AJACCIO"),
    ]
    path = write_csv(tmp_path / "deux.csv.gz", rows)
    assert codes_postaux_load(path=path) == 2
    CodePostalCommune.objects.create(
        code_postal="99999", code_commune="99999", nom_commune="Nulle part", libelle_acheminement="NULLE PART"
    )

    assert codes_postaux_load(path=path) == 2

    assert db_rows() == set(rows)  # the stray row is gone: the table is the file


def test_command_file_option(db, tmp_path):
    rows = [
        ("01000", "01053", "Bourg-en-Bresse", "BOURG-EN-BRESSE"),
        ("01000", "01344", "Saint-Denis-lès-Bourg", "SAINT-DENIS-LES-BOURG"),
    ]
    out = io.StringIO()

    call_command("load_codes_postaux", "--file", str(write_csv(tmp_path / "two.csv.gz", rows)), stdout=out)

    assert out.getvalue() == "2 codes postaux chargés.\n"
    assert db_rows() == set(rows)

    with pytest.raises(CommandError, match="Codes postaux non chargés"):
        call_command("load_codes_postaux", "--file", str(tmp_path / "missing.csv.gz"), stdout=out)
    assert db_rows() == set(rows)


def test_build_script_is_reproducible(tmp_path):
    package = tmp_path / "package"
    package.mkdir()
    (package / "package.json").write_text(json.dumps({"name": "codes-postaux", "version": "0.0.0"}), encoding="utf-8")
    entries = [
        {"codePostal": "97400", "codeCommune": "97411", "nomCommune": "Saint-Denis", "libelleAcheminement": "SAINT DENIS"},
        {"codePostal": "01000", "codeCommune": "01344", "nomCommune": "Saint-Denis-lès-Bourg", "libelleAcheminement": "SAINT-DENIS-LES-BOURG"},
        {"codePostal": "26400", "codeCommune": "26277", "nomCommune": "La Roche-sur-Grane", "libelleAcheminement": "LA  ROCHE SUR GRANE"},
        {"codePostal": "01000", "codeCommune": "01053", "nomCommune": "Bourg-en-Bresse", "libelleAcheminement": "BOURG-EN-BRESSE", "ligne5": "X"},
        {"codePostal": "01000", "codeCommune": "01053", "nomCommune": "Bourg-en-Bresse", "libelleAcheminement": "BOURG-EN-BRESSE"},
    ]  # fmt: skip
    (package / "codes-postaux.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")

    outputs = []
    for name in ("a.csv.gz", "b.csv.gz"):
        output = tmp_path / name
        subprocess.run([sys.executable, str(BUILD_SCRIPT), str(package), "--output", str(output)], check=True)
        outputs.append(output.read_bytes())

    assert outputs[0] == outputs[1]
    assert gzip.decompress(outputs[0]).decode("utf-8") == (
        "code_postal,code_commune,nom_commune,libelle_acheminement\n"
        "01000,01053,Bourg-en-Bresse,BOURG-EN-BRESSE\n"
        "01000,01344,Saint-Denis-lès-Bourg,SAINT-DENIS-LES-BOURG\n"
        "26400,26277,La Roche-sur-Grane,LA ROCHE SUR GRANE\n"
        "97400,97411,Saint-Denis,SAINT DENIS\n"
    )
