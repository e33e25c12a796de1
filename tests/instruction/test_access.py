"""The UD agents' way in: /connexion/, the first connection's gates, the second factor, then /instruction/ (not the
employer's space); nobody else reaches /instruction/."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from instruction.services import agent_create
from tests.factories import HabilitationFactory, UserFactory, delivered_text, two_factor_login

pytestmark = pytest.mark.django_db

LOGIN = reverse("espace:login")
HOME = reverse("instruction:home")
NEW_PASSWORD = "Nouveau-UD-2026;"


def make_agent(departements=("75", "92"), **kwargs):
    return agent_create(
        identifiant="agent.ud75",
        courriel="agent.ud75@ddets.example",
        prenom="Inès",
        nom="Martin",
        departements=list(departements),
        **kwargs,
    ).agent


@pytest.fixture
def agent_client(client):
    agent = make_agent(password="Agent-UD-2026;")
    user = agent.user
    user.must_set_secret_question = False
    user.save()
    two_factor_login(client, user)
    return client


def test_a_new_agent_goes_through_the_first_connection_and_the_enrolment_then_lands_on_instruction():
    from apart.outbox.models import OutboxEmail

    agent = make_agent()  # as the admin creates one: a temporary password by e-mail
    text = delivered_text(OutboxEmail.objects.get(kind="agent_ud_compte"))
    temporary = text.split("mot de passe provisoire : [")[1].split("]")[0]
    client = Client()

    # 1. The temporary password leads to its change, then to the login again.
    response = client.post(LOGIN, {"username": "agent.ud75", "password": temporary})
    assert response.url == reverse("accounts:first_login_password")
    assert client.get(HOME).status_code == 302  # not before the gates (here the required enrolment)
    client.post(
        reverse("accounts:first_login_password"),
        {"old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # 2. No habilitation needed: the login leads to /instruction/, held by the gates of the first connection: the
    #    secret question (« mot de passe oublié » asks it), then the required double authentification.
    response = client.post(LOGIN, {"username": "agent.ud75", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == HOME
    enrol = reverse("accounts:two_factor_enrol")
    question_url = reverse("accounts:secret_question_change")
    assert client.get(HOME).url == enrol
    assert client.get(enrol).url == question_url
    chosen = client.post(
        question_url,
        {
            "secret_question": "Quelle est votre ville de naissance ?",
            "secret_answer": "Brest",
            "current_password": NEW_PASSWORD,
        },
    )
    assert chosen.status_code == 302
    assert client.get(HOME).url == enrol
    client.get(enrol)
    device = TOTPDevice.objects.get(user=agent.user, confirmed=False)
    codes_page = client.post(enrol, {"code": f"{totp(device.bin_key):06d}"}).content.decode()
    assert f'href="{HOME}"' in codes_page  # « Continuer » leads to the back office

    # 3. The back office.
    page = client.get(HOME)
    assert page.status_code == 200
    assert "Instruction des demandes" in page.content.decode()


def test_an_agent_with_a_device_gives_the_code_then_lands_on_instruction():
    agent = make_agent(password="Agent-UD-2026;")
    agent.user.must_set_secret_question = False
    agent.user.save()
    device = TOTPDevice.objects.create(user=agent.user, name="Téléphone", confirmed=True)
    client = Client()

    response = client.post(LOGIN, {"username": "agent.ud75", "password": "Agent-UD-2026;"})
    assert response.url == reverse("accounts:two_factor_verify")
    assert client.get(HOME).status_code == 302  # no session before the code

    response = client.post(reverse("accounts:two_factor_verify"), {"code": f"{totp(device.bin_key):06d}"})

    assert response.url == HOME
    assert client.get(HOME).status_code == 200


def test_a_verified_agent_still_on_a_temporary_password_is_led_to_its_change(client):
    agent = make_agent()
    two_factor_login(client, agent.user)

    response = client.get(HOME)

    assert response.status_code == 302 and response.url == reverse("accounts:first_login_password")


@pytest.mark.parametrize("path", ["/espace/", "/espace/etablissements/", "/espace/demande-creation-compte/"])
def test_an_agent_on_the_employers_space_is_sent_to_instruction(agent_client, path):
    response = agent_client.get(path)

    assert response.status_code == 302 and response.url == HOME


def test_an_agent_keeps_mon_compte(agent_client):
    response = agent_client.get(reverse("accounts:my_account"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "INSTRUCTION DES DEMANDES" in html and "DEMANDE CRÉATION DE COMPTE" not in html


def test_the_page_names_the_agent_and_its_departements_with_the_agents_menu(agent_client):
    response = agent_client.get(HOME)

    html = response.content.decode()
    assert "<h1>Instruction des demandes</h1>" in html
    assert "Inès Martin, agent d'unité départementale (DDETS)" in html
    assert "75 — Paris" in html and "92 — Hauts-de-Seine" in html and "des départements" in html
    assert "Aucune demande en attente dans vos départements." in html
    nav = re.search(r'<nav class="fr-nav".*?</nav>', html, re.S).group(0)
    assert 'aria-current="page">INSTRUCTION DES DEMANDES' in nav
    assert "ÉTABLISSEMENTS" not in nav and "DEMANDES D&#x27;INDEMNISATION" not in nav
    assert "DEMANDE CRÉATION DE COMPTE" not in html
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("habilitated", [True, False])
def test_an_employer_on_instruction_gets_a_404(client, habilitated):
    user = UserFactory()
    if habilitated:
        HabilitationFactory(user=user)
    two_factor_login(client, user)

    response = client.get(HOME)

    assert response.status_code == 404
    assert client.get(reverse("espace:home")).status_code == 200  # and the employer keeps the space


def test_asp_staff_on_instruction_get_a_404(staff_client):
    assert staff_client.get(HOME).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(HOME)

    assert response.status_code == 302 and response.url.startswith(reverse("portal:home"))
