# ruff: noqa: F811 (the fixtures of tests/habilitations/contrats_helpers.py, imported, are named as arguments)
"""« Déclarer un contrat de prestation » in the space: the list of the user's contracts, the form (errors next to
their field, the typing kept), « Mettre fin au contrat » for either side; another user's contract is a 404."""

import pytest
from django.urls import reverse

from habilitations.contrat_services import contrat_validate
from habilitations.contrats import ContratPrestation
from habilitations.enums import ContratStatut
from habilitations.models import Establishment
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory, make_siret
from tests.habilitations.contrats_helpers import (  # noqa: F401 (fixtures)
    ANCIEN_CONTACT,
    PDF,
    _media,
    declared,
    employer,
    establishment,
    expert,
    pdf_upload,
    siret_cabinet,
)

pytestmark = pytest.mark.django_db

URL = reverse("espace:contrats")


def post(client, establishment, **overrides):
    data = {
        "establishment": establishment.pk,
        "siret_cabinet": "",
        "nom_cabinet": "CABINET COMPTA",
        "fichier": pdf_upload(),
        **overrides,
    }
    return client.post(URL, data)


def field_errors(response, name):
    return response.context["form"].errors.get(name, [])


def test_the_page_offers_the_form_with_its_labels(client, expert, establishment):
    client.force_login(expert)

    html = client.get(URL).content.decode()

    assert "<h1" in html and "Déclarer un contrat de prestation</h1>" in html
    for label in (
        "N° de Siret de l&#x27;établissement",
        "N° de Siret du cabinet",
        "Nom du cabinet",
        "Contrat signé (PDF, 5 Mo maximum)",
        "Déclarer le contrat",
        establishment.siret,
    ):
        assert label in html
    assert 'for="id_fichier"' in html and 'enctype="multipart/form-data"' in html
    assert "Aucun contrat de prestation pour le moment." in html


def test_the_space_links_to_the_page(client, expert):
    client.force_login(expert)
    assert f'href="{URL}"' in client.get(reverse("espace:home")).content.decode()


def test_declaring_a_contract_lists_it_en_attente_de_validation(client, expert, establishment):
    client.force_login(expert)
    siret = make_siret()

    response = post(client, establishment, siret_cabinet=f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}")

    assert response.status_code == 302 and response.url == URL
    contrat = ContratPrestation.objects.get()
    assert (contrat.declared_by, contrat.establishment, contrat.siret_cabinet) == (expert, establishment, siret)
    html = client.get(URL).content.decode()
    assert "En attente de validation" in html and "CABINET COMPTA" in html and "en attente de validation par l" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"siret_cabinet": "12345678901234"},
            "siret_cabinet",
            "Le numéro de Siret n'est pas valide (clé de contrôle erronée).",
        ),
        ({"nom_cabinet": ""}, "nom_cabinet", "Ce champ est obligatoire."),
        (
            {"fichier": pdf_upload("contrat.pdf", b"Bonjour, ceci n'est pas un PDF")},
            "fichier",
            "Le fichier « contrat.pdf » n'est pas un PDF.",
        ),
        (
            {"fichier": pdf_upload("gros.pdf", PDF + b"0" * (5 * 1024 * 1024))},
            "fichier",
            "Le fichier « gros.pdf » dépasse 5 Mo.",
        ),
    ],
)
def test_a_bad_value_is_refused_next_to_its_field_and_the_typing_is_kept(
    client, expert, establishment, overrides, field, message
):
    client.force_login(expert)
    siret = make_siret()

    response = post(client, establishment, **{"siret_cabinet": siret, **overrides})

    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    if field != "siret_cabinet":
        assert f'value="{siret}"' in html
    if field != "nom_cabinet":
        assert 'value="CABINET COMPTA"' in html
    assert not ContratPrestation.objects.exists()


def test_a_foreign_establishment_cannot_be_chosen(client, expert):
    client.force_login(expert)
    foreign = EstablishmentFactory()

    response = post(client, foreign, siret_cabinet=make_siret())

    assert field_errors(response, "establishment") == ["Choisissez un de vos établissements."]
    assert not ContratPrestation.objects.exists()


def test_a_second_contract_for_the_establishment_is_refused_next_to_it(client, expert, establishment, declared):
    client.force_login(expert)

    response = post(client, establishment, siret_cabinet=make_siret())

    assert field_errors(response, "establishment") == [
        "Un contrat de prestation est déjà en attente de validation ou validé pour cet établissement."
    ]


def test_the_employer_sees_the_contract_of_his_establishment_and_ends_it(
    client, employer, establishment, declared, agent
):
    contrat_validate(contrat=declared, by=agent)
    client.force_login(employer)
    end_url = reverse("espace:contrat_end", args=[declared.pk])

    html = client.get(URL).content.decode()
    assert "Validé" in html and end_url in html

    confirmation = client.get(end_url).content.decode()
    assert "Mettre fin au contrat de prestation" in confirmation and "Sophie Martin" in confirmation
    assert ContratPrestation.objects.get(pk=declared.pk).statut == ContratStatut.VALIDE  # a GET changes nothing

    response = client.post(end_url, follow=True)

    assert ContratPrestation.objects.get(pk=declared.pk).statut == ContratStatut.TERMINE
    assert Establishment.objects.get(pk=establishment.pk).contact_courriel == ANCIEN_CONTACT["contact_courriel"]
    assert "la personne à contacter précédente de l&#x27;établissement est rétablie" in response.content.decode()


def test_the_firms_user_ends_his_pending_contract(client, expert, declared):
    client.force_login(expert)

    client.post(reverse("espace:contrat_end", args=[declared.pk]))

    assert ContratPrestation.objects.get(pk=declared.pk).statut == ContratStatut.TERMINE


def test_another_users_contract_is_a_404(client, declared):
    stranger = UserFactory()
    HabilitationFactory(user=stranger)
    client.force_login(stranger)
    end_url = reverse("espace:contrat_end", args=[declared.pk])

    assert client.get(end_url).status_code == 404
    assert client.post(end_url).status_code == 404
    assert client.get(reverse("espace:contrat_fichier", args=[declared.pk])).status_code == 404
    assert declared.nom_cabinet not in client.get(URL).content.decode()
    assert ContratPrestation.objects.get(pk=declared.pk).statut == ContratStatut.EN_ATTENTE


def test_an_ended_contract_offers_no_end(client, expert, declared):
    client.force_login(expert)
    end_url = reverse("espace:contrat_end", args=[declared.pk])
    client.post(end_url)

    assert end_url not in client.get(URL).content.decode()
    assert client.post(end_url).status_code == 302  # said, nothing changed


def test_both_sides_download_the_signed_contract(client, expert, employer, declared):
    url = reverse("espace:contrat_fichier", args=[declared.pk])
    for user in (expert, employer):
        client.force_login(user)
        assert url in client.get(URL).content.decode()
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF
