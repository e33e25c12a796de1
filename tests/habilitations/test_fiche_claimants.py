"""Several claimants of a non vérifié establishment: none reads another's contact details on the fiche, and the
winner of the activation code does not inherit a loser's edits (the fiche goes back to the winner's request)."""

import pytest
from django.urls import reverse

from habilitations.models import Establishment
from habilitations.services import (
    activation_letter_code,
    colleague_account_request_submit,
    establishment_fiche_update,
)
from tests.factories import SireneEtablissementFactory
from tests.habilitations.test_verification import claim, type_code

pytestmark = pytest.mark.django_db

PIRATE = {
    "telephone": "01 99 99 99 99",
    "fax": "01 98 98 98 98",
    "courriel": "standard@pirate.example",
    "contact_nom": "Pirate",
    "contact_prenom": "Paul",
    "contact_telephone": "06 99 99 99 99",
    "contact_courriel": "paul@pirate.example",
    "effectif": "3",
    "code_naf": "96.02A",
    "idcc": "2596",
}


@pytest.fixture(autouse=True)
def _automatic(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = True


@pytest.fixture
def etablissement():
    return SireneEtablissementFactory(
        numero_voie="12", type_voie="RUE", libelle_voie="DU FAUBOURG SAINT-ANTOINE", libelle_commune="PARIS 11"
    )


def fiche_url(establishment):
    return reverse("espace:establishment", args=[establishment.siret])


def save_fiche(client, user, establishment, **fields):
    """The fiche form as its page shows it to `user`, with `fields` typed over it."""
    client.force_login(user)
    page = client.get(fiche_url(establishment))
    assert page.status_code == 200, page.get("Location")
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields} | fields
    response = client.post(fiche_url(establishment), data)
    assert response.status_code == 302, response.context["form"].errors
    return Establishment.objects.get(pk=establishment.pk)


def contacts(establishment):
    return (establishment.courriel, establishment.contact_nom, establishment.contact_courriel)


def test_a_losing_claimants_edits_do_not_reach_the_winner(client, etablissement):
    first, establishment, first_letter = claim(etablissement.siret, "premier@example.fr", nom="Premier")
    second, _, _second_letter = claim(etablissement.siret, "second@example.fr", nom="Second")
    edited = save_fiche(client, second, establishment, **PIRATE)
    assert contacts(edited) == ("standard@pirate.example", "Pirate", "paul@pirate.example")

    assert type_code(client, first, establishment, activation_letter_code(first_letter)).status_code == 302

    establishment.refresh_from_db()
    request = first_letter.account_request
    assert contacts(establishment) == (request.courriel_etablissement, "Premier", "premier@example.fr")
    assert establishment.telephone == request.telephone_etablissement and establishment.fax == request.fax
    assert (establishment.effectif, establishment.code_naf, establishment.idcc) == (None, "", "")
    assert establishment.fiche_updated_by == first
    html = client.get(fiche_url(establishment)).content.decode()
    assert "pirate.example" not in html and "premier@example.fr" in html


def test_the_winner_does_not_inherit_the_fiche_a_loser_created(client, etablissement):
    first, establishment, _ = claim(etablissement.siret, "premier@example.fr", nom="Premier")
    second, _, second_letter = claim(etablissement.siret, "second@example.fr", nom="Second")

    type_code(client, second, establishment, activation_letter_code(second_letter))

    establishment.refresh_from_db()
    assert (establishment.contact_nom, establishment.contact_courriel) == ("Second", "second@example.fr")
    assert establishment.fiche_updated_by == second


def test_the_winners_own_edits_and_his_colleagues_stay(client, etablissement):
    first, establishment, first_letter = claim(etablissement.siret, "premier@example.fr", nom="Premier")
    claim(etablissement.siret, "second@example.fr", nom="Second")
    save_fiche(client, first, establishment, **PIRATE | {"courriel": "accueil@salon.example"})
    colleague = colleague_account_request_submit(
        requested_by=first,
        establishment=establishment,
        user_fields={
            "nom": "Collegue",
            "prenom": "Julie",
            "telephone": "06 12 34 56 78",
            "courriel": "julie@salon.example",
            "secret_question": "Quelle est votre ville de naissance ?",
        },
        secret_answer="Lyon",
    ).user
    colleague.must_change_password = False
    colleague.save(update_fields=["must_change_password"])
    save_fiche(client, colleague, establishment, contact_nom="Collegue", contact_courriel="julie@salon.example")

    type_code(client, first, establishment, activation_letter_code(first_letter))

    establishment.refresh_from_db()
    assert contacts(establishment) == ("accueil@salon.example", "Collegue", "julie@salon.example")
    assert establishment.effectif == 3
    assert establishment.fiche_updated_by == colleague


def test_a_claimant_does_not_read_another_claimants_contact_details(client, etablissement):
    first, establishment, _ = claim(etablissement.siret, "premier@example.fr", nom="Premier")
    second, _, _ = claim(etablissement.siret, "second@example.fr", nom="Second")

    client.force_login(second)
    response = client.get(fiche_url(establishment))
    html = response.content.decode()
    assert "premier@example.fr" not in html and "Premier" not in html
    assert response.context["form"]["contact_courriel"].value() == ""
    assert "ne vous sont pas montrées" in html
    assert establishment.denomination in html  # the name and address (SIRENE's) stay shown

    save_fiche(client, second, establishment, **PIRATE)
    client.force_login(first)
    html = client.get(fiche_url(establishment)).content.decode()
    assert "pirate.example" not in html and "ne vous sont pas montrées" in html

    client.force_login(second)
    html = client.get(fiche_url(establishment)).content.decode()
    assert "paul@pirate.example" in html and "ne vous sont pas montrées" not in html


def test_a_fiche_corrected_by_staff_is_kept_and_shown_to_no_claimant(client, etablissement, agent):
    first, establishment, first_letter = claim(etablissement.siret, "premier@example.fr", nom="Premier")
    establishment_fiche_update(establishment=establishment, fields={"courriel": "accueil@salon.example"}, by=agent)

    client.force_login(first)
    assert "accueil@salon.example" not in client.get(fiche_url(establishment)).content.decode()

    type_code(client, first, establishment, activation_letter_code(first_letter))

    establishment.refresh_from_db()
    assert establishment.courriel == "accueil@salon.example" and establishment.fiche_updated_by == agent
    assert "accueil@salon.example" in client.get(fiche_url(establishment)).content.decode()
