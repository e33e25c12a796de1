"""The queue /instruction/: the DAPs to decide in the agent's départements, the nearest implicit acceptance
first, with the days left, the filters and each establishment's past DAPs."""

import pytest
from django.urls import reverse

from dap.enums import Motif, Statut
from tests.factories import EstablishmentFactory

from .conftest import envoyee

pytestmark = pytest.mark.django_db

HOME = reverse("instruction:home")


def numeros(response) -> list[str]:
    return [demande.numero for demande in response.context["demandes"]]


def test_the_queue_lists_the_departements_daps_by_implicit_acceptance_date_with_the_days_left(
    client, agent_user, paris, lyon, employer
):
    later = envoyee(paris, employer, deadline_in=12, numero="DAP-2026-000010")
    sooner = envoyee(paris, employer, deadline_in=3, numero="DAP-2026-000011")
    last_day = envoyee(paris, employer, deadline_in=0, numero="DAP-2026-000012")
    envoyee(lyon, employer, deadline_in=1, numero="DAP-2026-000013")  # Rhône: not the agent's
    envoyee(paris, employer, statut=Statut.PROVISOIRE, numero="DAP-2026-000014")  # never sent: not the UD's
    envoyee(paris, employer, statut=Statut.REFUSEE, numero="DAP-2026-000015")  # decided: not waiting

    response = client.get(HOME)

    assert numeros(response) == [last_day.numero, sooner.numero, later.numero]
    html = response.content.decode()
    assert "Dernier jour" in html and "3 jours" in html and "12 jours" in html
    assert "DAP-2026-000013" not in html and "BOUCHON LYONNAIS" not in html
    assert "3 demandes" in html


def test_corsica_and_overseas_are_matched_by_their_codes_postaux(client, db, employer):
    from .conftest import login_agent

    login_agent(client, identifiant="agent.ud2a", departements=("2A", "974"))
    ajaccio = envoyee(EstablishmentFactory(complete=True, code_postal="20000"), employer, numero="DAP-2A")
    reunion = envoyee(EstablishmentFactory(complete=True, code_postal="97400"), employer, numero="DAP-974")
    envoyee(EstablishmentFactory(complete=True, code_postal="20200"), employer, numero="DAP-2B")  # Bastia

    assert sorted(numeros(client.get(HOME))) == sorted([ajaccio.numero, reunion.numero])


def test_the_filters_by_status_departement_motif_and_siret(client, agent_user, paris, employer):
    nanterre = EstablishmentFactory(complete=True, code_postal="92000")
    a_paris = envoyee(paris, employer, numero="DAP-75")
    a_nanterre = envoyee(nanterre, employer, numero="DAP-92", motif=Motif.SINISTRE)
    refusee = envoyee(paris, employer, statut=Statut.REFUSEE, numero="DAP-75-R")
    complement = envoyee(paris, employer, statut=Statut.COMPLEMENT, numero="DAP-75-C")

    assert numeros(client.get(HOME, {"departement": "92"})) == [a_nanterre.numero]
    assert numeros(client.get(HOME, {"motif": Motif.SINISTRE})) == [a_nanterre.numero]
    assert numeros(client.get(HOME, {"statut": "decidees"})) == [refusee.numero]
    assert numeros(client.get(HOME, {"statut": "complement"})) == [complement.numero]
    assert set(numeros(client.get(HOME, {"recherche": paris.siret}))) == {a_paris.numero}
    # A département that is not the agent's is not a filter that widens the queue.
    assert numeros(client.get(HOME, {"departement": "69"})) == numeros(client.get(HOME))


def test_each_row_says_the_establishments_past_daps_and_their_hours(client, agent_user, paris, employer):
    from datetime import timedelta

    from django.utils import timezone

    from tests.dap.conftest import make_demande

    before = timezone.localdate() - timedelta(days=200)
    make_demande(paris, employer, statut=Statut.ACCEPTEE, debut=before, fin=before + timedelta(days=10))
    envoyee(paris, employer, numero="DAP-NOW")

    html = client.get(HOME).content.decode()

    assert "1 autre demande, 1 acceptée (100,00 h autorisées)" in html


def test_the_queue_is_not_kept_by_the_browser(client, agent_user):
    response = client.get(HOME)

    assert "no-store" in response["Cache-Control"]


def test_an_employer_does_not_reach_the_queue(other_client, employer):
    from tests.factories import two_factor_login

    two_factor_login(other_client, employer)

    assert other_client.get(HOME).status_code == 404


def test_a_dap_sent_through_the_service_is_in_the_queue_of_its_establishments_departement(client, agent_user, employer):
    from dap.services import demande_save, demande_send
    from tests.dap.conftest import valid_data

    nanterre = EstablishmentFactory(complete=True, code_postal="92100")
    from tests.factories import HabilitationFactory

    HabilitationFactory(user=employer, establishment=nanterre)
    demande = demande_send(demande=demande_save(by=employer, establishment=nanterre, data=valid_data()), by=employer)

    assert demande.departement == "92"
    assert numeros(client.get(HOME)) == [demande.numero]
    assert numeros(client.get(HOME, {"departement": "75"})) == []


def test_the_migration_gives_the_daps_sent_before_it_their_departement(paris, lyon, employer):
    import importlib

    from django.apps import apps

    from dap.models import DemandeAutorisation

    migration = importlib.import_module("dap.migrations.0002_demande_departement")
    a_paris = envoyee(paris, employer, numero="DAP-OLD-75")
    a_lyon = envoyee(lyon, employer, numero="DAP-OLD-69")
    provisoire = envoyee(paris, employer, statut=Statut.PROVISOIRE, numero="DAP-OLD-P")
    DemandeAutorisation.objects.update(departement="")

    migration.fill_departement(apps, None)

    assert dict(DemandeAutorisation.objects.values_list("numero", "departement")) == {
        a_paris.numero: "75",
        a_lyon.numero: "69",
        provisoire.numero: "",
    }


def test_the_queue_costs_the_same_queries_for_3_or_30_daps(client, agent_user, employer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        return len(captured)

    for _ in range(3):
        envoyee(EstablishmentFactory(complete=True, code_postal="75011"), employer)
    few = queries()
    for _ in range(27):
        envoyee(EstablishmentFactory(complete=True, code_postal="92000"), employer)

    assert queries() == few
