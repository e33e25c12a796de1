"""The employer's space: establishments, the fiche, access control, DEMANDE CRÉATION DE COMPTE."""

import pytest
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from habilitations.enums import AccountRequestStatus
from habilitations.models import AccountRequest, Establishment
from tests.factories import EstablishmentFactory, HabilitationFactory, SireneEtablissementFactory, UserFactory

pytestmark = pytest.mark.django_db

SPACE_URLS = [
    "/espace/",
    "/espace/etablissements/",
    "/espace/demande-creation-compte/",
    "/espace/mon-compte/",
    "/espace/dap/",
    "/espace/di/",
    "/espace/decisions/",
]


@pytest.fixture
def employer_client(client):
    user = UserFactory(identifiant="gerard.menuca")
    client.force_login(user)
    client.user = user
    return client


def holding(user, **fields):
    establishment = EstablishmentFactory(**fields)
    HabilitationFactory(user=user, establishment=establishment)
    return establishment


@pytest.mark.parametrize("url", SPACE_URLS)
def test_every_space_url_without_login_redirects_home(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/?next=")


def test_a_user_of_establishment_a_gets_404_on_establishment_b(employer_client):
    mine = holding(employer_client.user)
    other = holding(UserFactory())

    assert employer_client.get(reverse("habilitations:establishment", args=[mine.siret])).status_code == 200
    assert employer_client.get(reverse("habilitations:establishment", args=[other.siret])).status_code == 404
    response = employer_client.post(
        reverse("habilitations:establishment", args=[other.siret]), {"denomination": "PIRATE"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.denomination != "PIRATE"


def test_the_space_lists_the_establishments_with_the_state_of_their_fiche(employer_client):
    holding(
        employer_client.user,
        denomination="ATELIERS MENUCA",
        contact_nom="A",
        contact_prenom="B",
        contact_telephone="0102030405",
        contact_courriel="a@b.fr",
        effectif=3,
        code_naf="10.71C",
    )
    holding(employer_client.user, denomination="BOULANGERIE DU CANAL")

    html = employer_client.get("/espace/").content.decode()

    for text in [
        "ÉTABLISSEMENTS",
        "DEMANDES D&#x27;AUTORISATION PRÉALABLE",
        "DÉCISIONS D&#x27;AUTORISATION",
        "DEMANDES D&#x27;INDEMNISATION",
        "DEMANDE CRÉATION DE COMPTE",
        "DECONNEXION",
        "BESOIN D&#x27;AIDE ?",
        "Mes Etablissements",
        "Voir tous mes Etablissements",
        "Voir toutes mes DAP",
        "Voir toutes mes DI",
    ]:
        assert text in html.replace("'", "&#x27;"), text
    assert "ATELIERS MENUCA" in html and "Complète" in html
    assert "BOULANGERIE DU CANAL" in html and "Incomplète" in html


def test_an_incomplete_fiche_shows_the_seeds_message_and_disables_the_dap(employer_client):
    establishment = holding(employer_client.user)

    html = employer_client.get("/espace/").content.decode()

    assert "Votre fiche établissement est incomplète !" in html
    assert (
        "La création d&#x27;une demande d&#x27;autorisation préalable est impossible tant que votre fiche établissement n&#x27;est pas complète."
        in html
        or "La création d'une demande d'autorisation préalable est impossible tant que votre fiche établissement n'est pas complète."
        in html
    )
    assert '<button class="fr-btn" disabled' in html
    assert establishment.fiche_complete is False


def test_completing_the_fiche_enables_the_dap(employer_client):
    establishment = holding(employer_client.user)
    url = reverse("habilitations:establishment", args=[establishment.siret])
    data = {
        "denomination": establishment.denomination,
        "libelle_voie": "DE LA PAIX",
        "code_postal": "75011",
        "ville": "Paris",
        "telephone": "01 43 00 00 00",
        "courriel": "contact@example.fr",
        "contact_nom": "Menuça",
        "contact_prenom": "Gérard",
        "contact_telephone": "06 12 34 56 78",
        "contact_courriel": "Gérard@Example.fr",
        "effectif": "12",
        "code_naf": "1071c",
    }

    response = employer_client.post(url, data, follow=True)

    assert "La fiche établissement a été enregistrée." in response.content.decode()
    establishment.refresh_from_db()
    assert establishment.fiche_complete is True
    assert establishment.code_naf == "10.71C"
    assert establishment.contact_courriel == "gerard@example.fr"
    html = employer_client.get("/espace/").content.decode()
    assert "Votre fiche établissement est incomplète" not in html
    assert 'href="/espace/dap/nouvelle/">Créer une nouvelle demande' in html


def test_a_refused_fiche_keeps_the_typing_and_saves_nothing(employer_client):
    establishment = holding(employer_client.user)
    url = reverse("habilitations:establishment", args=[establishment.siret])

    response = employer_client.post(
        url,
        {"denomination": "NOUVEAU NOM", "libelle_voie": "X", "code_postal": "750", "ville": "Paris", "telephone": "12"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["code_postal"] == ["Le code postal doit comporter 5 chiffres."]
    assert form.errors["telephone"] == ["Veuillez saisir un numéro valide."]
    assert form["denomination"].value() == "NOUVEAU NOM"
    establishment.refresh_from_db()
    assert establishment.denomination != "NOUVEAU NOM"


def test_all_establishments_are_searchable_and_paginated(employer_client):
    for number in range(45):
        holding(employer_client.user, denomination=f"CLIENT {number:02d}")
    holding(employer_client.user, denomination="GARAGE MODERNE", siret="73282932000074")

    first = employer_client.get(reverse("habilitations:establishments"))
    third = employer_client.get(reverse("habilitations:establishments"), {"page": 3})
    by_name = employer_client.get(reverse("habilitations:establishments"), {"q": "garage"})
    by_siret = employer_client.get(reverse("habilitations:establishments"), {"q": "732 829 320"})

    assert first.context["page"].paginator.count == 46
    assert len(first.context["page"].object_list) == 20
    assert "Page 1 sur 3" in first.content.decode()
    assert len(third.context["page"].object_list) == 6
    assert [e.denomination for e in by_name.context["page"].object_list] == ["GARAGE MODERNE"]
    assert [e.siret for e in by_siret.context["page"].object_list] == ["73282932000074"]


def test_an_establishment_of_an_expired_habilitation_is_not_listed(employer_client):
    import datetime

    establishment = EstablishmentFactory()
    HabilitationFactory(
        user=employer_client.user,
        establishment=establishment,
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2021, 1, 1),
    )

    assert establishment.denomination not in employer_client.get("/espace/").content.decode()
    assert employer_client.get(reverse("habilitations:establishment", args=[establishment.siret])).status_code == 404


def test_a_colleague_account_request_goes_through_the_same_processing(employer_client):
    siret = "73282932000074"
    SireneEtablissementFactory(siret=siret, denomination="BOULANGERIE DU CANAL", code_postal="75011")
    establishment = holding(employer_client.user, siret=siret, denomination="BOULANGERIE DU CANAL", code_postal="75011")
    data = {
        "establishment": establishment.pk,
        "nom": "Cabinette",
        "prenom": "Julie",
        "telephone": "06 11 22 33 44",
        "courriel": "julie@cabinet-expert.fr",
        "courriel_confirm": "julie@cabinet-expert.fr",
        "secret_question": "Ma ville natale ?",
        "secret_answer": "Nantes",
    }

    response = employer_client.post(reverse("habilitations:colleague_account_request"), data, follow=True)

    assert "Votre demande de création de compte a bien été transmise" in response.content.decode()
    account_request = AccountRequest.objects.get()
    assert account_request.status == AccountRequestStatus.APPROVED
    assert account_request.requested_by == employer_client.user
    assert Establishment.objects.count() == 1
    assert establishment.habilitations.count() == 2
    assert OutboxEmail.objects.filter(to="julie@cabinet-expert.fr").count() == 3


def test_a_colleague_request_only_for_ones_own_establishments(employer_client):
    other = holding(UserFactory())

    response = employer_client.post(reverse("habilitations:colleague_account_request"), {"establishment": other.pk})

    assert response.context["form"].errors["establishment"] == ["Choisissez un de vos établissements."]
