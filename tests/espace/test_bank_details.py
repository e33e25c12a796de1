"""« Coordonnées bancaires » on the fiche établissement: checked with python-stdnum, errors next to their field,
and refused while the establishment is non vérifié (nothing goes to the administration)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.models import BankDetails
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

IBAN = "FR76 3000 6000 0112 3456 7890 189"


@pytest.fixture
def holder():
    return UserFactory()


def fiche_url(establishment):
    return reverse("espace:establishment", args=[establishment.siret])


def post_bank(client, establishment, **overrides):
    data = {"banque-iban": IBAN, "banque-bic": "agrifrpp", "banque-titulaire": "Boulangerie du Canal", **overrides}
    return client.post(reverse("espace:establishment_bank_details", args=[establishment.siret]), data)


def bank_errors(response, name):
    return response.context["bank_form"].errors.get(name, [])


def test_the_fiche_shows_the_bank_details_form(client, holder):
    establishment = HabilitationFactory(user=holder).establishment
    client.force_login(holder)

    html = client.get(fiche_url(establishment)).content.decode()

    assert "Coordonnées bancaires" in html
    for label in ("IBAN", "BIC", "Titulaire du compte", "Enregistrer les coordonnées bancaires"):
        assert label in html


def test_bank_details_of_a_verifie_establishment_are_saved_with_a_line_in_the_journal(client, holder):
    establishment = HabilitationFactory(user=holder).establishment
    client.force_login(holder)

    response = post_bank(client, establishment)

    assert response.status_code == 302
    details = BankDetails.objects.get(establishment=establishment)
    assert (details.iban, details.bic, details.titulaire) == (
        "FR7630006000011234567890189",
        "AGRIFRPP",
        "Boulangerie du Canal",
    )
    [entry] = StaffAction.objects.filter(action=StaffActionKind.BANK_DETAILS_UPDATE)
    assert entry.actor == holder and entry.siret == establishment.siret
    assert "0189" in entry.summary and "3000 6000" not in entry.summary


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "iban",
            "FR76 3000 6000 0112 3456 7890 188",
            "L'IBAN est invalide : vérifiez-le sur votre relevé d'identité bancaire.",
        ),
        ("bic", "AGRI", "Le BIC est invalide : il comporte 8 ou 11 caractères."),
        ("titulaire", "", "Ce champ est obligatoire."),
    ],
)
def test_each_bad_bank_field_gets_its_french_message_next_to_it(client, holder, field, value, message):
    establishment = HabilitationFactory(user=holder).establishment
    client.force_login(holder)

    response = post_bank(client, establishment, **{f"banque-{field}": value})

    assert bank_errors(response, field) == [message]
    assert escape(message) in response.content.decode()
    assert not BankDetails.objects.exists()


def test_a_non_verifie_establishment_cannot_send_its_bank_details(client, holder):
    establishment = HabilitationFactory(user=holder, establishment=EstablishmentFactory(unverified=True)).establishment
    client.force_login(holder)
    page = client.get(fiche_url(establishment)).content.decode()
    assert "saisissez le code d'activation reçu par courrier" in page
    assert reverse("espace:activation_code", args=[establishment.siret]) in page

    response = post_bank(client, establishment)

    assert response.status_code == 200  # the fiche again, with the refusal above the form
    [error] = response.context["bank_form"].non_field_errors()
    assert error.startswith(
        "Cet établissement n'est pas encore vérifié : rien ne peut être transmis à l'administration"
    )
    assert not BankDetails.objects.exists()
    assert not StaffAction.objects.filter(action=StaffActionKind.BANK_DETAILS_UPDATE).exists()


def test_the_home_page_says_how_to_verify_a_non_verifie_establishment(client, holder):
    establishment = HabilitationFactory(user=holder, establishment=EstablishmentFactory(unverified=True)).establishment
    client.force_login(holder)

    html = client.get(reverse("espace:home")).content.decode()

    assert "Établissement non vérifié" in html
    assert reverse("espace:activation_code", args=[establishment.siret]) in html


def test_a_foreign_siret_is_a_404_for_the_bank_details(client, holder):
    HabilitationFactory(user=holder)
    client.force_login(holder)
    assert post_bank(client, EstablishmentFactory()).status_code == 404


def test_a_refused_bank_form_lands_on_its_section_says_it_once_and_titles_the_page_erreur(client, holder):
    """The refusal was written three times on the fiche (warning, information, error) and shown at the top of a
    page whose « Coordonnées bancaires » are at the bottom (5 700 px down at 320 px): nothing visible changed."""
    establishment = HabilitationFactory(user=holder, establishment=EstablishmentFactory(unverified=True)).establishment
    client.force_login(holder)
    action = reverse("espace:establishment_bank_details", args=[establishment.siret]) + "#coordonnees-bancaires"
    assert f'action="{action}"' in client.get(fiche_url(establishment)).content.decode()

    html = post_bank(client, establishment).content.decode()

    assert f'action="{action}"' in html
    assert "<title>Erreur — Fiche établissement" in html
    assert html.count(escape("Cet établissement n'est pas encore vérifié")) == 1
    section = html[html.index('id="coordonnees-bancaires"') :]
    assert reverse("espace:activation_code", args=[establishment.siret]) in section  # the way out, by the error


def test_a_bank_form_with_a_bad_field_titles_the_page_erreur(client, holder):
    establishment = HabilitationFactory(user=holder).establishment
    client.force_login(holder)

    html = post_bank(client, establishment, **{"banque-bic": "AGRI"}).content.decode()

    assert "<title>Erreur — Fiche établissement" in html
