"""« Besoin d'aide sur cette demande / décision ? »: the assistance form pre-filled from a DAP or a décision page
(?motif=…&reference=<numéro>), only for a number the logged-in user may see."""

import pytest
from django.urls import reverse

from dap.enums import Statut
from tests.dap.conftest import days, make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("support:assistance")


@pytest.fixture
def employer(db):
    user = UserFactory()
    HabilitationFactory(user=user, establishment=EstablishmentFactory(complete=True, denomination="ATELIERS MENUCA"))
    return user


@pytest.fixture
def decision(employer):
    establishment = employer.habilitations.get().establishment
    return make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=days(1), fin=days(14)).decision


def test_a_decision_of_the_user_prefills_the_motif_its_establishment_and_its_number(client, employer, decision):
    client.force_login(employer)

    response = client.get(URL, {"motif": "decision_autorisation", "reference": decision.numero})

    form = response.context["form"]
    assert form["motif"].value() == "decision_autorisation"
    assert form["siret"].value() == decision.demande.establishment.siret
    assert form["denomination"].value() == "ATELIERS MENUCA"
    assert decision.numero in form["description"].value()
    html = response.content.decode()
    assert '<option value="decision_autorisation" selected>Décision d&#x27;autorisation</option>' in html


def test_a_dap_of_the_user_prefills_the_dap_motif(client, employer):
    establishment = employer.habilitations.get().establishment
    demande = make_demande(establishment, employer, statut=Statut.ENVOYEE, debut=days(1), fin=days(14))
    client.force_login(employer)

    form = client.get(URL, {"motif": "dap", "reference": demande.numero}).context["form"]

    assert form["motif"].value() == "dap"
    assert demande.numero in form["description"].value()


def test_a_foreign_reference_is_ignored(client, employer):
    stranger = UserFactory()
    foreign = make_demande(
        EstablishmentFactory(complete=True, denomination="SECRET SARL"),
        stranger,
        statut=Statut.ACCEPTEE,
        debut=days(1),
        fin=days(14),
    ).decision
    client.force_login(employer)

    response = client.get(URL, {"motif": "decision_autorisation", "reference": foreign.numero})

    form = response.context["form"]
    assert form["motif"].value() == "decision_autorisation"  # the motif alone still pre-fills
    assert not form["description"].value()
    assert foreign.numero not in response.content.decode() and "SECRET SARL" not in response.content.decode()


def test_a_reference_is_ignored_when_logged_out(client, decision):
    response = client.get(URL, {"reference": decision.numero})

    assert not response.context["form"]["description"].value()
    assert decision.numero not in response.content.decode()
