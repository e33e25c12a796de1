"""The DI's page for the employer: the employees' formset, CALCULER (the typing kept, each error next to its field,
the amounts to the cent), ENVOYER (sent, or refused with the reason), the copy of the previous month, the
deletion, and nobody else's DI."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from bareme.engine import Salarie, calculer, format_de_mois, format_euros, mention_bareme
from bareme.selectors import bareme_du_mois
from indemnisation import checks, services
from indemnisation.enums import Statut
from indemnisation.models import DemandeIndemnisation, SalarieIndemnise
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory
from tests.indemnisation.helpers import (
    last_month,
    make_decision,
    make_di,
    make_employer,
    make_nir,
    row,
    this_month,
)

pytestmark = pytest.mark.django_db

FIELDS = ("nom", "prenom", "nir", "contrat", "duree_hebdomadaire", "salaire_brut_mensuel", "heures_chomees")
LABELS = {
    "nom": "Nom",
    "prenom": "Prénom",
    "nir": "NIR",
    "contrat": "Type de contrat",
    "duree_hebdomadaire": "Durée hebdomadaire de travail",
    "salaire_brut_mensuel": "Salaire brut mensuel de référence",
    "heures_chomees": "Heures chômées",
}


@pytest.fixture
def employer():
    return make_employer()


@pytest.fixture
def user(employer):
    return employer[1]


@pytest.fixture
def decision(employer):
    return make_decision(*employer)


@pytest.fixture
def employer_client(client, user):
    client.force_login(user)
    return client


def url(demande) -> str:
    return reverse("indemnisation:saisie", args=[demande.numero])


def new_di(decision, user, mois=None) -> DemandeIndemnisation:
    return services.demande_create(by=user, decision=decision, mois=mois or last_month())


def posted(rows: list[dict], *, action="calculer", total: int | None = None) -> dict:
    data = {
        "form-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "100",
        "action": action,
    }
    for index, values in enumerate(rows):
        for field in FIELDS:
            data[f"form-{index}-{field}"] = values.get(field, "")
    return data


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def error_of(response, index: int, field: str) -> str:
    html = response.content.decode()
    match = re.search(rf'id="id_form-{index}-{field}-error"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error for row {index}, {field}"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def value_of(response, index: int, field: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<input[^>]*name="form-{index}-{field}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else ""


def alert(response) -> str:
    match = re.search(
        r'<div class="fr-alert fr-alert--error[^"]*" role="alert" id="erreurs"[^>]*>(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    assert match, "no error alert"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The page ------------------------------------------------------------------------------------------------------


def test_the_page_shows_the_di_the_labelled_fields_the_rows_and_empty_ones(employer_client, decision, user, employer):
    demande = make_di(decision, user, rows=[row(0, duree_hebdomadaire="35", salaire_brut_mensuel="2 000,50")])
    response = employer_client.get(url(demande))

    html = response.content.decode()
    page = text(response)
    assert response.status_code == 200
    assert employer[0].display_name in page
    assert decision.numero in page
    assert "Provisoire" in page
    for index in range(6):
        for field, label in LABELS.items():
            assert re.search(rf'<label class="fr-label fr-sr-only" for="id_form-{index}-{field}">{label}</label>', html)
    assert 'id="id_form-6-nom"' not in html
    assert value_of(response, 0, "nom") == "NOM0"
    assert value_of(response, 0, "salaire_brut_mensuel") == "2000,5"
    assert value_of(response, 0, "duree_hebdomadaire") == "35"
    assert value_of(response, 1, "nom") == ""
    for button in ("CALCULER", "ENVOYER", "Recopier les salariés du mois précédent", "Importer le fichier"):
        assert re.search(rf"<button[^>]*>{button}</button>", html)
    assert re.search(r'<label class="fr-label" for="id_fichier">Fichier CSV des salariés', html)
    assert f'href="{reverse("indemnisation:modele_csv")}"' in html
    assert "Modèle CSV" in page
    assert f'href="{reverse("indemnisation:delete", args=[demande.numero])}"' in html
    assert "Type de contrat" in page and "CDI / CDD" in page


def test_another_users_di_is_not_found(client, decision, user):
    demande = make_di(decision, user)
    stranger = UserFactory()
    HabilitationFactory(user=stranger, establishment=EstablishmentFactory(complete=True))
    client.force_login(stranger)

    assert client.get(url(demande)).status_code == 404
    assert client.post(url(demande), posted([row(0)])).status_code == 404
    assert client.post(reverse("indemnisation:delete", args=[demande.numero])).status_code == 404
    assert DemandeIndemnisation.objects.filter(pk=demande.pk).exists()


def test_a_sent_di_opens_its_detail_page(employer_client, decision, user):
    demande = make_di(decision, user, send=True)

    response = employer_client.get(url(demande))

    assert response.status_code == 302
    assert response.url == reverse("indemnisation:detail", args=[demande.numero])


def test_an_invalidated_di_shows_its_motif_and_can_be_corrected(employer_client, decision, user):
    demande = make_di(decision, user, send=True)
    services.demande_invalidate(demande=demande, by=user, motif="Le salaire de NOM0 est erroné.")

    response = employer_client.get(url(demande))

    assert response.status_code == 200
    assert "Invalidée" in text(response)
    assert "Motif de l'invalidation : Le salaire de NOM0 est erroné." in text(response)


# --- CALCULER ------------------------------------------------------------------------------------------------------


def test_calculer_with_errors_keeps_the_typing_and_shows_each_error_next_to_its_field(employer_client, decision, user):
    demande = new_di(decision, user)
    rows = [
        row(0, nir="1 85 05 75 000 000 00", salaire_brut_mensuel="2 000,50"),
        {},  # an empty row between them: ignored
        row(1, heures_chomees="abc", prenom=""),
        row(2),
        row(3, nir=make_nir(2)),
    ]
    response = employer_client.post(url(demande), posted(rows))

    assert response.status_code == 200
    assert error_of(response, 0, "nir") == checks.NIR_CLE_INVALIDE
    assert error_of(response, 2, "heures_chomees") == checks.NOMBRE_INVALIDE
    assert error_of(response, 2, "prenom") == checks.PRENOM_REQUIS
    assert 'id="id_form-3-nir-error"' not in response.content.decode()
    assert error_of(response, 4, "nir") == checks.NIR_EN_DOUBLE.format(ligne=4)
    assert value_of(response, 0, "nir") == "1 85 05 75 000 000 00"
    assert value_of(response, 0, "salaire_brut_mensuel") == "2 000,50"
    assert value_of(response, 2, "heures_chomees") == "abc"
    assert "Corrigez les lignes signalées" in alert(response)
    assert not SalarieIndemnise.objects.exists()
    assert "Montants calculés" not in text(response)


def test_calculer_with_no_employee_says_so_at_the_top(employer_client, decision, user):
    demande = new_di(decision, user)
    response = employer_client.post(url(demande), posted([{}, {}], total=2))

    assert alert(response).endswith(checks.AUCUN_SALARIE)


def test_calculer_shows_the_amounts_to_the_cent(employer_client, employer):
    # March 2026, whatever today is: 35 h, 2 000 € brut, 20 h chômées. By hand: 2 000 / 151,67 h = 13,19 € an
    # hour; 60 % = 7,91 € < the floor of 9,52 € → 9,52 × 20 = 190,40 €; 36 % = 4,75 € < 8,57 € → 8,57 × 20 =
    # 171,40 €; reste à charge 19,00 €.
    decision = make_decision(*employer, debut=datetime.date(2026, 3, 1), fin=datetime.date(2026, 3, 31))
    demande = services.demande_create(
        by=employer[1], decision=decision, mois=datetime.date(2026, 3, 1), today=datetime.date(2026, 4, 2)
    )
    rows = [
        row(0, nom="MARTIN", prenom="Hélène"),
        row(
            1,
            nom="NOËL",
            prenom="Gaëlle",
            duree_hebdomadaire="28",
            salaire_brut_mensuel="4 321,09",
            heures_chomees="37,5",
        ),
        row(2, nom="DURAND", prenom="Léo", contrat="apprenti", salaire_brut_mensuel="1 100", heures_chomees="151,67"),
    ]
    employer_client.post(url(demande), posted(rows))
    response = employer_client.get(url(demande))

    page = text(response)
    for header in ("Taux horaire", "Indemnité versée au salarié", "Allocation demandée", "Reste à charge"):
        assert re.search(rf'<th scope="col">{header}</th>', response.content.decode())
    assert "MARTIN Hélène 20,00 h 13,19 € 190,40 € 171,40 € 19,00 €" in page
    bareme = bareme_du_mois(mois=datetime.date(2026, 3, 1), dispositif="droit_commun")
    expected = calculer(
        bareme,
        [
            Salarie(
                salaire_brut_mensuel=Decimal(r["salaire_brut_mensuel"].replace(" ", "").replace(",", ".")),
                duree_hebdomadaire=Decimal(r["duree_hebdomadaire"]),
                heures_chomees=Decimal(r["heures_chomees"].replace(",", ".")),
                contrat=r["contrat"],
            )
            for r in rows
        ],
    )
    for r, calcul in zip(rows, expected.salaries, strict=True):
        amounts = " ".join(
            format_euros(v) for v in (calcul.taux_horaire, calcul.indemnite, calcul.allocation, calcul.reste_a_charge)
        )
        assert f"{r['nom']} {r['prenom']} " in page
        assert amounts in page
    total = expected.total
    assert (
        f"Total 209,17 h {format_euros(total.indemnite)} {format_euros(total.allocation)} {format_euros(total.reste_a_charge)}"
        in page
    )
    assert mention_bareme(bareme) in page
    demande.refresh_from_db()
    assert demande.total_allocation == total.allocation
    assert demande.statut == Statut.PROVISOIRE
    assert list(demande.salaries.values_list("nom", flat=True)) == ["MARTIN", "NOËL", "DURAND"]


def test_calculer_saves_and_the_page_shows_the_rows_then_a_removed_row_is_left_out(employer_client, decision, user):
    demande = new_di(decision, user)
    response = employer_client.post(url(demande), posted([row(0), row(1), {}]))

    assert response.status_code == 302
    assert flashed(response) == ["Les montants sont calculés pour 2 salariés."]
    assert demande.salaries.count() == 2

    data = posted([row(0), row(1)])
    data["form-1-DELETE"] = "on"
    employer_client.post(url(demande), data)
    assert list(demande.salaries.values_list("nom", flat=True)) == ["NOM0"]


def test_adding_rows_keeps_what_was_typed(employer_client, decision, user):
    demande = new_di(decision, user)
    response = employer_client.post(url(demande), posted([row(0, nom="TAPÉ")], action="ajouter"))

    html = response.content.decode()
    assert value_of(response, 0, "nom") == "TAPÉ"
    assert 'id="id_form-5-nom"' in html
    assert 'id="id_form-6-nom"' not in html
    assert 'name="form-TOTAL_FORMS" value="6"' in html
    assert not SalarieIndemnise.objects.exists()


# --- ENVOYER -------------------------------------------------------------------------------------------------------


def test_envoyer_calculates_sends_and_opens_the_detail(employer_client, decision, user):
    demande = new_di(decision, user)
    response = employer_client.post(url(demande), posted([row(0), row(1)], action="envoyer"))

    demande.refresh_from_db()
    assert response.status_code == 302
    assert response.url == reverse("indemnisation:detail", args=[demande.numero])
    assert flashed(response) == [f"La demande {demande.numero} est envoyée à l'unité départementale."]
    assert demande.statut == Statut.ENVOYEE
    assert demande.nb_salaries == 2


def test_envoyer_for_a_non_verifie_establishment_is_refused_and_the_rows_kept(client):
    establishment, user = make_employer(verified=False)
    decision = make_decision(establishment, user)
    demande = new_di(decision, user)
    client.force_login(user)

    response = client.post(url(demande), posted([row(0, nom="GARDÉ")], action="envoyer"))

    demande.refresh_from_db()
    assert response.status_code == 200
    assert services.NON_VERIFIE in alert(response)
    assert "La demande n'a pas pu être envoyée" in alert(response)
    assert value_of(response, 0, "nom") == "GARDÉ"
    assert demande.statut == Statut.PROVISOIRE
    assert demande.salaries.get().nom == "GARDÉ"


def test_envoyer_before_the_month_is_over_is_refused(employer_client, decision, user):
    demande = new_di(decision, user, mois=this_month())

    response = employer_client.post(url(demande), posted([row(0)], action="envoyer"))

    demande.refresh_from_db()
    suivant = checks.mois_suivant(this_month())
    assert checks.MOIS_NON_TERMINE.split(" :")[0].format(de_mois=format_de_mois(this_month())) in alert(response)
    assert f"à partir du {suivant:%d/%m/%Y}" in alert(response)
    assert demande.statut == Statut.PROVISOIRE


def test_envoyer_shows_a_rows_refusal_next_to_the_row(employer_client, employer, decision, user):
    # The same employee's hours of the month already claimed through another décision of the establishment.
    other = make_decision(*employer)
    make_di(other, user, rows=[row(7)], send=True)
    demande = new_di(decision, user)

    response = employer_client.post(url(demande), posted([row(0), {}, row(7)], action="envoyer"))

    assert error_of(response, 2, "nir") == checks.DEJA_DEMANDE.format(mois=_mois(last_month()))
    assert value_of(response, 2, "nom") == "NOM7"
    demande.refresh_from_db()
    assert demande.statut == Statut.PROVISOIRE


# --- Copy, delete ----------------------------------------------------------------------------------------------------


def test_the_previous_months_employees_are_copied(employer_client, employer, user):
    decision = make_decision(*employer)
    make_di(decision, user, mois=checks.mois_precedent(last_month()), rows=[row(0), row(1, nom="COPIÉ")])
    demande = new_di(decision, user)

    response = employer_client.post(url(demande), {"action": "recopier"})

    assert response.status_code == 302
    assert flashed(response) == ["2 salariés recopiés du mois précédent."]
    assert list(demande.salaries.values_list("nom", flat=True)) == ["NOM0", "COPIÉ"]
    assert value_of(employer_client.get(url(demande)), 1, "nom") == "COPIÉ"


def test_copying_without_a_previous_month_says_so(employer_client, decision, user):
    demande = new_di(decision, user)

    response = employer_client.post(url(demande), {"action": "recopier"}, follow=True)

    assert services.PAS_DE_MOIS_PRECEDENT in text(response)
    assert not SalarieIndemnise.objects.exists()


def test_a_provisoire_di_is_deleted_after_its_confirmation(employer_client, decision, user):
    demande = make_di(decision, user)
    delete_url = reverse("indemnisation:delete", args=[demande.numero])

    confirmation = employer_client.get(delete_url)
    assert confirmation.status_code == 200
    assert f"Supprimer la demande {demande.numero} ?" in text(confirmation)
    assert DemandeIndemnisation.objects.filter(pk=demande.pk).exists()

    response = employer_client.post(delete_url)
    assert response.status_code == 302
    assert response.url == reverse("indemnisation:list")
    assert flashed(response) == [f"La demande {demande.numero} est supprimée."]
    assert not DemandeIndemnisation.objects.filter(pk=demande.pk).exists()


def test_a_sent_di_is_not_deleted(employer_client, decision, user):
    demande = make_di(decision, user, send=True)

    response = employer_client.post(reverse("indemnisation:delete", args=[demande.numero]))

    assert response.url == reverse("indemnisation:detail", args=[demande.numero])
    assert DemandeIndemnisation.objects.filter(pk=demande.pk).exists()


def _mois(day):
    from bareme.engine import format_mois

    return format_mois(day)
