"""« Nouvelle demande d'indemnisation »: the code DI (typed as it may be), the month and the dispositif."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from bareme.engine import format_de_mois
from indemnisation.checks import mois_suivant
from indemnisation.models import DemandeIndemnisation
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory
from tests.indemnisation.helpers import last_month, make_decision, make_di, make_employer, this_month

pytestmark = pytest.mark.django_db

URL = "/espace/di/nouvelle/"
INCONNU = (
    "Ce code DI ne correspond à aucune de vos décisions d'autorisation. Copiez-le (copier / coller) depuis "
    "l'écran de la décision d'autorisation, dans « Mes décisions »"
)


@pytest.fixture
def employer():
    return make_employer()


@pytest.fixture
def decision(employer):
    return make_decision(*employer)


@pytest.fixture
def employer_client(client, employer):
    client.force_login(employer[1])
    return client


def other_employer():
    """Another employer, on another establishment."""
    establishment = EstablishmentFactory(complete=True, code_postal="69001")
    user = UserFactory()
    HabilitationFactory(user=user, establishment=establishment)
    return establishment, user


def error_of(html: str, field: str) -> str:
    match = re.search(rf'id="id_{field}-error"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error block for {field}"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def error_html(html: str, field: str) -> str:
    return re.search(rf'id="id_{field}-error"[^>]*>(.*?)</div>', html, re.S).group(1)


def test_the_page_asks_for_the_code_di(employer_client):
    response = employer_client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<label class="fr-label" for="id_code_di">Code DI', html)
    assert 'name="mois"' not in html


def test_the_code_typed_with_spaces_dashes_and_lowercase_gives_the_months_of_the_decision(employer_client, decision):
    code = decision.code_di.lower()
    typed = f" {code[:3]}-{code[3:6]} {code[6:]} "
    response = employer_client.post(URL, {"code_di": typed, "action": "code"})

    html = unescape(response.content.decode())
    assert 'id="id_code_di-error"' not in html
    assert re.search(r'<label class="fr-label" for="id_mois">Mois', html)
    assert re.search(r'<label class="fr-label" for="id_dispositif">Dispositif', html)
    mois = re.search(r'<select name="mois".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option[^>]*>([^<]+)</option>", mois)
    months = [decision.date_debut.replace(day=1)]
    while months[-1] < decision.date_fin.replace(day=1):
        months.append(mois_suivant(months[-1]))
    from bareme.engine import format_mois

    assert options == [format_mois(m) for m in months]
    assert re.search(rf'<option value="{last_month():%Y-%m}" selected>', mois)
    assert re.search(r'<option value="droit_commun" selected>Droit commun</option>', html)


@pytest.mark.parametrize("foreign", [False, True])
def test_an_unknown_code_and_a_code_of_another_establishment_get_the_same_message_with_the_link(
    employer_client, decision, foreign
):
    code = make_decision(*other_employer()).code_di if foreign else "2345678ABC"
    response = employer_client.post(URL, {"code_di": code, "action": "code"})

    html = response.content.decode()
    assert error_of(html, "code_di") == f"{INCONNU} ( voir mes décisions d'autorisation )."
    assert f'href="{reverse("dap:decision_list")}"' in error_html(html, "code_di")
    assert 'name="mois"' not in html


def test_an_empty_code(employer_client):
    response = employer_client.post(URL, {"code_di": "", "action": "code"})

    assert error_of(response.content.decode(), "code_di") == "Saisissez le code DI de la décision d'autorisation."


def test_the_di_is_created_and_its_page_opened(employer_client, decision, employer):
    response = employer_client.post(
        URL,
        {"code_di": decision.code_di, "mois": f"{last_month():%Y-%m}", "dispositif": "droit_commun", "action": "creer"},
    )

    demande = DemandeIndemnisation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("indemnisation:saisie", args=[demande.numero])
    assert demande.decision == decision
    assert demande.mois == last_month()
    assert demande.establishment == employer[0]
    assert demande.statut == "provisoire"


def test_a_future_month_is_refused_next_to_mois(employer_client, employer):
    decision = make_decision(*employer, fin=mois_suivant(mois_suivant(this_month())) - datetime.timedelta(days=1))
    futur = mois_suivant(this_month())
    response = employer_client.post(URL, {"code_di": decision.code_di, "mois": f"{futur:%Y-%m}", "action": "creer"})

    assert error_of(response.content.decode(), "mois") == (
        f"La demande {format_de_mois(futur)} pourra être préparée à partir du {futur:%d/%m/%Y}."
    )
    assert not DemandeIndemnisation.objects.exists()


def test_a_month_outside_the_period_is_refused(employer_client, decision):
    response = employer_client.post(URL, {"code_di": decision.code_di, "mois": "2020-01", "action": "creer"})

    assert error_of(response.content.decode(), "mois") == "Choisissez une valeur de la liste."


def test_the_filing_closed_says_since_when(employer_client, employer):
    decision = make_decision(*employer, debut=datetime.date(2024, 1, 1), fin=datetime.date(2024, 2, 29))
    response = employer_client.post(URL, {"code_di": decision.code_di, "mois": "2024-02", "action": "creer"})

    assert error_of(response.content.decode(), "mois") == (
        "Le dépôt des demandes d'indemnisation de cette décision est clos depuis le 29/08/2024 (6 mois après la "
        "fin de la période autorisée)."
    )


def test_a_month_that_has_its_di_links_to_it(employer_client, decision, employer):
    existing = make_di(decision, employer[1])
    response = employer_client.post(
        URL, {"code_di": decision.code_di, "mois": f"{last_month():%Y-%m}", "action": "creer"}
    )

    html = response.content.decode()
    assert error_of(html, "mois") == (
        f"Une demande d'indemnisation existe déjà pour ce mois ({existing.numero}). Ouvrir la demande {existing.numero}"
    )
    assert f'href="{reverse("indemnisation:saisie", args=[existing.numero])}"' in error_html(html, "mois")
    assert DemandeIndemnisation.objects.count() == 1


def _mois(day):
    from bareme.engine import format_mois

    return format_mois(day)


def test_a_link_may_carry_the_code(employer_client, decision):
    response = employer_client.get(URL, {"code_di": decision.code_di})

    html = response.content.decode()
    assert 'id="id_code_di-error"' not in html
    assert 'name="mois"' in html
    assert decision.numero in html
