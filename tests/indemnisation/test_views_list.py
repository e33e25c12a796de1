"""« Mes Demandes d'Indemnisation »: the user's DIs across their establishments, the filters, the pages, and the CSV
export with the same filters (semicolons, UTF-8 with a BOM, comma decimals)."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from indemnisation.checks import ajouter_mois
from indemnisation.enums import Statut
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory
from tests.indemnisation.helpers import last_month, make_decision, make_di, make_employer, row, this_month

pytestmark = pytest.mark.django_db

LIST = reverse("indemnisation:list")
EXPORT = reverse("indemnisation:export_csv")


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def other_employer(**establishment_fields):
    """Someone else's establishment (make_employer's e-mail address is taken)."""
    establishment = EstablishmentFactory(complete=True, code_postal="75012", **establishment_fields)
    user = UserFactory()
    HabilitationFactory(user=user, establishment=establishment)
    return establishment, user


@pytest.fixture
def two_establishments():
    """A user holding two establishments, a DI on each, and someone else's DI."""
    first, user = make_employer(denomination="ATELIERS MENUCA")
    second = EstablishmentFactory(complete=True, denomination="BOULANGERIE DU CANAL", code_postal="75010")
    HabilitationFactory(user=user, establishment=second)
    sent = make_di(make_decision(first, user), user, rows=[row(0), row(1, heures_chomees="10,5")], send=True)
    draft = make_di(make_decision(second, user), user, mois=this_month())
    other_establishment, other_user = other_employer(denomination="SOCIETE ETRANGERE")
    foreign = make_di(make_decision(other_establishment, other_user), other_user)
    return {"user": user, "first": first, "second": second, "sent": sent, "draft": draft, "foreign": foreign}


def test_the_list_shows_the_dis_of_all_the_users_establishments_and_no_one_elses(client, two_establishments):
    data = two_establishments
    client.force_login(data["user"])

    html = client.get(LIST).content.decode()

    assert '<h1 class="fr-h3">Mes Demandes d\'Indemnisation</h1>' in html
    assert data["sent"].numero in html and data["draft"].numero in html
    assert data["foreign"].numero not in html and "SOCIETE ETRANGERE" not in html
    assert data["first"].siret in html and "BOULANGERIE DU CANAL" in html
    assert data["sent"].decision.numero in html
    assert "2 demandes d'indemnisation" in html
    assert reverse("indemnisation:new") in html and "Nouvelle demande d" in html
    assert f'href="{reverse("indemnisation:detail", args=[data["sent"].numero])}"' in html


def test_the_list_shows_hours_allocation_status_and_date_of_sending(client, two_establishments):
    sent = two_establishments["sent"]
    client.force_login(two_establishments["user"])

    html = client.get(LIST).content.decode()

    assert "30,50 h" in html  # 20 + 10,5
    allocation = f"{sent.total_allocation:.2f}".replace(".", ",")
    assert f"{allocation} €" in html
    assert "Envoyée" in html and "Provisoire" in html
    assert timezone.localtime(sent.sent_at).strftime("%d/%m/%Y") in html


@pytest.mark.parametrize(
    "filtre, shown, hidden",
    [
        ({"statut": Statut.ENVOYEE}, "sent", "draft"),
        ({"statut": Statut.PROVISOIRE}, "draft", "sent"),
        ({"mois": "__last__"}, "sent", "draft"),
        ({"mois": "__this__"}, "draft", "sent"),
        ({"etablissement": "__second__"}, "draft", "sent"),
    ],
)
def test_the_filters_select_by_establishment_status_and_month(client, two_establishments, filtre, shown, hidden):
    data = two_establishments
    values = {"__last__": last_month().strftime("%Y-%m"), "__this__": this_month().strftime("%m/%Y"),
              "__second__": data["second"].siret}  # fmt: skip
    params = {key: values.get(value, value) for key, value in filtre.items()}
    client.force_login(data["user"])

    html = client.get(LIST, params).content.decode()

    assert data[shown].numero in html and data[hidden].numero not in html
    # The export link carries the same filters.
    assert f"{EXPORT}?" in html and list(params)[0] in html.split(f"{EXPORT}?")[1].split('"')[0]


def test_the_filters_are_labelled_and_an_unreadable_month_is_said_next_to_it(client, two_establishments):
    client.force_login(two_establishments["user"])

    html = client.get(LIST, {"mois": "mars"}).content.decode()

    for label in ("Établissement", "Statut", "Mois"):
        assert f">{label}" in html
    assert 'for="id_mois"' in html and 'id="id_mois"' in html
    assert "Saisissez un mois valide" in html and 'aria-invalid="true"' in html


def test_an_establishment_the_user_does_not_hold_filters_to_nothing(client, two_establishments):
    data = two_establishments
    client.force_login(data["user"])

    html = client.get(LIST, {"etablissement": data["foreign"].establishment.siret}).content.decode()

    assert data["foreign"].numero not in html and data["sent"].numero not in html
    assert "Aucune demande d'indemnisation pour ces critères" in html


def test_the_list_is_paginated_by_twenty(client):
    establishment, user = make_employer()
    decision = make_decision(establishment, user, debut=ajouter_mois(this_month(), -22))
    numeros = [make_di(decision, user, mois=ajouter_mois(this_month(), -months)).numero for months in range(22)]
    client.force_login(user)

    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()

    assert "22 demandes" in first and "Page 1 sur 2" in first and "Page suivante" in first
    assert numeros[0] in first and numeros[19] in first and numeros[20] not in first
    assert numeros[20] in second and numeros[21] in second and numeros[0] not in second
    filtered = client.get(LIST, {"statut": Statut.PROVISOIRE}).content.decode()
    assert "?statut=provisoire&amp;page=2" in filtered


def test_the_list_asks_to_log_in(client):
    response = client.get(LIST)

    assert response.status_code == 302 and "next=" in response.url


def test_the_csv_export_has_french_headers_and_comma_decimals(client, two_establishments):
    data = two_establishments
    sent = data["sent"]
    client.force_login(data["user"])

    response = client.get(EXPORT)

    rows = csv_rows(response)
    assert response["Content-Disposition"].startswith('attachment; filename="demandes-indemnisation-')
    assert rows[0] == [
        "N° de DI", "Siret", "Établissement", "N° de décision", "Mois", "Dispositif", "Statut", "Salariés",
        "Heures chômées", "Indemnité versée aux salariés", "Allocation demandée", "Reste à charge", "Date d'envoi",
        "Date de validation", "Date de paiement",
    ]  # fmt: skip
    assert len(rows) == 3 and {line[0] for line in rows[1:]} == {sent.numero, data["draft"].numero}
    line = next(line for line in rows if line[0] == sent.numero)
    cents = lambda value: f"{value:.2f}".replace(".", ",")  # noqa: E731
    assert line == [
        sent.numero,
        data["first"].siret,
        "ATELIERS MENUCA",
        sent.decision.numero,
        last_month().strftime("%m/%Y"),
        "Droit commun",
        "Envoyée",
        "2",
        "30,50",
        cents(sent.total_indemnite),
        cents(sent.total_allocation),
        cents(sent.total_reste_a_charge),
        timezone.localtime(sent.sent_at).strftime("%d/%m/%Y"),
        "",
        "",
    ]
    assert "," in line[10] and "." not in line[10]


def test_the_csv_export_keeps_the_filters_and_never_someone_elses(client, two_establishments):
    data = two_establishments
    client.force_login(data["user"])

    filtered = csv_rows(client.get(EXPORT, {"statut": Statut.PROVISOIRE}))
    foreign = csv_rows(client.get(EXPORT, {"etablissement": data["foreign"].establishment.siret}))

    assert [line[0] for line in filtered[1:]] == [data["draft"].numero]
    assert foreign[1:] == []


def test_the_csv_export_streams_thousands_of_rows_in_few_queries(client, django_assert_max_num_queries):
    from indemnisation.models import DemandeIndemnisation

    establishment, user = make_employer()
    make_di(make_decision(establishment, user), user)
    rows = []
    decisions = [make_decision(establishment, user) for _ in range(3)]
    for index in range(3000):
        rows.append(
            DemandeIndemnisation(
                numero=f"DI-TEST-{index:05d}",
                decision=decisions[index // 1000],
                establishment=establishment,
                mois=ajouter_mois(this_month(), -(index % 1000) - 1),
                created_by=user,
            )
        )
    DemandeIndemnisation.objects.bulk_create(rows, batch_size=1000)
    client.force_login(user)

    with django_assert_max_num_queries(12):
        lines = csv_rows(client.get(EXPORT))

    assert len(lines) == 1 + 3001


def test_the_home_card_leads_to_the_list_and_the_new_di(client, two_establishments):
    client.force_login(two_establishments["user"])

    html = client.get(reverse("espace:home")).content.decode()
    card = html[html.index('id="mes-di"') :]

    assert f'href="{LIST}"' in card and f'href="{reverse("indemnisation:new")}"' in card
    assert "Bientôt disponible" not in card
    assert client.get(LIST).status_code == 200
