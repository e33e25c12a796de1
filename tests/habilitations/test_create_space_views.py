"""CRÉER MON ESPACE through the test client: each message on its field, the state kept server-side."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from habilitations.enums import AccountRequestStatus
from habilitations.models import AccountRequest
from referentiels.enums import TYPES_VOIE
from referentiels.models import CodePostalCommune
from tests.factories import EstablishmentFactory, HabilitationFactory, SireneEtablissementFactory, UserFactory

pytestmark = pytest.mark.django_db

STEP1 = reverse("habilitations:create_space")
STEP2 = reverse("habilitations:create_space_account")
DONE = reverse("habilitations:create_space_done")


@pytest.fixture(autouse=True)
def _captcha(captcha_test_mode):
    return captcha_test_mode


@pytest.fixture
def communes():
    for code_postal, code_commune, nom in [
        ("75011", "75111", "Paris 11e Arrondissement"),
        ("33000", "33063", "Bordeaux"),
        ("01000", "01053", "Bourg-en-Bresse"),
        ("01000", "01344", "Saint-Denis-lès-Bourg"),
    ]:
        CodePostalCommune.objects.create(
            code_postal=code_postal, code_commune=code_commune, nom_commune=nom, libelle_acheminement=nom.upper()
        )


def step1(client, siret, **overrides):
    data = {"siret": siret, "captcha_0": "x", "captcha_1": "PASSED", "cgu": "on", **overrides}
    return client.post(STEP1, {key: value for key, value in data.items() if value is not None})


def field_errors(response, name):
    return response.context["form"].errors.get(name, [])


def step2_data(**overrides):
    data = {
        "denomination": "BOULANGERIE DU CANAL",
        "numero_voie": "12",
        "extension_voie": "",
        "type_voie": "Rue",
        "libelle_voie": "DU FAUBOURG SAINT-ANTOINE",
        "complement_adresse": "",
        "code_postal": "75011",
        "ville": "Paris 11e Arrondissement",
        "telephone_etablissement": "01 43 00 00 00",
        "fax": "",
        "courriel_etablissement": "contact@boulangerie.fr",
        "courriel_etablissement_confirm": "contact@boulangerie.fr",
        "nom": "Menuça",
        "prenom": "Gérard",
        "telephone": "06 12 34 56 78",
        "courriel": "gerard.menuca@example.fr",
        "courriel_confirm": "gerard.menuca@example.fr",
        "secret_question": "Quelle était la marque de votre première voiture ?",
        "secret_answer": "Cylindrée",
        "captcha_0": "x",
        "captcha_1": "PASSED",
    }
    data.update(overrides)
    return data


@pytest.fixture
def at_step2(client, communes):
    etablissement = SireneEtablissementFactory()
    assert step1(client, etablissement.siret).status_code == 302
    client.etablissement = etablissement
    return client


# --- Step 1 -------------------------------------------------------------------------------------


def test_step1_shows_the_seeds_screen(client):
    html = client.get(STEP1).content.decode()

    assert "Veuillez indiquer votre numéro de Siret" in html
    assert (
        "Veuillez saisir le numéro de Siret de l'établissement pour lequel vous demandez une création de compte :"
        in html
    )
    assert '<label class="fr-label" for="id_siret">N° de Siret* :</label>' in html
    assert '<label class="fr-label" for="id_captcha_1">Recopier le code ci-contre* :</label>' in html
    assert (
        "En cas de difficultés pour recopier le code de sécurité proposé, vous pouvez en obtenir un nouveau en cliquant sur ce bouton."
        in html
    )
    assert 'href="/conditions-generales-d-utilisation/"' in html
    assert "VALIDER" in html and "ANNULER" in html


def test_step1_the_cgu_label_keeps_the_space_before_the_link(client):
    html = client.get(STEP1).content.decode()

    # The DSFR label is a flex box: its content in one span, so that "les" and the link stay apart.
    label = re.search(r'<label class="fr-label" for="id_cgu">(.*?)</label>', html, re.S).group(1)
    assert re.fullmatch(r"<span>J'accepte les <a [^>]*>conditions générales d'utilisation</a></span>&nbsp;\*", label)
    text = re.sub(r"<[^>]+>", "", label).replace("&nbsp;", " ")
    assert text == "J'accepte les conditions générales d'utilisation *"


@pytest.mark.parametrize("typed", ["732 829 320 00074", "73282932000074"])
def test_step1_accepts_a_siret_with_or_without_spaces(client, typed):
    SireneEtablissementFactory(siret="73282932000074")

    response = step1(client, typed)

    assert response.status_code == 302 and response.url == STEP2
    assert client.session["creer_mon_espace"]["siret"] == "73282932000074"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("7328293200007", "Le numéro de Siret doit comporter 14 chiffres."),
        ("73282932000A74", "Le numéro de Siret doit comporter 14 chiffres."),
        ("73282932000075", "Le numéro de Siret n'est pas valide (clé de contrôle erronée)."),
        ("73282932000074", "Ce numéro de Siret est inconnu du répertoire SIRENE de l'INSEE. Vérifiez votre saisie."),
    ],
)
def test_step1_refuses_a_bad_siret_next_to_the_field(client, typed, message):
    response = step1(client, typed)

    assert response.status_code == 200
    assert field_errors(response, "siret") == [message]
    html = response.content.decode()
    # The field is described by its hint and by its error, which follows it.
    assert 'aria-describedby="id_siret-hint id_siret-error"' in html
    assert f'<div id="id_siret-error"><p class="fr-error-text">{escape(message)}</p></div>' in html
    assert f'value="{typed}"' in html  # the typing is kept


def test_step1_refuses_a_closed_establishment(client):
    etablissement = SireneEtablissementFactory(etat_administratif="F")

    response = step1(client, etablissement.siret)

    assert "fermé selon le répertoire SIRENE" in field_errors(response, "siret")[0]


def test_step1_missing_fields_and_cgu_have_the_seeds_messages(client):
    response = step1(client, "", captcha_1="", cgu=None)

    html = response.content.decode()
    assert "Tous les champs obligatoires (marqués d&#x27;un *) ne sont pas renseignés." in html
    assert field_errors(response, "siret") == ["Ce champ est obligatoire."]
    assert field_errors(response, "captcha") == ["Ce champ est obligatoire."]
    assert field_errors(response, "cgu") == [
        "N'oubliez pas de cocher les conditions générales d'utilisation avant de valider votre demande."
    ]


def test_step1_cgu_alone_unchecked(client):
    etablissement = SireneEtablissementFactory()

    response = step1(client, etablissement.siret, cgu=None)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["cgu"]
    assert "Tous les champs obligatoires" not in response.content.decode()


def test_step1_wrong_captcha_gets_a_message_and_a_new_code(client, captcha_test_mode):
    captcha_test_mode(False)
    etablissement = SireneEtablissementFactory()
    first_key = client.get(STEP1).context["form"]["captcha"].field.widget._key

    response = step1(client, etablissement.siret, captcha_0=first_key, captcha_1="FAUX")

    assert field_errors(response, "captcha") == [
        "Le code de sécurité saisi est incorrect. Un nouveau code vous est proposé : recopiez-le."
    ]
    assert f'value="{first_key}"' not in response.content.decode()


def test_step1_an_establishment_with_a_space_stops_with_the_two_ways_out(client):
    establishment = EstablishmentFactory()

    response = step1(client, establishment.siret)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Un espace existe déjà pour cet établissement" in html
    assert f"/besoin-d-aide/assistance/?siret={establishment.siret}&amp;motif=habilitation" in html
    assert "Habilitation à l'extranet" in html
    assert 'href="/identifiant-oublie/"' in html and 'href="/mot-de-passe-oublie/"' in html
    assert "creer_mon_espace" not in client.session


def test_step1_when_the_insee_api_is_down_the_user_fills_the_fields(client, settings):
    settings.SIRENE_BACKEND = "insee-api"
    settings.INSEE_API_URL = "http://127.0.0.1:9/api-sirene/3.11"  # nothing listens there
    settings.INSEE_API_TIMEOUT = 1

    response = step1(client, "73282932000074")

    assert response.status_code == 302
    html = client.get(STEP2).content.decode()
    assert "ne répond pas pour le moment" in html
    assert 'value="BOULANGERIE' not in html


# --- Step 2 -------------------------------------------------------------------------------------


def test_step2_without_step1_goes_back_to_step1(client):
    response = client.get(STEP2)

    assert response.status_code == 302 and response.url == STEP1


def test_step2_is_prefilled_from_sirene_and_cut_to_the_seeds_limits(client, communes):
    etablissement = SireneEtablissementFactory(
        libelle_voie="DU GENERAL DE GAULLE ET DE LA LIBERATION",
        complement_adresse="ZONE INDUSTRIELLE DES QUATRE CHEMINS BATIMENT B",
        indice_repetition="B",
        type_voie="AV",
    )
    step1(client, etablissement.siret)

    form = client.get(STEP2).context["form"]

    assert form["denomination"].value() == "BOULANGERIE DU CANAL"
    assert form["libelle_voie"].value() == "DU GENERAL DE GAULLE ET DE"
    assert form["complement_adresse"].value() == "ZONE INDUSTRIELLE DES QUATRE CHEMINS"
    assert form["extension_voie"].value() == "bis"
    assert form["type_voie"].value() == "Avenue"
    assert form["ville"].value() == "Paris 11e Arrondissement"
    assert "apart-insee" in form.fields["denomination"].widget.attrs["class"]
    assert "apart-insee" not in form.fields["telephone_etablissement"].widget.attrs["class"]


def options(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def test_step2_shows_the_sirene_enseigne_and_keeps_it(client, communes):
    etablissement = SireneEtablissementFactory(enseigne="AU PAIN DORÉ")
    step1(client, etablissement.siret)

    html = client.get(STEP2).content.decode()

    assert '<label class="fr-label" for="id_enseigne_affichee">Enseigne (répertoire SIRENE) :</label>' in html
    assert re.search(r'<input [^>]*id="id_enseigne_affichee" value="AU PAIN DORÉ" readonly', html)
    assert 'name="enseigne"' not in html  # shown, not typed
    client.post(STEP2, step2_data())
    assert AccountRequest.objects.get().enseigne == "AU PAIN DORÉ"


def test_step2_shows_no_enseigne_when_sirene_has_none(at_step2):
    assert "id_enseigne_affichee" not in at_step2.get(STEP2).content.decode()


def test_step2_says_when_a_sirene_value_was_shortened(client, communes):
    etablissement = SireneEtablissementFactory(
        libelle_voie="DU GENERAL DE GAULLE ET DE LA LIBERATION",
        complement_adresse="ZONE INDUSTRIELLE DES QUATRE CHEMINS BATIMENT B",
    )
    step1(client, etablissement.siret)

    html = client.get(STEP2).content.decode()

    assert (
        '<p class="fr-hint-text fr-mb-1w" id="id_libelle_voie-hint">28 caractères maximum — raccourci depuis le '
        "répertoire SIRENE (« DU GENERAL DE GAULLE ET DE LA LIBERATION ») : vérifiez-le.</p>"
    ) in html
    assert re.search(
        r'<input [^>]*value="DU GENERAL DE GAULLE ET DE"[^>]*aria-describedby="id_libelle_voie-hint"', html
    )
    assert (
        "38 caractères maximum — raccourci depuis le répertoire SIRENE "
        "(« ZONE INDUSTRIELLE DES QUATRE CHEMINS BATIMENT B ») : vérifiez-le." in html
    )


def test_step2_a_sirene_value_within_the_limit_has_no_shortening_hint(at_step2):
    html = at_step2.get(STEP2).content.decode()

    assert 'value="DU FAUBOURG SAINT-ANTOINE"' in html
    assert "raccourci depuis le répertoire SIRENE" not in html
    assert '<p class="fr-hint-text fr-mb-1w" id="id_libelle_voie-hint">28 caractères maximum</p>' in html


def test_step2_types_de_voie_are_in_french_dictionary_order(at_step2):
    labels = options(at_step2.get(STEP2).content.decode(), "type_voie")[1:]

    assert sorted(labels) == sorted(TYPES_VOIE.values())  # every INSEE type, once
    assert labels[labels.index("Écart") - 1 : labels.index("Écart") + 2] == ["Domaine", "Écart", "Esplanade"]
    assert labels.index("Résidence") < labels.index("Rocade") < labels.index("Rond-point") < labels.index("Route")
    assert labels.index("Route") < labels.index("Rue") < labels.index("Ruelle")
    assert labels[0] == "Allée" and labels[-1] == "Village"


@pytest.mark.parametrize("typed", ["Paris 11e Arrondissement", "PARIS 11E ARRONDISSEMENT", "paris 11e arrondissement"])
def test_step2_ville_is_stored_as_the_communes_name_whatever_the_case(at_step2, typed):
    response = at_step2.post(STEP2, step2_data(ville=typed))

    assert response.status_code == 302
    account_request = AccountRequest.objects.get()
    assert (account_request.ville, account_request.code_commune) == ("Paris 11e Arrondissement", "75111")


def test_step2_success_shows_the_seeds_message_and_a_reference(at_step2):
    response = at_step2.post(STEP2, step2_data())

    assert response.status_code == 302 and response.url == DONE
    html = at_step2.get(DONE).content.decode()
    assert (
        "Votre demande de création de compte a bien été transmise, un courriel vous sera prochainement envoyé, "
        "lorsque votre demande aura été traitée." in html
    )
    account_request = AccountRequest.objects.get()
    assert account_request.reference in html
    assert account_request.siret == at_step2.etablissement.siret
    assert account_request.code_commune == "75111"
    assert "creer_mon_espace" not in at_step2.session


def test_step2_the_siret_of_step1_cannot_be_swapped(at_step2):
    at_step2.post(STEP2, step2_data(siret="35600000000048"))

    assert AccountRequest.objects.get().siret == at_step2.etablissement.siret


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("telephone", "12345", "Veuillez saisir un numéro valide."),
        ("telephone_etablissement", "01 02", "Veuillez saisir un numéro valide."),
        ("fax", "abc", "Veuillez saisir un numéro valide."),
        ("courriel_etablissement", "contact@", "L'adresse électronique est invalide."),
        ("courriel", "gerard.menuca.example.fr", "L'adresse électronique est invalide."),
        ("libelle_voie", "X" * 29, "Le champ Libellé de la voie est limité à 28 caractères."),
        ("complement_adresse", "Y" * 39, "Le champ Complément d'adresse est limité à 38 caractères."),
        ("libelle_voie", "RUE <script>", "Le champ Libellé de la voie contient des caractères non autorisés."),
        ("nom", "Menu$a", "Le champ Nom contient des caractères non autorisés."),
        ("prenom", "G3rard", "Le champ Prénom contient des caractères non autorisés."),
        ("code_postal", "7501", "Le code postal doit comporter 5 chiffres."),
        ("ville", "Lyon", "Veuillez choisir la ville correspondant au code postal."),
        ("numero_voie", "12b", "Le numéro de voie ne doit contenir que des chiffres."),
    ],
)
def test_step2_each_bad_input_gets_its_message_on_its_field(at_step2, field, value, message):
    response = at_step2.post(STEP2, step2_data(**{field: value}))

    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert AccountRequest.objects.count() == 0
    form = response.context["form"]
    assert form[field].value() == value  # what was typed is kept, the bad value included
    assert form["courriel"].value() in ("gerard.menuca@example.fr", value)
    assert form["secret_question"].value() == "Quelle était la marque de votre première voiture ?"


def test_step2_courriel_confirmations_must_match_on_both_fields(at_step2):
    response = at_step2.post(
        STEP2,
        step2_data(courriel_confirm="gerard.menuka@example.fr", courriel_etablissement_confirm="autre@boulangerie.fr"),
    )

    user_message = "Les champs Courriel et Confirmer courriel de l'utilisateur ne sont pas identiques."
    assert field_errors(response, "courriel") == [user_message]
    assert field_errors(response, "courriel_confirm") == [user_message]
    establishment_message = (
        "Les champs Courriel établissement et Confirmer courriel établissement ne sont pas identiques."
    )
    assert field_errors(response, "courriel_etablissement") == [establishment_message]
    assert field_errors(response, "courriel_etablissement_confirm") == [establishment_message]


def test_step2_accents_in_email_addresses_are_replaced_and_lower_cased(at_step2):
    at_step2.post(STEP2, step2_data(courriel="Gérard.Menuça@Exemple.FR", courriel_confirm="gerard.menuca@exemple.fr"))

    assert AccountRequest.objects.get().courriel == "gerard.menuca@exemple.fr"


def test_step2_missing_fields_banner(at_step2):
    response = at_step2.post(STEP2, step2_data(nom="", courriel_confirm=""))

    assert "Tous les champs obligatoires (marqués d&#x27;un *) ne sont pas renseignés." in response.content.decode()
    assert field_errors(response, "nom") == ["Ce champ est obligatoire."]


def test_step2_a_function_instead_of_a_name_asks_for_a_confirmation_then_goes_through(at_step2):
    response = at_step2.post(STEP2, step2_data(nom="Comptable", prenom="Service RH"))

    assert field_errors(response, "nom") == ["Merci de saisir votre état civil uniquement."]
    assert field_errors(response, "prenom") == ["Merci de saisir votre état civil uniquement."]
    assert "etat_civil_confirmed" in response.content.decode()
    assert AccountRequest.objects.count() == 0

    response = at_step2.post(STEP2, step2_data(nom="Comptable", prenom="Service RH", etat_civil_confirmed="on"))

    assert response.status_code == 302
    account_request = AccountRequest.objects.get()
    assert account_request.etat_civil_confirmed is True


def test_step2_ville_is_chosen_among_the_communes_of_the_code_postal(at_step2):
    response = at_step2.post(STEP2, step2_data(code_postal="01000", ville=""))

    html = response.content.decode()
    assert '<option value="Bourg-en-Bresse">' in html and '<option value="Saint-Denis-lès-Bourg">' in html

    response = at_step2.post(STEP2, step2_data(code_postal="01000", ville="Saint-Denis-lès-Bourg"))

    assert response.status_code == 302
    assert AccountRequest.objects.get().code_commune == "01344"


def test_communes_endpoint(client, communes):
    assert client.get(reverse("habilitations:communes"), {"code_postal": "01000"}).json() == {
        "communes": ["Bourg-en-Bresse", "Saint-Denis-lès-Bourg"]
    }
    assert client.get(reverse("habilitations:communes"), {"code_postal": "abc"}).json() == {"communes": []}


def test_cas_2_the_page_masks_the_existing_identifiant(at_step2):
    expert = UserFactory(identifiant="gerard.menuca1", courriel="gerard.menuca@example.fr")
    HabilitationFactory(user=expert)

    at_step2.post(STEP2, step2_data())
    html = at_step2.get(DONE).content.decode()

    assert (
        "Pour information : l'utilisateur g*****.m*****1 a déjà une habilitation sur l'extranet "
        "Activité Partielle, pour un autre établissement que le vôtre. Cette même habilitation va être rattachée "
        "à ce compte établissement." in html
    )
    assert "gerard.menuca1" not in html


def test_step2_the_secret_question_is_chosen_in_the_list(at_step2):
    html = at_step2.get(STEP2).content.decode()
    assert '<select name="secret_question"' in html
    assert '<option value="Quelle est votre ville de naissance ?">' in html

    response = at_step2.post(STEP2, step2_data(secret_question="Quelle est la cylindrée de votre moto ?"))

    assert field_errors(response, "secret_question") == ["Choisissez une des questions de la liste."]
    assert AccountRequest.objects.count() == 0


def _done_page(communes, courriel, **overrides) -> tuple[str, AccountRequest]:
    """CRÉER MON ESPACE in a new browser, up to the done page; its HTML with the request's own values blanked."""
    browser = Client()
    etablissement = SireneEtablissementFactory()
    assert step1(browser, etablissement.siret).status_code == 302
    assert browser.post(STEP2, step2_data(courriel=courriel, courriel_confirm=courriel, **overrides)).status_code == 302
    html = browser.get(DONE).content.decode()
    account_request = AccountRequest.objects.get(siret=etablissement.siret)
    html = html.replace(account_request.reference, "REFERENCE").replace(etablissement.siret, "SIRET")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html), account_request


@pytest.mark.parametrize("case", ["name_mismatch", "pending"])
def test_an_existing_account_is_not_revealed_unless_approved_with_its_name(communes, settings, case):
    """Typing someone's courriel must not tell whether it has an account: the same page as a brand-new person's."""
    holder = UserFactory(
        identifiant="gerard.menuca1", courriel="gerard.menuca@example.fr", nom="Menuça", prenom="Gérard"
    )
    HabilitationFactory(user=holder)
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = case != "pending"
    generic, _ = _done_page(communes, "personne.nouvelle@example.fr")

    overrides = {"nom": "Durand", "prenom": "Paul"} if case == "name_mismatch" else {}
    html, account_request = _done_page(communes, "gerard.menuca@example.fr", **overrides)

    assert account_request.status == AccountRequestStatus.PENDING
    assert "g*****.m*****1" not in html and "déjà une habilitation" not in html
    assert html == generic


def test_the_done_page_needs_a_request_of_this_session(client):
    assert client.get(DONE).url == STEP1
