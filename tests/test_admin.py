"""The Django admin is the ASP staff's desk: in French, every model registered, searchable."""

import re

import pytest
from django.urls import reverse

from accounts.services import user_create
from apart.outbox.models import OutboxEmail
from habilitations.services import establishment_create, habilitation_grant
from portal.models import Announcement
from referentiels.models import CodePostalCommune, SireneEtablissement, SireneUniteLegale
from tests.factories import AccountRequestFactory, TicketFactory, two_factor_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = user_create(
        identifiant="agent.asp", courriel="agent@asp.example", nom="ASP", prenom="Agent", is_superuser=True
    )
    two_factor_login(client, staff)
    return client


@pytest.fixture
def employer():
    user = user_create(identifiant="gerard.menuca", courriel="gerard@example.fr", nom="Menuça", prenom="Gérard")
    establishment = establishment_create(
        siret="73282932000074",
        denomination="BOULANGERIE DU CANAL",
        libelle_voie="X",
        code_postal="75011",
        ville="Paris",
    )
    habilitation_grant(user=user, establishment=establishment)
    return user


MODELS = [
    "accounts/user",
    "habilitations/extranet",
    "habilitations/establishment",
    "habilitations/habilitation",
    "habilitations/accountrequest",
    "referentiels/sireneetablissement",
    "referentiels/sireneunitelegale",
    "referentiels/codepostalcommune",
    "portal/announcement",
    "support/ticket",
    "support/article",
    "audit/staffaction",
    "outbox/outboxemail",
]

# Models that changed app: their old admin pages lead to the new ones.
MOVED = {
    "habilitations/sireneetablissement": "referentiels/sireneetablissement",
    "habilitations/sireneunitelegale": "referentiels/sireneunitelegale",
    "habilitations/codepostalcommune": "referentiels/codepostalcommune",
    "support/announcement": "portal/announcement",
    "support/staffaction": "audit/staffaction",
}


def test_admin_login_page_is_in_french(client):
    html = client.get("/admin/login/").content.decode()

    assert "Nom d’utilisateur" in html or "Identifiant" in html
    assert "Mot de passe" in html
    assert "Activité Partielle — administration ASP" in html


def test_the_page_to_add_a_user_is_in_correct_french(staff_client):
    """Django's French catalogue says « vous pourrez modifiez davantage de ses options »."""
    html = staff_client.get(reverse("admin:accounts_user_add")).content.decode()

    assert "Après avoir créé le compte, vous pourrez modifier davantage de ses options." in html
    assert "modifiez davantage" not in html


def test_a_request_received_seconds_ago_waits_for_less_than_a_minute_not_0_minute(staff_client):
    """Django's timesince says « 0 minute » under a minute: « il y a 0 minute », « attend depuis 0 minute »."""
    AccountRequestFactory(sirene_unavailable=True)
    TicketFactory()

    pages = [
        staff_client.get(reverse(name)).content.decode()
        for name in ("admin:index", "admin:habilitations_accountrequest_changelist", "admin:support_ticket_changelist")
    ]

    assert [bool(re.search(r"(?<![0-9])0 minute", page)) for page in pages] == [False, False, False]
    assert "moins d&#x27;une minute" in pages[0]
    assert "il y a moins d&#x27;une minute" in pages[1]
    assert "moins d&#x27;une minute" in pages[2]


def test_every_model_is_registered(staff_client, employer):
    index = staff_client.get("/admin/").content.decode()

    for model in MODELS:
        assert f"/admin/{model}/" in index, model
        assert staff_client.get(f"/admin/{model}/").status_code == 200, model


@pytest.mark.parametrize(("old", "new"), MOVED.items())
def test_the_old_admin_pages_of_moved_models_redirect(staff_client, old, new):
    response = staff_client.get(f"/admin/{old}/", {"q": "75011"})

    assert response.status_code == 301
    assert response.url == f"/admin/{new}/?q=75011"
    assert staff_client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    ("model", "search"),
    [
        ("accounts/user", "73282932000074"),
        ("accounts/user", "gerard@example.fr"),
        ("accounts/user", "gerard.menuca"),
        ("habilitations/establishment", "73282932000074"),
        ("habilitations/habilitation", "73282932000074"),
        ("habilitations/habilitation", "gerard.menuca"),
    ],
)
def test_staff_find_by_siret_identifiant_or_courriel(staff_client, employer, model, search):
    response = staff_client.get(f"/admin/{model}/", {"q": search})

    assert response.context["cl"].result_count == 1
    html = response.content.decode()
    assert "gerard.menuca" in html or "BOULANGERIE DU CANAL" in html


def test_sirene_tables_are_searched_by_exact_siret(staff_client):
    SireneUniteLegale.objects.create(siren="732829320", denomination="BOULANGERIE DU CANAL")
    SireneEtablissement.objects.create(siret="73282932000074", siren="732829320", denomination="BOULANGERIE DU CANAL")
    CodePostalCommune.objects.create(
        code_postal="75011", code_commune="75111", nom_commune="Paris 11e Arrondissement", libelle_acheminement="PARIS"
    )

    assert (
        "BOULANGERIE DU CANAL"
        in staff_client.get("/admin/referentiels/sireneetablissement/", {"q": "73282932000074"}).content.decode()
    )
    assert "Paris 11e" in staff_client.get("/admin/referentiels/codepostalcommune/", {"q": "75011"}).content.decode()


def test_staff_edit_the_information_banner(staff_client, client):
    response = staff_client.post(
        reverse("admin:portal_announcement_add"),
        {"title": "Information", "body": "Maintenance ce soir de 20 h à 22 h.", "is_active": "on"},
    )

    assert response.status_code == 302
    assert Announcement.objects.get().body == "Maintenance ce soir de 20 h à 22 h."
    assert "Maintenance ce soir de 20 h à 22 h." in client.get("/").content.decode()


def test_outbox_rows_are_read_only_in_the_admin(staff_client):
    email = OutboxEmail.objects.create(
        kind="t", to="a@example.fr", from_email="x@example.fr", subject="s", body_text="b"
    )

    assert staff_client.get(reverse("admin:outbox_outboxemail_add")).status_code == 403
    html = staff_client.get(reverse("admin:outbox_outboxemail_change", args=[email.pk])).content.decode()
    assert 'name="subject"' not in html


def test_the_admin_never_shows_the_secret_answer_hash(staff_client, employer):
    employer.set_secret_answer("Rex")
    employer.save()

    html = staff_client.get(reverse("admin:accounts_user_change", args=[employer.pk])).content.decode()

    assert employer.secret_answer_hash not in html
    assert "réponse secrète enregistrée" in html.lower()


def test_the_admin_home_is_a_dashboard_of_what_waits(staff_client, settings):
    import datetime

    import time_machine
    from axes.models import AccessAttempt
    from django.utils import timezone

    from tests.factories import AccountRequestFactory, OutboxEmailFactory, TicketFactory

    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        AccountRequestFactory(sirene_unavailable=True)  # waits for an agent, for three days now
    AccountRequestFactory(sirene_unavailable=True)
    TicketFactory()
    OutboxEmailFactory(failed=True)
    AccessAttempt.objects.create(
        username="gerard.menuca",
        ip_address="203.0.113.7",
        user_agent="",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )

    html = staff_client.get("/admin/").content.decode()

    dashboard = html[html.index('id="tableau-de-bord"') : html.index('id="content-main"')]
    for text in [
        "Demandes de création de compte",
        "En attente d&#x27;un agent</dt>",
        "La plus ancienne attend depuis</dt>",
        "Demandes d&#x27;assistance",
        "Courriels",
        "En échec définitif",
        "Couples identifiant et adresse IP bloqués",
    ]:
        assert text in dashboard, text
    assert '<a href="/admin/habilitations/accountrequest/?status__exact=pending">2</a>' in dashboard
    assert "3\xa0jours" in dashboard  # the oldest request's age
    assert (
        'apart-dashboard__figure--alert">\n          <dt>En attente depuis plus de 48 h</dt>\n'
        '          <dd><a href="/admin/habilitations/accountrequest/?status__exact=pending&amp;anciennete=plus48h">1</a>'
        in dashboard
    )
    assert '<a href="/admin/support/ticket/?a_traiter=ouvertes">1</a>' in dashboard
    assert '<a href="/admin/outbox/outboxemail/?status__exact=failed">1</a>' in dashboard
    assert '<a href="/admin/axes/accessattempt/">1</a>' in dashboard


def test_the_dashboard_shows_a_staff_member_only_what_they_may_see(client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    agent = UserFactory(is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    two_factor_login(client, agent)

    html = client.get("/admin/").content.decode()

    assert "Demandes d&#x27;assistance" in html
    assert "Demandes de création de compte" not in html and "En échec définitif" not in html


def test_the_two_factor_devices_are_in_french_and_their_key_is_never_shown(staff_client, employer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=employer, name="Application d'authentification", confirmed=True)
    index = staff_client.get("/admin/").content.decode()
    assert "Appareils de double authentification" in index and "TOTP devices" not in index

    listing = staff_client.get("/admin/accounts/twofactordevice/").content.decode()
    change = staff_client.get(f"/admin/accounts/twofactordevice/{device.pk}/change/").content.decode()

    for text in ("Utilisateur", "Activé", "Dernière utilisation", "gerard.menuca"):
        assert text in listing, text
    for text in ("Appareil", "Codes refusés à la suite", "Nombre de chiffres", "Supprimer"):
        assert text in change, text
    for page in (listing, change):
        for english in ("TOTP device", "Identity", "Throttling", "Timestamps", "Last used", "Created at"):
            assert english not in page, english
        assert device.key not in page
    # Nobody adds a device here (the user activates it from his space), nor edits one.
    assert staff_client.get("/admin/accounts/twofactordevice/add/").status_code == 403
    # django-otp's English page leads to this one.
    old = staff_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert (old.status_code, old.url) == (301, f"/admin/accounts/twofactordevice/{device.pk}/change/")
