"""The barème's data file, its copy in the database, and the admin where staff add a value (never edit one)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.roles import AGENT_ASP, STAFF_ROLES, SUPERVISEUR_ASP
from bareme.engine import Dispositif
from bareme.enums import DispositifChoix, NomValeur
from bareme.models import ValeurBareme
from bareme.selectors import bareme_du_mois, dispositifs_en_vigueur
from bareme.services import lire_fichier_bareme
from tests.factories import UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

LIGNES = lire_fichier_bareme()


def test_every_row_of_the_file_has_a_known_name_dispositif_and_a_source():
    cles = [(ligne["nom"], ligne["dispositif"], ligne["date_effet"]) for ligne in LIGNES]
    assert len(cles) == len(set(cles))
    for ligne in LIGNES:
        assert ligne["nom"] in NomValeur.values
        assert ligne["dispositif"] in DispositifChoix.values
        assert ligne["source_reference"].strip(), ligne
        assert not ligne["source_url"] or ligne["source_url"].startswith("https://"), ligne
        assert ligne["valeur"] >= 0


def test_the_database_holds_the_file_without_an_extra_step_and_loading_again_adds_nothing(capsys):
    assert ValeurBareme.objects.count() == len(LIGNES)
    assert ValeurBareme.objects.get(
        nom="plancher_allocation", dispositif="droit_commun", date_effet="2026-01-01"
    ).source_reference == ("Décret n° 2026-35 du 29 janvier 2026")

    call_command("load_bareme")

    assert "0 valeur(s) ajoutée(s)" in capsys.readouterr().out
    assert ValeurBareme.objects.count() == len(LIGNES)


def test_every_month_from_march_2020_has_a_complete_bareme_for_each_dispositif_in_force():
    mois = datetime.date(2020, 3, 1)
    while mois <= datetime.date(2027, 12, 1):
        dispositifs = dispositifs_en_vigueur(mois=mois)
        assert Dispositif.DROIT_COMMUN in dispositifs
        for dispositif in dispositifs:
            bareme = bareme_du_mois(mois=mois, dispositif=dispositif)
            assert bareme.taux_allocation <= bareme.taux_indemnite
            assert bareme.plancher_allocation <= bareme.plancher_indemnite
            assert all(valeur.source.reference for valeur in bareme.valeurs)
        mois = (mois + datetime.timedelta(days=32)).replace(day=1)


def test_roles_supervisors_add_values_agents_read_them():
    assert {"bareme.view_valeurbareme", "bareme.add_valeurbareme"} <= set(STAFF_ROLES[SUPERVISEUR_ASP])
    assert "bareme.view_valeurbareme" in STAFF_ROLES[AGENT_ASP]
    assert "bareme.add_valeurbareme" not in STAFF_ROLES[AGENT_ASP]
    assert not any(
        p in STAFF_ROLES[SUPERVISEUR_ASP] for p in ("bareme.change_valeurbareme", "bareme.delete_valeurbareme")
    )


# --- The admin ------------------------------------------------------------------------------------------------


@pytest.fixture
def superviseur_client(client):
    call_command("sync_staff_roles")
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True, identifiant="superviseur.asp")
    user.groups.add(Group.objects.get(name=SUPERVISEUR_ASP))
    two_factor_login(client, user)
    client.user = user
    return client


def test_the_admin_lists_the_values_with_their_sources(superviseur_client):
    response = superviseur_client.get(reverse("admin:bareme_valeurbareme_changelist") + "?nom=plancher_allocation")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Décret n° 2026-35 du 29 janvier 2026" in page
    assert "https://www.legifrance.gouv.fr/eli/decret/2026/1/29/2026-35/jo/texte" in page


def test_a_value_cannot_be_edited_nor_deleted_in_the_admin(superviseur_client):
    superuser_client = Client()
    two_factor_login(superuser_client, UserFactory(staff=True))
    valeur = ValeurBareme.objects.get(nom="smic_horaire", date_effet="2026-01-01")
    change_url = reverse("admin:bareme_valeurbareme_change", args=[valeur.pk])

    for client in (superviseur_client, superuser_client):  # not even a superuser
        page = client.get(change_url)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()  # read-only
        client.post(change_url, {"valeur": "99", "source_reference": "Faux"})
        assert client.get(reverse("admin:bareme_valeurbareme_delete", args=[valeur.pk])).status_code == 403

    valeur.refresh_from_db()
    assert valeur.valeur == Decimal("12.02")
    assert valeur.source_reference.startswith("Décret portant relèvement du SMIC au 1er janvier 2026")


def add_form(**champs):
    return {
        "nom": "smic_horaire",
        "dispositif": "",
        "date_effet": "2026-06-01",
        "valeur": "12.31",
        "source_reference": "Arrêté du 22 mai 2026 relatif au relèvement du salaire minimum de croissance",
        "source_url": "https://www.legifrance.gouv.fr/",
        "commentaire": "",
        **champs,
    }


def test_a_new_value_added_in_the_admin_is_used_for_the_months_from_its_date(superviseur_client):
    assert bareme_du_mois(mois=datetime.date(2026, 6, 1), dispositif="droit_commun").plafond_horaire == Decimal("54.09")

    response = superviseur_client.post(reverse("admin:bareme_valeurbareme_add"), add_form())

    assert response.status_code == 302, response.content.decode()
    ajoutee = ValeurBareme.objects.get(nom="smic_horaire", date_effet="2026-06-01")
    assert ajoutee.created_by == superviseur_client.user
    juin = bareme_du_mois(mois=datetime.date(2026, 6, 1), dispositif="droit_commun")
    assert juin.smic_horaire == Decimal("12.31")
    assert juin.plafond_horaire == Decimal("55.40")  # 4.5 × 12.31 = 55.395
    assert juin.en_vigueur_au == datetime.date(2026, 6, 1)
    assert "Arrêté du 22 mai 2026 relatif au relèvement du salaire minimum de croissance" in [
        source.reference for source in juin.sources
    ]
    assert bareme_du_mois(mois=datetime.date(2026, 5, 31), dispositif="droit_commun").smic_horaire == Decimal("12.02")


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        ({"source_reference": ""}, "source_reference", "Ce champ est obligatoire."),
        (
            {"nom": "taux_allocation", "dispositif": "droit_commun", "valeur": "36"},
            "valeur",
            "Un taux s'écrit en fraction : 0.60 pour 60 %.",
        ),
        ({"date_effet": "2026-01-01", "valeur": "12.50"}, None, "existe déjà"),
    ],
)
def test_the_add_form_refuses_a_value_without_its_source_or_out_of_range(superviseur_client, champs, champ, message):
    response = superviseur_client.post(reverse("admin:bareme_valeurbareme_add"), add_form(**champs))

    assert response.status_code == 200
    form = response.context["adminform"].form
    erreurs = form.errors.get(champ or "__all__", [])
    assert any(message in erreur for erreur in erreurs), form.errors
    assert ValeurBareme.objects.count() == len(LIGNES)


# --- Every test database, every process ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_bareme_back():
    """A transactional test empties every table after itself; the flush's post_migrate loads the barème again, so
    the next test (and `make run` after a migrate) has it without an extra step."""
    call_command("flush", interactive=False, verbosity=0)

    assert ValeurBareme.objects.count() == len(LIGNES)
    assert bareme_du_mois(mois=datetime.date(2026, 1, 1), dispositif="droit_commun").plancher_allocation == Decimal(
        "8.57"
    )


def test_another_process_adding_a_value_makes_every_process_reload(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from bareme.selectors import VERSION_KEY
    from bareme.services import valeur_bareme_ajouter

    assert bareme_du_mois(mois=datetime.date(2026, 7, 1), dispositif="apld").plancher_allocation == Decimal("9.52")
    # Written by "another process": no signal here, this process keeps its copy until the version changes.
    ValeurBareme.objects.bulk_create(
        [
            ValeurBareme(
                nom="plancher_allocation",
                dispositif="apld",
                date_effet="2026-07-01",
                valeur=Decimal("9.75"),
                source_reference="Décret de test",
            )
        ]
    )
    assert bareme_du_mois(mois=datetime.date(2026, 7, 1), dispositif="apld").plancher_allocation == Decimal("9.52")
    cache.set(VERSION_KEY, "version-de-l-autre-processus")
    assert bareme_du_mois(mois=datetime.date(2026, 7, 1), dispositif="apld").plancher_allocation == Decimal("9.75")

    # This process's own addition: the shared version changes once the row is committed.
    with django_capture_on_commit_callbacks(execute=True):
        valeur_bareme_ajouter(
            nom="plancher_allocation",
            dispositif="apld",
            date_effet=datetime.date(2026, 8, 1),
            valeur=Decimal("9.80"),
            source_reference="Décret de test n° 2",
            by=None,
        )
    assert cache.get(VERSION_KEY) != "version-de-l-autre-processus"
    assert bareme_du_mois(mois=datetime.date(2026, 8, 1), dispositif="apld").plancher_allocation == Decimal("9.80")
