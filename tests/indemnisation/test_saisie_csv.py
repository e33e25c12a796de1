"""The CSV import on the DI's page: a payroll export replaces the DI's employees, or nothing is written and every
bad line is listed with its line number in the file; the template downloads and imports back."""

import codecs
import re
import time
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indemnisation import checks, services
from indemnisation.models import SalarieIndemnise
from tests.indemnisation.helpers import last_month, make_decision, make_di, make_employer, make_nir, row

pytestmark = pytest.mark.django_db

HEADER = "Nom;Prénom;NIR;Type de contrat;Durée hebdomadaire de travail;Salaire brut mensuel de référence;Heures chômées"


@pytest.fixture
def employer():
    return make_employer()


@pytest.fixture
def user(employer):
    return employer[1]


@pytest.fixture
def demande(employer, user):
    return services.demande_create(by=user, decision=make_decision(*employer), mois=last_month())


@pytest.fixture
def employer_client(client, user):
    client.force_login(user)
    return client


def csv_line(index: int, sep=";", **overrides) -> str:
    values = {**row(index), "salaire_brut_mensuel": "2000,00", **overrides}
    cells = [values[field] for field in checks.LIGNE_FIELDS]
    if sep == ",":
        cells = [f'"{cell}"' if "," in cell else cell for cell in cells]
    return sep.join(cells)


def upload(client, demande, data: bytes, name="salaries.csv"):
    return client.post(
        reverse("indemnisation:saisie", args=[demande.numero]),
        {"action": "importer", "fichier": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def import_errors(response) -> list[str]:
    match = re.search(r'id="erreurs-import"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert match, "no import errors"
    return [
        unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item))).strip()
        for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    ]


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_semicolon_file_in_utf8_with_a_bom_is_imported_and_the_amounts_shown(employer_client, demande):
    lines = [HEADER, csv_line(0, nom="MARTIN", prenom="Hélène"), csv_line(1, contrat="Apprenti"), ""]
    response = upload(employer_client, demande, codecs.BOM_UTF8 + "\r\n".join(lines).encode())

    assert response.status_code == 302
    assert flashed(response) == ["2 salariés importés."]
    assert list(demande.salaries.values_list("nom", "prenom", "contrat")) == [
        ("MARTIN", "Hélène", "standard"),
        ("NOM1", "Prénom1", "apprenti"),
    ]
    page = employer_client.get(reverse("indemnisation:saisie", args=[demande.numero]))
    assert "Montants calculés" in page.content.decode()
    assert "190,40 €" in page.content.decode()


def test_a_comma_file_in_windows_1252_keeps_its_accents(employer_client, demande):
    lines = [
        HEADER.replace(";", ","),
        csv_line(0, ",", prenom="Hélène"),
        csv_line(1, ",", prenom="Gaëlle", heures_chomees="20,5"),
    ]
    response = upload(employer_client, demande, "\r\n".join(lines).encode("cp1252"))

    assert response.status_code == 302
    assert list(demande.salaries.values_list("prenom", "heures_chomees")) == [("Hélène", 20), ("Gaëlle", 20.5)]


def test_the_import_replaces_the_rows_typed(employer_client, employer, user):
    demande = make_di(make_decision(*employer), user, rows=[row(0), row(1), row(2)])

    upload(employer_client, demande, f"{HEADER}\n{csv_line(5)}".encode())

    assert list(demande.salaries.values_list("nom", flat=True)) == ["NOM5"]


def test_bad_rows_are_listed_with_their_line_number_and_nothing_is_imported(employer_client, employer, user):
    demande = make_di(make_decision(*employer), user, rows=[row(0)])
    lines = [
        HEADER,
        csv_line(1),
        csv_line(2, nir="1 85 05 75 000 000 00"),
        "",
        csv_line(3, heures_chomees="beaucoup", nom=""),
        csv_line(4),
        csv_line(5, nir=make_nir(1)),
    ]
    response = upload(employer_client, demande, "\n".join(lines).encode())

    assert response.status_code == 200
    assert import_errors(response) == [
        f"Ligne 3 — NIR : {checks.NIR_CLE_INVALIDE}",
        f"Ligne 5 — Nom : {checks.NOM_REQUIS}",
        f"Ligne 5 — Heures chômées : {checks.NOMBRE_INVALIDE}",
        "Ligne 7 — NIR : Ce NIR figure déjà à la ligne 2 du fichier.",
    ]
    assert "Aucun salarié n'a été importé" in response.content.decode()
    assert list(SalarieIndemnise.objects.values_list("nom", flat=True)) == ["NOM0"]


def test_a_line_the_reader_cannot_split_is_listed_with_the_bad_values_of_the_others(employer_client, demande):
    lines = [
        HEADER.replace(";", ","),
        csv_line(0, ","),
        f"X,x,{make_nir(1)},,35,1234,56,20",
        csv_line(2, ",", nir="123"),
    ]
    response = upload(employer_client, demande, "\n".join(lines).encode())

    errors = import_errors(response)
    assert errors[0].startswith("Ligne 3 — La ligne contient 8 valeurs pour 7 colonnes.")
    assert errors[1] == f"Ligne 4 — NIR : {checks.NIR_INVALIDE}"
    assert not SalarieIndemnise.objects.exists()


def test_a_missing_column_is_one_clear_error(employer_client, demande):
    response = upload(employer_client, demande, "Nom;Prénom;Salaire brut\nMARTIN;Hélène;2000".encode())

    errors = import_errors(response)
    assert len(errors) == 1
    assert errors[0].startswith(
        "Ligne 1 — La ligne d'en-tête ne contient pas les colonnes « NIR », « Durée hebdomadaire de travail », « Heures chômées »."
    )
    assert not SalarieIndemnise.objects.exists()


def test_no_file_is_said_next_to_the_field(employer_client, demande):
    response = employer_client.post(reverse("indemnisation:saisie", args=[demande.numero]), {"action": "importer"})

    assert "Choisissez le fichier CSV des salariés." in response.content.decode()


def test_5000_rows_are_imported(employer_client, employer, user):
    decision = make_decision(*employer, heures=__import__("decimal").Decimal("200000"), nb_salaries=5000)
    demande = services.demande_create(by=user, decision=decision, mois=last_month())
    body = "\n".join(csv_line(index) for index in range(5000))
    start = time.monotonic()

    response = upload(employer_client, demande, f"{HEADER}\n{body}".encode())

    assert response.status_code == 302
    assert flashed(response) == ["5000 salariés importés."]
    assert demande.salaries.count() == 5000
    demande.refresh_from_db()
    assert demande.nb_salaries == 5000
    page = employer_client.get(reverse("indemnisation:saisie", args=[demande.numero]))
    assert page.status_code == 200
    assert "au-delà de 100, les salariés ne sont pas saisis dans cette page" in unescape(page.content.decode())
    assert time.monotonic() - start < 20


def test_the_template_downloads_and_imports_back(employer_client, demande):
    response = employer_client.get("/espace/di/modele.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(codecs.BOM_UTF8)
    assert response.content[3:].decode().splitlines()[0] == HEADER

    imported = upload(employer_client, demande, response.content, name="modele.csv")
    assert imported.status_code == 302
    assert flashed(imported) == ["1 salarié importé."]
    assert demande.salaries.get().nom == "DUPONT"


def test_a_di_of_more_than_100_employees_is_sent_without_its_rows_in_the_page(employer_client, demande):
    body = "\n".join(csv_line(index) for index in range(101))
    upload(employer_client, demande, f"{HEADER}\n{body}".encode())
    page = employer_client.get(reverse("indemnisation:saisie", args=[demande.numero]))
    assert 'name="form-TOTAL_FORMS"' not in page.content.decode()
    assert "Page 1 sur 2" in page.content.decode()

    response = employer_client.post(reverse("indemnisation:saisie", args=[demande.numero]), {"action": "envoyer"})

    demande.refresh_from_db()
    assert response.url == reverse("indemnisation:detail", args=[demande.numero])
    assert demande.statut == "envoyee"
    assert demande.nb_salaries == 101
