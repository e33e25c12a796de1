"""A DI's page: the establishment, the décision, the month, the status, the employees with their amounts to the
cent and the totals, the history (the UD and the ASP not named), the buttons; another user's DI is not found."""

import pytest
from django.urls import reverse
from django.utils import timezone

from bareme.engine import format_mois
from indemnisation import services
from indemnisation.enums import Statut
from tests.factories import UserFactory
from tests.indemnisation.helpers import last_month, make_decision, make_di, make_employer, row

pytestmark = pytest.mark.django_db


def euros(value) -> str:
    """1234.5 → « 1 234,50 € » (bareme.engine.format_euros, written out here)."""
    return f"{value:,.2f} €".replace(",", " ").replace(".", ",")


def detail(client, demande) -> str:
    response = client.get(reverse("indemnisation:detail", args=[demande.numero]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def employer():
    return make_employer(denomination="ATELIERS MENUCA")


def test_the_page_shows_the_di_its_decision_and_each_employees_amounts_to_the_cent(client, employer):
    establishment, user = employer
    decision = make_decision(establishment, user)
    demande = make_di(
        decision,
        user,
        rows=[row(0, nom="MENUCA", prenom="Gérard"), row(1, nom="DURAND", salaire_brut_mensuel="3150,75")],
    )
    client.force_login(user)

    html = detail(client, demande)

    assert (
        f"Demande d&#x27;indemnisation {demande.numero}" in html or f"Demande d'indemnisation {demande.numero}" in html
    )
    assert establishment.siret in html and "ATELIERS MENUCA" in html
    assert decision.numero in html
    assert f"du {decision.date_debut:%d/%m/%Y} au {decision.date_fin:%d/%m/%Y}" in html
    assert f"<dt>Mois</dt><dd>{format_mois(demande.mois)}</dd>" in html
    assert "Droit commun" in html and "fr-badge--warning" in html and "Provisoire" in html
    assert "Demande provisoire — non envoyée" in html
    for salarie in demande.salaries.all():
        assert salarie.nom in html and salarie.prenom in html
        for amount in (salarie.indemnite, salarie.allocation, salarie.reste_a_charge, salarie.taux_horaire):
            assert euros(amount) in html
    for total in (demande.total_indemnite, demande.total_allocation, demande.total_reste_a_charge):
        assert euros(total) in html
    assert (
        demande.total_allocation > 0
        and demande.total_reste_a_charge == demande.total_indemnite - demande.total_allocation
    )
    assert "Indemnité versée au salarié" in html and "Allocation demandée" in html and "Reste à charge" in html
    assert "40,00 h" in html  # 2 × 20 h
    assert demande.bareme_mention and demande.bareme_mention in html.replace("&#x27;", "'")


def test_an_editable_di_links_to_its_saisie_and_every_di_to_its_recapitulatif(client, employer):
    establishment, user = employer
    demande = make_di(make_decision(establishment, user), user)
    client.force_login(user)

    html = detail(client, demande)

    assert reverse("indemnisation:saisie", args=[demande.numero]) in html
    assert "Compléter / modifier la demande" in html
    assert reverse("indemnisation:recapitulatif_pdf", args=[demande.numero]) in html
    assert "Télécharger le document récapitulatif (PDF)" in html
    assert reverse("indemnisation:delete", args=[demande.numero]) in html

    services.demande_send(demande=demande, by=user)
    html = detail(client, demande)

    assert (
        "Compléter / modifier la demande" not in html
        and reverse("indemnisation:delete", args=[demande.numero]) not in html
    )
    assert "Télécharger le document récapitulatif (PDF)" in html and "fr-badge--info" in html


def test_the_history_says_when_who_and_why_without_naming_the_agents(client, employer):
    establishment, user = employer
    user.prenom, user.nom = "Gérard", "Menuça"
    user.save()
    agent = UserFactory(prenom="Agathe", nom="Instructrice")
    staff = UserFactory(prenom="Paul", nom="Support", is_staff=True)
    demande = make_di(make_decision(establishment, user), user, send=True)
    services.demande_invalidate(demande=demande, by=agent, motif="Heures du salarié NOM0 à justifier.")
    services.demande_reinstate(demande=demande, by=staff, motif="Incident du 12/03")
    services.demande_validate(demande=demande, by=agent)
    demande.refresh_from_db()
    client.force_login(user)

    html = detail(client, demande)

    history = html.split('id="historique"')[1]
    assert [s for s in ("Provisoire", "Envoyée", "Invalidée", "Envoyée", "Validée") if s in history] == [
        "Provisoire", "Envoyée", "Invalidée", "Envoyée", "Validée"
    ]  # fmt: skip
    assert history.index("Invalidée") < history.index("Validée")
    assert "Unité départementale" in history and "ASP" in history and "Menuça" in history
    assert "Agathe" not in html and "Instructrice" not in html and "Paul" not in html
    assert "Heures du salarié NOM0 à justifier." in history and "Remise en instruction : Incident du 12/03" in history
    line = demande.historique.get(to_statut=Statut.VALIDEE)
    assert timezone.localtime(line.at).strftime("%d/%m/%Y %H:%M") in history
    assert "fr-badge--success" in html and "Validée" in html
    assert f"Validée le</dt><dd>{timezone.localtime(demande.decided_at):%d/%m/%Y à %H:%M}" in html
    assert f"Envoyée le</dt><dd>{timezone.localtime(demande.sent_at):%d/%m/%Y à %H:%M}" in html


def test_an_invalidated_di_shows_its_motif_and_can_be_corrected(client, employer):
    establishment, user = employer
    demande = make_di(make_decision(establishment, user), user, send=True)
    services.demande_invalidate(demande=demande, by=UserFactory(), motif="Le NIR de NOM0 est celui d'un autre salarié.")
    client.force_login(user)

    html = detail(client, demande)

    assert "Motif d'invalidation : Le NIR de NOM0 est celui d&#x27;un autre salarié." in html
    assert "fr-badge--error" in html and "Compléter / modifier la demande" in html
    assert reverse("indemnisation:delete", args=[demande.numero]) not in html  # sent once: not deletable


def test_a_di_of_another_users_establishment_or_unknown_is_not_found(client, employer):
    establishment, user = employer
    demande = make_di(make_decision(establishment, user), user, mois=last_month())
    client.force_login(UserFactory())

    assert client.get(reverse("indemnisation:detail", args=[demande.numero])).status_code == 404
    assert client.get(reverse("indemnisation:detail", args=["DI-2026-999999"])).status_code == 404


def test_the_page_asks_to_log_in(client, employer):
    establishment, user = employer
    demande = make_di(make_decision(establishment, user), user)

    response = client.get(reverse("indemnisation:detail", args=[demande.numero]))

    assert response.status_code == 302 and "next=" in response.url
