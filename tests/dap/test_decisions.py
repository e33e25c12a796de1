"""The employer's décisions: the list over their establishments (filters, pagination), the page with its code DI,
and 404 for a décision of an establishment they do not hold."""

import datetime

import pytest
from django.urls import reverse

from dap.enums import Statut
from dap.models import Decision
from dap.views_decisions import DECISIONS_PER_PAGE
from tests.dap.conftest import days, make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def accepted(establishment, user, *, debut=None, fin=None) -> Decision:
    demande = make_demande(
        establishment, user, statut=Statut.ACCEPTEE_IMPLICITEMENT, debut=debut or days(1), fin=fin or days(14)
    )
    return demande.decision


@pytest.fixture
def logged_in(client, employer):
    client.force_login(employer)
    return client


def test_the_list_shows_the_decisions_of_every_establishment_the_user_holds_and_no_other(
    logged_in, employer, establishment
):
    second = EstablishmentFactory(complete=True, denomination="SECOND SITE")
    HabilitationFactory(user=employer, establishment=second)
    mine = [accepted(establishment, employer), accepted(second, employer)]
    stranger = UserFactory()
    foreign = accepted(EstablishmentFactory(complete=True), stranger)

    html = logged_in.get(reverse("dap:decision_list")).content.decode()

    assert "Mes Décisions d&#x27;Autorisation" in html or "Mes Décisions d'Autorisation" in html
    assert all(decision.numero in html for decision in mine)
    assert foreign.numero not in html
    assert "2 décisions" in html


def test_the_list_filters_by_establishment(logged_in, employer, establishment):
    second = EstablishmentFactory(complete=True, denomination="SECOND SITE")
    HabilitationFactory(user=employer, establishment=second)
    here, there = accepted(establishment, employer), accepted(second, employer)

    html = logged_in.get(reverse("dap:decision_list"), {"etablissement": second.siret}).content.decode()

    assert there.numero in html and here.numero not in html


def test_filtering_on_an_establishment_the_user_does_not_hold_shows_nothing(logged_in, employer, establishment):
    accepted(establishment, employer)
    other = EstablishmentFactory(complete=True)
    foreign = accepted(other, UserFactory())

    html = logged_in.get(reverse("dap:decision_list"), {"etablissement": other.siret}).content.decode()

    assert foreign.numero not in html and "Aucune décision" in html


@pytest.mark.parametrize("fmt", ["%Y-%m-%d", "%d/%m/%Y"])
def test_the_list_filters_by_the_period_the_decision_overlaps(logged_in, employer, establishment, fmt):
    early = accepted(establishment, employer, debut=days(1), fin=days(10))
    late = accepted(establishment, employer, debut=days(40), fin=days(50))

    html = logged_in.get(
        reverse("dap:decision_list"), {"debut": days(35).strftime(fmt), "fin": days(60).strftime(fmt)}
    ).content.decode()

    assert late.numero in html and early.numero not in html


def test_the_list_is_paginated(logged_in, employer, establishment):
    for n in range(DECISIONS_PER_PAGE + 1):
        accepted(establishment, employer, debut=days(1 + 20 * n), fin=days(10 + 20 * n))

    first = logged_in.get(reverse("dap:decision_list")).content.decode()
    second = logged_in.get(reverse("dap:decision_list"), {"page": 2}).content.decode()

    assert "Page 1 sur 2" in first and "Page suivante" in first
    assert "Page 2 sur 2" in second and second.count('href="/espace/decisions/DA-') == 1


def test_the_decision_page_shows_its_identification_and_the_code_di_under_the_siret(logged_in, employer, establishment):
    decision = accepted(establishment, employer)

    html = logged_in.get(reverse("dap:decision", args=[decision.numero])).content.decode()

    assert "Identification de la décision" in html
    assert html.index(establishment.siret) < html.index(decision.code_di)
    assert "Copier le code" in html and "copier / coller" in html
    # The button is a real one, its script a static file (CSP: no inline script).
    assert '<button type="button"' in html and "js/copy-code.js" in html and "<script>" not in html
    assert decision.date_debut.strftime("%d/%m/%Y") in html and decision.date_fin.strftime("%d/%m/%Y") in html
    assert reverse("dap:decision_pdf", args=[decision.numero]) in html
    assert f"?motif=decision_autorisation&amp;reference={decision.numero}" in html


def test_the_decision_of_an_establishment_the_user_does_not_hold_is_not_found(logged_in, employer):
    foreign = accepted(EstablishmentFactory(complete=True), UserFactory())

    assert logged_in.get(reverse("dap:decision", args=[foreign.numero])).status_code == 404
    assert logged_in.get(reverse("dap:decision", args=["DA-2026-999999"])).status_code == 404


def test_an_ended_habilitation_no_longer_shows_the_decision(logged_in, employer, establishment):
    decision = accepted(establishment, employer)
    yesterday = days(-1)
    employer.habilitations.update(valid_from=yesterday - datetime.timedelta(days=30), valid_until=yesterday)

    assert logged_in.get(reverse("dap:decision", args=[decision.numero])).status_code == 404


def test_the_pages_need_a_login(client, employer, establishment):
    decision = accepted(establishment, employer)

    for url in (reverse("dap:decision_list"), reverse("dap:decision", args=[decision.numero])):
        response = client.get(url)
        assert response.status_code == 302 and decision.code_di not in response.content.decode()


def test_the_home_page_lists_the_latest_decisions_with_live_links(logged_in, employer, establishment):
    decision = accepted(establishment, employer)

    html = logged_in.get(reverse("espace:home")).content.decode()

    assert reverse("dap:decision", args=[decision.numero]) in html and decision.code_di in html


def test_an_unreadable_or_reversed_period_says_so_next_to_its_field(logged_in, employer, establishment):
    decision = accepted(establishment, employer)

    unreadable = logged_in.get(reverse("dap:decision_list"), {"debut": "32/13/2026"}).content.decode()
    reversed_ = logged_in.get(reverse("dap:decision_list"), {"debut": "2026-12-31", "fin": "2026-12-01"}).content
    reversed_ = reversed_.decode()

    assert 'id="filtre-debut-erreur"' in unreadable and "La date doit être au format JJ/MM/AAAA" in unreadable
    assert 'id="filtre-fin-erreur"' in reversed_ and "postérieure ou égale à sa date de début" in reversed_
    assert decision.numero in unreadable  # the list stays unfiltered rather than empty


def test_the_pages_keep_the_filters(logged_in, employer, establishment):
    for n in range(DECISIONS_PER_PAGE + 1):
        accepted(establishment, employer, debut=days(1 + 20 * n), fin=days(10 + 20 * n))

    html = logged_in.get(
        reverse("dap:decision_list"), {"etablissement": establishment.siret, "debut": days(0).isoformat()}
    ).content.decode()

    assert f"?etablissement={establishment.siret}&amp;debut={days(0).isoformat()}&amp;page=2" in html


def test_the_decision_email_links_to_the_decision_page(employer, establishment, ud_agent):
    from apart.outbox.models import OutboxEmail
    from dap.services import demande_accept, demande_save, demande_send
    from tests.dap.conftest import valid_data
    from tests.factories import delivered_text

    sent = demande_send(demande=demande_save(by=employer, establishment=establishment, data=valid_data()), by=employer)
    decision = demande_accept(
        demande=sent, by=ud_agent, heures_autorisees="100", date_debut=sent.date_debut, date_fin=sent.date_fin
    )

    email = OutboxEmail.objects.filter(kind="dap_decision").first()
    assert f"/espace/decisions/{decision.numero}/" in delivered_text(email)


def test_the_list_costs_the_same_queries_for_one_or_many_establishments(
    logged_in, employer, establishment, django_assert_max_num_queries
):
    accepted(establishment, employer)
    with django_assert_max_num_queries(20) as few:
        logged_in.get(reverse("dap:decision_list"))
    for _ in range(15):
        other = EstablishmentFactory(complete=True)
        HabilitationFactory(user=employer, establishment=other)
        accepted(other, employer)

    # One more at most: the establishment filter's list, shown from two establishments on.
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        html = logged_in.get(reverse("dap:decision_list")).content.decode()
    assert "16 décisions" in html
