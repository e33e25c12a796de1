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

    assert employer_client.get(reverse("espace:establishment", args=[mine.siret])).status_code == 200
    assert employer_client.get(reverse("espace:establishment", args=[other.siret])).status_code == 404
    response = employer_client.post(reverse("espace:establishment", args=[other.siret]), {"denomination": "PIRATE"})
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
    assert (
        '<button class="fr-btn fr-btn--secondary" disabled aria-describedby="dap-impossible">'
        "Créer une nouvelle demande</button>" in html
    )
    assert "Votre fiche établissement doit être complète pour créer une demande." in html
    assert 'href="/espace/dap/nouvelle/"' not in html
    assert establishment.fiche_complete is False


def test_completing_the_fiche_enables_the_dap(employer_client):
    establishment = holding(employer_client.user)
    url = reverse("espace:establishment", args=[establishment.siret])
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
    assert "dap-impossible" not in html


def test_a_refused_fiche_keeps_the_typing_and_saves_nothing(employer_client):
    establishment = holding(employer_client.user)
    url = reverse("espace:establishment", args=[establishment.siret])

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


def test_all_establishments_are_searchable_and_paginated(employer_client, settings):
    settings.TWO_FACTOR_ESTABLISHMENTS_THRESHOLD = 100  # 56 establishments: no second factor asked here
    for number in range(55):
        holding(employer_client.user, denomination=f"CLIENT {number:02d}")
    holding(employer_client.user, denomination="GARAGE MODERNE", siret="73282932000074")

    first = employer_client.get(reverse("espace:establishments"))
    second = employer_client.get(reverse("espace:establishments"), {"page": 2})
    by_name = employer_client.get(reverse("espace:establishments"), {"q": "garage"})
    by_siret = employer_client.get(reverse("espace:establishments"), {"q": "732 829 320"})

    assert first.context["page"].paginator.count == 56
    assert len(first.context["page"].object_list) == 50  # the portfolio's 50 a page
    assert "Page 1 sur 2" in first.content.decode()
    assert len(second.context["page"].object_list) == 6
    assert [e.denomination for e in by_name.context["page"].object_list] == ["GARAGE MODERNE"]
    assert [e.siret for e in by_siret.context["page"].object_list] == ["73282932000074"]


def test_the_count_of_a_search_is_in_french_for_none_and_one(employer_client):
    """French puts 0 and 1 in the singular: the list said « 0 établissements pour « menuca » »."""
    holding(employer_client.user, denomination="GARAGE MODERNE")

    none = employer_client.get(reverse("espace:establishments"), {"q": "menuca"}).content.decode()
    one = employer_client.get(reverse("espace:establishments"), {"q": "garage"}).content.decode()

    assert "Aucun établissement pour « menuca »" in none and "0 établissements" not in none
    assert "1 établissement pour « garage »" in one


def test_an_establishment_of_an_expired_habilitation_is_not_listed(employer_client):
    establishment = EstablishmentFactory()
    HabilitationFactory(user=employer_client.user, establishment=establishment, expired=True)

    assert establishment.denomination not in employer_client.get("/espace/").content.decode()
    assert employer_client.get(reverse("espace:establishment", args=[establishment.siret])).status_code == 404


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
        "secret_question": "Quelle est votre ville de naissance ?",
        "secret_answer": "Nantes",
    }

    response = employer_client.post(reverse("espace:colleague_account_request"), data, follow=True)

    html = response.content.decode()
    # The page speaks of the colleague, to whom the e-mails go, not to the user who asked.
    assert "La demande de création de compte pour Julie Cabinette a bien été transmise." in html
    assert "recevra à l'adresse julie@cabinet-expert.fr" in html
    assert "Votre demande de création de compte a bien été transmise" not in html
    account_request = AccountRequest.objects.get()
    assert account_request.status == AccountRequestStatus.APPROVED
    assert account_request.requested_by == employer_client.user
    assert Establishment.objects.count() == 1
    assert establishment.habilitations.count() == 2
    assert OutboxEmail.objects.filter(to="julie@cabinet-expert.fr").count() == 3


def test_a_colleague_request_only_for_ones_own_establishments(employer_client):
    other = holding(UserFactory())

    response = employer_client.post(reverse("espace:colleague_account_request"), {"establishment": other.pk})

    assert response.context["form"].errors["establishment"] == ["Choisissez un de vos établissements."]


def test_the_incomplete_fiche_link_elides_de_before_a_vowel(employer_client):
    holding(employer_client.user, denomination="ATELIERS MENUCA")

    html = employer_client.get("/espace/").content.decode()

    assert "Compléter la fiche d&#x27;ATELIERS MENUCA</a>" in html
    assert "de ATELIERS" not in html


def test_the_incomplete_fiche_link_keeps_de_before_a_consonant(employer_client):
    holding(employer_client.user, denomination="BOULANGERIE DU CANAL")

    assert "Compléter la fiche de BOULANGERIE DU CANAL</a>" in employer_client.get("/espace/").content.decode()


def test_two_establishments_of_one_company_are_told_apart_by_their_enseigne(employer_client):
    holding(employer_client.user, denomination="BOULANGERIE DU CANAL", enseigne="AU PAIN DORÉ")
    holding(employer_client.user, denomination="BOULANGERIE DU CANAL", enseigne="LA FOURNÉE")

    home = employer_client.get("/espace/").content.decode()
    listing = employer_client.get(reverse("espace:establishments")).content.decode()

    for html in (home, listing):
        assert "AU PAIN DORÉ" in html and "LA FOURNÉE" in html


def test_the_space_menu_marks_the_current_page(employer_client):
    establishment = holding(employer_client.user)

    html = employer_client.get(reverse("espace:establishment", args=[establishment.siret])).content.decode()

    assert '<nav class="fr-nav" id="navigation" role="navigation" aria-label="Menu de mon espace">' in html
    assert 'href="/espace/etablissements/" aria-current="page">ÉTABLISSEMENTS</a>' in html
    assert 'href="/espace/dap/" aria-current="page"' not in html


@pytest.fixture
def paris_11(db):
    from referentiels.models import CodePostalCommune

    CodePostalCommune.objects.create(
        code_postal="75011", code_commune="75111", nom_commune="Paris 11e Arrondissement", libelle_acheminement="PARIS"
    )


def test_the_fiche_chooses_the_ville_among_the_communes_of_its_code_postal(employer_client, paris_11):
    establishment = holding(employer_client.user, code_postal="75011", ville="PARIS 11")
    url = reverse("espace:establishment", args=[establishment.siret])

    html = employer_client.get(url).content.decode()
    refused = employer_client.post(
        url, {"denomination": "X", "libelle_voie": "Y", "code_postal": "75011", "ville": "Lyon"}
    )
    accepted = employer_client.post(
        url, {"denomination": "X", "libelle_voie": "Y", "code_postal": "75011", "ville": "paris 11E arrondissement"}
    )

    assert '<select name="ville"' in html and '<option value="Paris 11e Arrondissement">' in html
    assert refused.context["form"].errors["ville"] == ["Veuillez choisir la ville correspondant au code postal."]
    assert accepted.status_code == 302
    establishment.refresh_from_db()
    assert establishment.ville == "Paris 11e Arrondissement"  # the commune's one spelling
    assert establishment.code_commune == "75111"


def test_the_current_establishment_is_the_last_one_opened(employer_client):
    first = holding(employer_client.user, denomination="AAA PREMIER")
    second = holding(employer_client.user, denomination="ZZZ SECOND")

    before = employer_client.get(reverse("espace:colleague_account_request"))
    employer_client.get(reverse("espace:establishment", args=[second.siret]))
    after = employer_client.get(reverse("espace:colleague_account_request"))

    assert before.context["form"]["establishment"].value() == first.pk
    assert after.context["form"]["establishment"].value() == second.pk


def test_the_current_establishment_is_never_one_the_user_does_not_hold(employer_client):
    mine = holding(employer_client.user)
    other = holding(UserFactory())
    session = employer_client.session
    session["current_siret"] = other.siret  # a session tampered with, or a habilitation ended meanwhile
    session.save()

    response = employer_client.get(reverse("espace:colleague_account_request"))

    assert response.context["form"]["establishment"].value() == mine.pk


def test_a_code_postal_that_serves_no_commune_is_refused(employer_client):
    from tests.factories import load_communes

    load_communes("75011")
    establishment = holding(employer_client.user)
    url = reverse("espace:establishment", args=[establishment.siret])

    unknown = employer_client.post(
        url, {"denomination": "X", "libelle_voie": "Y", "code_postal": "99999", "ville": "Nulle-Part"}
    )
    saint_barthelemy = employer_client.post(
        url, {"denomination": "X", "libelle_voie": "Y", "code_postal": "97133", "ville": "Gustavia"}
    )

    assert unknown.context["form"].errors["code_postal"] == [
        "Ce code postal ne correspond à aucune commune : vérifiez votre saisie."
    ]
    # La Poste's file has no Saint-Barthélemy: a code of the overseas ranges is taken as typed.
    assert saint_barthelemy.status_code == 302
    establishment.refresh_from_db()
    assert (establishment.code_postal, establishment.ville) == ("97133", "Gustavia")


def test_a_user_who_must_change_a_temporary_password_is_offered_no_page_of_the_space(client):
    user = UserFactory(temporary_password=True)
    HabilitationFactory(user=user)
    client.force_login(user)

    html = client.get(reverse("accounts:first_login_password")).content.decode()

    header = html[html.index('<header role="banner"') : html.index("</header>")]
    assert "BONJOUR," in header and "DECONNEXION" in header
    for link in ["/espace/etablissements/", "/espace/dap/", "/espace/mon-compte/", "/espace/demande-creation-compte/"]:
        assert f'href="{link}"' not in header, link


# --- Établissements non vérifiés on the home page ----------------------------------------------------------------


def activation_link(establishment):
    return f'href="{reverse("espace:activation_code", args=[establishment.siret])}"'


def test_the_home_names_a_non_verifie_establishment_that_is_not_the_current_one(employer_client):
    """The establishment opened last is vérifié; the other one was only a badge in the list until opened."""
    verified = holding(employer_client.user, denomination="AAA BOULANGERIE")
    other = holding(employer_client.user, denomination="ZZZ ATELIER", unverified=True)
    employer_client.get(reverse("espace:establishment", args=[verified.siret]))

    html = employer_client.get(reverse("espace:home")).content.decode()

    assert '<h2 class="fr-alert__title">Établissement non vérifié</h2>' in html
    assert f"pour ZZZ ATELIER ({other.siret}) tant que" in html
    assert activation_link(other) in html
    assert activation_link(verified) not in html


def test_the_home_lists_each_non_verifie_establishment_with_its_code_link(employer_client):
    verified = holding(employer_client.user, denomination="AAA BOULANGERIE")
    others = [holding(employer_client.user, denomination=f"ATELIER {n}", unverified=True) for n in range(7)]

    html = employer_client.get(reverse("espace:home")).content.decode()

    assert '<h2 class="fr-alert__title">Établissements non vérifiés</h2>' in html
    for establishment in others[:5]:
        assert f"{establishment.denomination} ({establishment.siret}) : <a {activation_link(establishment)}>" in html
    assert activation_link(verified) not in html
    assert "Et 2 autre(s)" in html
    assert activation_link(others[5]) not in html


def test_the_home_has_no_verification_alert_when_every_establishment_is_verifie(employer_client):
    holding(employer_client.user)

    assert "non vérifié" not in employer_client.get(reverse("espace:home")).content.decode().lower()
