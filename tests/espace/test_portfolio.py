"""The portfolio (/espace/etablissements/): the DI à déposer at the month boundaries, each filter, search, sort,
the CSV export, only one's own establishments, and a number of SQL queries that does not grow with them."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dap.enums import Statut as StatutDap
from espace.selectors import filing_cutoff, portfolio, portfolio_counts, portfolio_details
from indemnisation.checks import ajouter_mois, date_limite_depot, mois_precedent
from indemnisation.enums import Statut as StatutDi
from indemnisation.models import DemandeIndemnisation
from tests.dap.conftest import make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/espace/etablissements/"


def holding(user, *, valid_from=None, valid_until=None, **fields):
    establishment = EstablishmentFactory(**{"complete": True, **fields})
    habilitation = {"valid_from": valid_from} if valid_from else {}
    if valid_until:
        habilitation["valid_until"] = valid_until
    HabilitationFactory(user=user, establishment=establishment, **habilitation)
    return establishment


def decision(establishment, user, debut: datetime.date, fin: datetime.date, **fields):
    return make_demande(establishment, user, statut=StatutDap.ACCEPTEE, debut=debut, fin=fin, **fields).decision


def di(decision, mois: datetime.date, statut=StatutDi.PROVISOIRE, heures=Decimal("0")) -> DemandeIndemnisation:
    user = decision.demande.created_by
    sent = statut != StatutDi.PROVISOIRE
    return DemandeIndemnisation.objects.create(
        numero=f"DI-PF-{DemandeIndemnisation.objects.count() + 1:06d}",
        decision=decision,
        establishment=decision.demande.establishment,
        mois=mois,
        statut=statut,
        created_by=user,
        sent_at=timezone.now() if sent else None,
        sent_by=user if sent else None,
        motif_invalidation="Erreur" if statut == StatutDi.INVALIDEE else "",
        total_heures=heures,
    )


def a_deposer(user, today: datetime.date) -> dict[str, int]:
    """{siret: months} by the SQL count, checked against the Python months of the same rows."""
    rows = list(portfolio(user=user, today=today))
    details = portfolio_details([row.pk for row in rows], today=today)
    for row in rows:
        months = details[row.pk].mois_a_deposer if row.pk in details else []
        assert row.di_a_deposer == len(months), (row.siret, today, months)
    return {row.siret: row.di_a_deposer for row in rows}


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def old_holder(user):
    """A user habilitated since 2025 until 2027: the dates of the boundary tests are within."""
    return user, holding(user, valid_from=D(2025, 1, 1), valid_until=D(2027, 12, 31))


# --- DI à déposer at the boundaries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 1, 31), 0),  # January, the first month, not over
        (D(2026, 2, 1), 1),  # January over
        (D(2026, 3, 31), 2),  # March not over: January and February
        (D(2026, 4, 1), 3),  # the whole period over
        (D(2026, 9, 20), 3),  # the last day of filing (6 months after 20 March)
        (D(2026, 9, 21), 0),  # filing closed
    ],
)
def test_the_months_to_file_are_the_ended_months_within_the_filing_limit(old_holder, today, expected):
    user, establishment = old_holder
    decision(establishment, user, D(2026, 1, 10), D(2026, 3, 20))

    assert a_deposer(user, today) == {establishment.siret: expected}


def test_a_month_with_a_di_of_any_status_is_not_to_file(old_holder):
    user, establishment = old_holder
    authorised = decision(establishment, user, D(2026, 1, 10), D(2026, 4, 20))
    di(authorised, D(2026, 1, 1))
    di(authorised, D(2026, 2, 1), statut=StatutDi.INVALIDEE)

    assert a_deposer(user, D(2026, 5, 1)) == {establishment.siret: 2}
    [row] = portfolio(user=user, today=D(2026, 5, 1))
    assert portfolio_details([row.pk], today=D(2026, 5, 1))[row.pk].mois_a_deposer == [D(2026, 3, 1), D(2026, 4, 1)]


def test_the_filing_limit_of_a_period_ending_on_the_31st_is_the_end_of_february(old_holder):
    user, establishment = old_holder
    authorised = decision(establishment, user, D(2025, 8, 1), D(2025, 8, 31))
    assert date_limite_depot(authorised) == D(2026, 2, 28)

    assert a_deposer(user, D(2026, 2, 28)) == {establishment.siret: 1}
    assert a_deposer(user, D(2026, 3, 1)) == {establishment.siret: 0}


@pytest.mark.parametrize("today", [D(2026, 2, 28), D(2026, 3, 1), D(2026, 3, 31), D(2024, 2, 29), D(2026, 8, 31)])
def test_the_cutoff_is_the_earliest_end_whose_filing_is_still_open(today):
    cutoff = filing_cutoff(today)

    assert ajouter_mois(cutoff, 6) >= today
    assert ajouter_mois(cutoff - datetime.timedelta(days=1), 6) < today


def test_an_avenant_replaces_its_decision_and_the_months_filed_under_the_first_one_count(old_holder):
    user, establishment = old_holder
    first = decision(establishment, user, D(2026, 1, 1), D(2026, 2, 28))
    di(first, D(2026, 1, 1), statut=StatutDi.ENVOYEE)
    decision(establishment, user, D(2026, 1, 1), D(2026, 4, 30), parent=first.demande)

    # January to April over, January filed under the first décision: 3, not 2 + 4.
    assert a_deposer(user, D(2026, 5, 15)) == {establishment.siret: 3}


def test_two_decisions_of_one_establishment_add_up(old_holder):
    user, establishment = old_holder
    decision(establishment, user, D(2026, 1, 1), D(2026, 1, 15))
    decision(establishment, user, D(2026, 1, 16), D(2026, 2, 10))

    # January for each décision (each files its own DI), February for the second.
    assert a_deposer(user, D(2026, 3, 1)) == {establishment.siret: 3}


# --- The page: each filter, search, sort --------------------------------------------------------------------------


@pytest.fixture
def portfolio_client(client, user):
    """Seven establishments, one per case of the filters; today's dates."""
    today = timezone.localdate()
    last_month = mois_precedent(today.replace(day=1))
    this_month_end = ajouter_mois(today.replace(day=1), 1) - datetime.timedelta(days=1)
    cases = {}
    cases["due"] = holding(user, denomination="A DI DUE", siret="73282932000074")
    decision(cases["due"], user, last_month, this_month_end, heures_previsionnelles=Decimal("300"))
    cases["filed"] = holding(user, denomination="B DI FILED")
    filed = decision(cases["filed"], user, last_month, this_month_end)
    di(filed, last_month, statut=StatutDi.VALIDEE, heures=Decimal("42.5"))
    cases["envoyee"] = holding(user, denomination="C DAP ENVOYEE")
    make_demande(cases["envoyee"], user, statut=StatutDap.ENVOYEE, debut=today, fin=today)
    cases["complement"] = holding(user, denomination="D DAP COMPLEMENT")
    make_demande(cases["complement"], user, statut=StatutDap.COMPLEMENT, debut=today, fin=today)
    cases["incomplete"] = holding(user, denomination="E FICHE INCOMPLETE", complete=False, code_naf="")
    cases["in_30"] = holding(user, denomination="F FIN DANS 30", valid_until=today + datetime.timedelta(days=30))
    cases["in_31"] = holding(user, denomination="G FIN DANS 31", valid_until=today + datetime.timedelta(days=31))
    # Another user's establishment, due and incomplete: never shown nor counted.
    stranger = UserFactory()
    foreign = holding(stranger, denomination="H AUTRE CLIENT", complete=False, code_naf="")
    decision(foreign, stranger, last_month, this_month_end)
    client.force_login(user)
    client.cases = cases
    return client


def names(response) -> list[str]:
    return [establishment.denomination for establishment in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("filtre", "expected"),
    [
        ("", ["A DI DUE", "B DI FILED", "C DAP ENVOYEE", "D DAP COMPLEMENT", "E FICHE INCOMPLETE", "F FIN DANS 30",
              "G FIN DANS 31"]),
        ("di", ["A DI DUE"]),
        ("dap", ["C DAP ENVOYEE", "D DAP COMPLEMENT"]),
        ("fiche", ["E FICHE INCOMPLETE"]),
        ("habilitation", ["F FIN DANS 30"]),
        ("inconnu", ["A DI DUE", "B DI FILED", "C DAP ENVOYEE", "D DAP COMPLEMENT", "E FICHE INCOMPLETE",
                     "F FIN DANS 30", "G FIN DANS 31"]),
    ],
)  # fmt: skip
def test_each_filter_lists_its_establishments(portfolio_client, filtre, expected):
    response = portfolio_client.get(URL, {"filtre": filtre})

    assert response.status_code == 200
    assert names(response) == expected


def test_the_page_shows_the_counts_and_each_row(portfolio_client):
    html = portfolio_client.get(URL).content.decode()

    assert "Mes Etablissements : 7 établissements" in html
    for label in ["Tous", "DI à déposer", "DAP en attente", "Fiche incomplète", "Habilitation expirant dans 30 jours"]:
        assert f">{label}</a>" in html
    assert 'id="compte-di">1<' in html and 'id="compte-dap">2<' in html
    assert 'id="compte-fiche">1<' in html and 'id="compte-habilitation">1<' in html
    assert "Complément demandé" in html and "Envoyée à l'UD" in html
    assert "42,50 h / 100 h" in html and "0 h / 300 h" in html  # hours used / authorised
    assert "non vérifié" not in html and "Incomplète" in html
    assert "H AUTRE CLIENT" not in html
    assert "Exporter (CSV)" in html and "Rechercher un Siret ou un nom" in html


def test_the_counts_of_the_home_link_to_the_filtered_list(portfolio_client):
    html = portfolio_client.get("/espace/").content.decode()

    assert "Mon portefeuille" in html and "7 établissements, dont" in html
    for key, count in {"di": 1, "dap": 2, "fiche": 1, "habilitation": 1}.items():
        assert f'id="portefeuille-{key}">{count}<' in html
        assert f'href="/espace/etablissements/?filtre={key}"' in html


def test_the_home_has_no_portfolio_box_for_a_single_establishment(client, user):
    holding(user)
    client.force_login(user)

    assert "Mon portefeuille" not in client.get("/espace/").content.decode()


def test_the_counts_of_2000_are_written_the_french_way(user):
    from espace.views import _establishments_heading

    assert _establishments_heading(2000) == "2 000 établissements"
    assert _establishments_heading(1) == "1 établissement"
    assert _establishments_heading(0) == "Aucun établissement"


def test_search_by_siret_or_name(portfolio_client):
    assert names(portfolio_client.get(URL, {"q": "732 829 320"})) == ["A DI DUE"]
    assert names(portfolio_client.get(URL, {"q": "dap"})) == ["C DAP ENVOYEE", "D DAP COMPLEMENT"]
    assert names(portfolio_client.get(URL, {"q": "dap", "filtre": "dap", "tri": "siret"})) == sorted(
        ["C DAP ENVOYEE", "D DAP COMPLEMENT"],
        key=lambda name: portfolio_client.cases["envoyee" if "ENVOYEE" in name else "complement"].siret,
    )
    assert names(portfolio_client.get(URL, {"q": "autre client"})) == []


@pytest.mark.parametrize("tri", ["nom", "siret", "fin_habilitation", "di"])
def test_each_sort(portfolio_client, tri):
    rows = list(portfolio_client.get(URL, {"tri": tri}).context["page"].object_list)
    keys = {
        "nom": lambda row: (row.denomination, row.siret),
        "siret": lambda row: row.siret,
        "fin_habilitation": lambda row: (row.habilitation_fin, row.denomination),
        "di": lambda row: (-row.di_a_deposer, row.denomination),
    }

    assert rows == sorted(rows, key=keys[tri])
    if tri == "di":
        assert rows[0].denomination == "A DI DUE"
    if tri == "fin_habilitation":
        assert [row.denomination for row in rows[:2]] == ["F FIN DANS 30", "G FIN DANS 31"]


def test_the_csv_export_is_the_filtered_and_sorted_view(portfolio_client):
    params = {"filtre": "dap", "tri": "siret"}
    page = names(portfolio_client.get(URL, params))
    response = portfolio_client.get(reverse("espace:establishments_export"), params)
    content = b"".join(response.streaming_content).decode("utf-8")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="etablissements-' in response["Content-Disposition"]
    assert content.startswith("\ufeffSiret;Dénomination;")
    header, *rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert "DI à déposer" in header and "Fin d'habilitation" in header
    assert [row[1] for row in rows] == page == sorted(page, key=lambda n: rows[[r[1] for r in rows].index(n)][0])
    assert [row[header.index("DAP en attente")].startswith("DAP-TEST-") for row in rows] == [True, True]


def test_the_csv_export_of_everything_names_the_months_to_file(portfolio_client):
    response = portfolio_client.get(reverse("espace:establishments_export"), {"filtre": "di"})
    content = b"".join(response.streaming_content).decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))

    last_month = mois_precedent(timezone.localdate().replace(day=1))
    [row] = rows
    assert row[0] == "73282932000074"
    assert row[header.index("DI à déposer")] == "1"
    assert row[header.index("Mois à déposer")] == last_month.strftime("%m/%Y")
    assert row[header.index("Heures autorisées")] == "300,00"


def test_only_ones_own_establishments_are_counted(portfolio_client, user):
    assert portfolio_counts(user=user) == {"total": 7, "di": 1, "dap": 2, "fiche": 1, "habilitation": 1}
    other = portfolio_client.cases["due"]
    assert portfolio_client.get(reverse("espace:establishment", args=[other.siret])).status_code == 200
    response = portfolio_client.get(reverse("espace:establishments_export"))
    assert "AUTRE CLIENT" not in b"".join(response.streaming_content).decode()


def test_an_expired_habilitation_leaves_the_portfolio(client, user):
    establishment = EstablishmentFactory()
    HabilitationFactory(user=user, establishment=establishment, expired=True)
    client.force_login(user)

    assert names(client.get(URL)) == []


# --- A constant number of queries -----------------------------------------------------------------------------


def _fill(user, count: int, start: int):
    today = timezone.localdate()
    last_month = mois_precedent(today.replace(day=1))
    for number in range(start, start + count):
        establishment = holding(user, denomination=f"CLIENT {number:03d}")
        if number % 2:
            authorised = decision(establishment, user, last_month, today)
            if number % 4 == 1:
                di(authorised, last_month, statut=StatutDi.ENVOYEE, heures=Decimal("10"))
        else:
            make_demande(establishment, user, statut=StatutDap.ENVOYEE, debut=today, fin=today)


@pytest.mark.parametrize("params", [{}, {"filtre": "di"}, {"filtre": "dap", "tri": "di"}, {"q": "client"}])
def test_the_page_costs_the_same_queries_for_5_or_50_establishments(client, user, params):
    client.force_login(user)
    _fill(user, 5, 0)
    client.get(URL, params)  # the session's first queries
    with CaptureQueriesContext(connection) as five:
        assert client.get(URL, params).status_code == 200
    _fill(user, 45, 5)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(URL, params)

    assert len(response.context["page"].object_list) > 5
    assert len(fifty) == len(five)
    with CaptureQueriesContext(connection) as export:
        b"".join(client.get(reverse("espace:establishments_export"), params).streaming_content)
    assert len(export) <= len(five)
