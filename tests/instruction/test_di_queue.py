"""The DI queue /instruction/di/: the sent DIs of the agent's départements, the oldest sent first, the filter by
status, the count of flagged control lines, a constant number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indemnisation import services
from tests.indemnisation.helpers import make_decision, make_di, make_employer, row

pytestmark = pytest.mark.django_db

QUEUE = reverse("instruction:di_queue")


@pytest.fixture
def employer(db):
    return make_employer(denomination="BOULANGERIE DU CANAL")


def sent_di(employer, *, departement="75", index=0, days_ago=0, rows=None, heures=Decimal("5000"), nb_salaries=50):
    establishment, user = employer
    decision = make_decision(establishment, user, departement=departement, heures=heures, nb_salaries=nb_salaries)
    demande = make_di(decision, user, rows=rows or [row(index)], send=True)
    demande.sent_at = timezone.now() - datetime.timedelta(days=days_ago)
    demande.save(update_fields=["sent_at"])
    return demande


def numeros(response) -> list[str]:
    return [demande.numero for demande in response.context["demandes"]]


def test_the_queue_lists_the_sent_dis_of_the_agents_departements_oldest_first(client, agent_user, employer):
    recent = sent_di(employer, index=0, days_ago=1)
    oldest = sent_di(employer, index=1, days_ago=10, departement="92")
    ailleurs = sent_di(employer, index=2, days_ago=20, departement="69")  # Rhône: not the agent's
    validee = sent_di(employer, index=3, days_ago=30)
    services.demande_validate(demande=validee, by=agent_user)
    establishment, user = employer
    provisoire = make_di(make_decision(establishment, user), user, rows=[row(4)])  # never sent: not the UD's

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert numeros(response) == [oldest.numero, recent.numero]
    html = response.content.decode()
    assert ailleurs.numero not in html and validee.numero not in html and provisoire.numero not in html
    assert "2 demandes d'indemnisation" in html
    assert employer[0].siret in html and "BOULANGERIE DU CANAL" in html
    assert "Aucun" in html  # no control line flagged


def test_the_status_filter_shows_the_validated_and_invalidated_dis(client, agent_user, employer):
    envoyee = sent_di(employer, index=0)
    validee = sent_di(employer, index=1)
    invalidee = sent_di(employer, index=2)
    services.demande_validate(demande=validee, by=agent_user)
    services.demande_invalidate(demande=invalidee, by=agent_user, motif="Heures incohérentes")

    assert numeros(client.get(QUEUE, {"statut": "validees"})) == [validee.numero]
    assert numeros(client.get(QUEUE, {"statut": "invalidees"})) == [invalidee.numero]
    assert sorted(numeros(client.get(QUEUE, {"statut": "toutes"}))) == sorted(
        [envoyee.numero, validee.numero, invalidee.numero]
    )
    assert numeros(client.get(QUEUE, {"recherche": envoyee.numero})) == [envoyee.numero]
    assert numeros(client.get(QUEUE, {"departement": "92"})) == []


def test_the_controls_column_counts_the_flagged_lines(client, agent_user, employer):
    # 30 h authorised over 3 months (10 h a month) for 1 employee: 2 employees, 40 h are flagged twice.
    demande = sent_di(employer, rows=[row(0), row(1)], heures=Decimal("60"), nb_salaries=1)
    assert len(demande.controles) == 2

    html = client.get(QUEUE).content.decode()

    assert '<span class="fr-badge fr-badge--warning fr-badge--sm">2 contrôles</span>' in html


def test_the_queue_makes_a_constant_number_of_queries(client, agent_user, employer):
    sent_di(employer, index=0)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for index in range(1, 6):
        sent_di(employer, index=index)
    with CaptureQueriesContext(connection) as six:
        response = client.get(QUEUE)

    assert len(numeros(response)) == 6
    assert len(six) == len(one)


def test_the_home_links_the_di_queue(client, agent_user):
    html = client.get(reverse("instruction:home")).content.decode()

    assert f'href="{QUEUE}"' in html and "Demandes d'indemnisation" in html


def test_an_employer_and_staff_get_a_404_and_an_anonymous_visitor_the_login(client, employer, staff_client):
    assert staff_client.get(QUEUE).status_code == 404
    staff_client.logout()
    from tests.factories import two_factor_login

    two_factor_login(staff_client, employer[1])
    assert staff_client.get(QUEUE).status_code == 404
    staff_client.logout()
    response = staff_client.get(QUEUE)
    assert response.status_code == 302 and response.url.startswith(reverse("portal:home"))
