"""The input of a « Demande d'habilitation en masse »: the textarea, the CSV file, and what is refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from habilitations.batch_io import (
    BOTH,
    EMPTY_FILE,
    NO_SIRET_COLUMN,
    NOTHING,
    BatchInputError,
    parse_input,
)
from tests.factories import make_siret

pytestmark = pytest.mark.django_db


def _csv(text: str, encoding="utf-8", name="clients.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_the_textarea_reads_one_siret_per_line_spaces_allowed_blank_lines_skipped():
    first, second = make_siret(), make_siret()
    spaced = f"{first[:3]} {first[3:6]} {first[6:9]} {first[9:]}"

    parsed = parse_input(sirets_text=f"{spaced}\n\n   \n{second}\r\n")

    assert [(line.line_number, line.siret, line.error) for line in parsed.lines] == [(1, first, ""), (4, second, "")]
    assert parsed.source == "Saisie"


def test_a_bad_key_a_short_number_and_a_duplicate_are_refused_lines_not_errors_of_the_input():
    siret = make_siret()
    bad_key = siret[:-1] + str((int(siret[-1]) + 1) % 10)

    lines = parse_input(sirets_text=f"{siret}\n{bad_key}\n1234\n{siret}").lines

    assert [line.error for line in lines] == [
        "",
        "Le numéro de Siret n'est pas valide (clé de contrôle erronée).",
        "Le numéro de Siret doit comporter 14 chiffres.",
        "Ce Siret figure déjà ligne 1 : la ligne est ignorée.",
    ]


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_a_csv_file_with_either_delimiter_and_encoding_and_the_contact_columns(delimiter, encoding):
    siret = make_siret()
    text = delimiter.join(["Siret", "Nom", "Prénom", "Téléphone", "Courriel"]) + "\r\n"
    text += delimiter.join([siret, "Lefèvre", "Hélène", "01 43 00 00 00", "Helene@Cabinet.fr"]) + "\r\n"

    parsed = parse_input(fichier=_csv(text, encoding))

    (line,) = parsed.lines
    assert (line.line_number, line.siret, line.error) == (2, siret, "")
    assert line.contact == {
        "contact_nom": "Lefèvre",
        "contact_prenom": "Hélène",
        "contact_telephone": "01 43 00 00 00",
        "contact_courriel": "helene@cabinet.fr",
    }
    assert parsed.source == "clients.csv"


def test_a_contact_with_a_bad_courriel_refuses_its_line():
    (line,) = parse_input(fichier=_csv(f"siret;courriel\n{make_siret()};pas-une-adresse\n")).lines

    assert line.error.startswith("Contact : courriel « pas-une-adresse » refusé")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({}, "sirets", NOTHING),
        ({"sirets_text": "  \n "}, "sirets", NOTHING),
        ({"sirets_text": "x", "fichier": _csv("siret\n1\n")}, "__all__", BOTH),
        ({"fichier": _csv("numero;nom\n1;A\n")}, "fichier", NO_SIRET_COLUMN),
        ({"fichier": _csv("siret\n\n;\n")}, "fichier", EMPTY_FILE),
    ],
)
def test_an_input_that_cannot_be_read_is_refused_with_the_field_to_show_it_on(kwargs, field, message):
    with pytest.raises(BatchInputError) as refused:
        parse_input(**kwargs)

    assert (refused.value.field, refused.value.message) == (field, message)


def test_at_most_2000_lines():
    with pytest.raises(BatchInputError) as refused:
        parse_input(sirets_text="\n".join(["73282932000074"] * 2001))

    assert refused.value.message == "Une demande en masse compte au plus 2 000 lignes (2001 reçues) : découpez-la."


def test_the_same_sirets_typed_or_in_a_file_have_the_same_hash():
    first, second = make_siret(), make_siret()

    typed = parse_input(sirets_text=f"{first}\n{first[:9]} {first[9:]}\n\n{second}")
    filed = parse_input(fichier=_csv(f"siret\n{first}\n{first}\n{second}\n"))

    assert typed.input_hash == filed.input_hash
