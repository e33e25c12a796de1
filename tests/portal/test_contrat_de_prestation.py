# ruff: noqa: F811 (the fixtures of tests/habilitations/contrats_helpers.py, imported, are named as arguments)
"""/contrat-de-prestation/: the steps, and the model contract as a PDF read back from the file: blank for a visitor,
filled from the current establishment (or the one of ?siret=, among the user's own) and the firm's data."""

import pytest
from django.urls import reverse

from tests.dap.test_pdf import pdf_text
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory
from tests.habilitations.contrats_helpers import (  # noqa: F401 (fixtures)
    _media,
    declared,
    establishment,
    expert,
    siret_cabinet,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:contrat_de_prestation")
MODELE = reverse("portal:contrat_modele_pdf")


def test_the_page_explains_the_steps_and_offers_the_model(client):
    html = client.get(PAGE).content.decode()

    assert "Télécharger le modèle de contrat (PDF)" in html and f'href="{MODELE}"' in html
    for step in (
        "Faites-le signer",
        "Déclarez-le dans votre espace",
        "L'ASP valide le contrat",
        "Vous devenez la personne à contacter",
    ):
        assert step.replace("'", "&#x27;") in html or step in html


def test_a_visitor_gets_a_blank_model(client):
    text = pdf_text(client.get(MODELE))

    assert "Contrat de prestation" in text and "Personne à contacter" in text
    assert "N° de Siret du cabinet" in text and "…………" in text


def test_a_logged_in_user_gets_it_filled_from_the_current_establishment_and_his_firm(
    client, expert, establishment, declared
):
    client.force_login(expert)

    text = pdf_text(client.get(MODELE))

    assert establishment.siret in text and "BOULANGERIE DU CANAL" in text and "75011" in text
    assert "Claire Expert" in text and "claire@cabinet.example.fr" in text
    assert "CABINET COMPTA" in text and declared.siret_cabinet in text


def test_the_siret_parameter_chooses_among_the_users_establishments(client, expert):
    other = EstablishmentFactory(denomination="FROMAGERIE DES HALLES")
    HabilitationFactory(user=expert, establishment=other)
    client.force_login(expert)

    response = client.get(MODELE, {"siret": other.siret})

    assert other.siret in response["Content-Disposition"]
    assert "FROMAGERIE DES HALLES" in pdf_text(response)
    html = client.get(PAGE).content.decode()
    assert f'<option value="{other.siret}"' in html


def test_a_foreign_siret_is_a_404(client, expert):
    client.force_login(expert)
    assert client.get(MODELE, {"siret": EstablishmentFactory().siret}).status_code == 404


def test_a_user_without_establishment_gets_a_model_with_his_name(client):
    user = UserFactory(nom="Seul", prenom="Paul")
    client.force_login(user)

    text = pdf_text(client.get(MODELE))

    assert "Paul Seul" in text and "…………" in text
