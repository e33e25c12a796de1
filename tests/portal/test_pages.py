"""The public shell: the home page and its banner, the legal pages, error pages, security headers, /sante/."""

import datetime
import html as html_module
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Announcement

pytestmark = pytest.mark.django_db


def test_home_page_has_every_element_of_the_seeds_home_screen(client):
    response = client.get("/")

    assert response.status_code == 200
    html = html_module.unescape(response.content.decode())
    for text in [
        "Ma première connexion",
        "Pour accéder à vos services en ligne, vous devez d'abord créer un espace pour l'entreprise que vous",
        "munissez-vous au préalable de votre SIRET avant de commencer la procédure.",
        "CRÉER MON ESPACE",
        "<strong>EXPERT-COMPTABLE</strong> et vous représentez un établissement ?",
        "CONTRAT DE PRESTATION",
        "Mon espace personnel",
        "Ne pas saisir d'adresse de messagerie",
        "Annuler",
        "Connexion",
        "J'ai oublié mon identifiant",
        "J'ai oublié mon mot de passe",
        "Simulation de l'indemnisation de l'employeur en cas d'activité partielle",
        "BESOIN D'AIDE ?",
        "Consultez notre base de connaissances ou contactez le support technique.",
        "Mentions légales",
        "Conditions générales d'utilisation",
        "Contacter le support technique",
    ]:
        assert text in html, text


def test_home_login_form_has_labelled_inputs_posting_to_connexion(client):
    html = client.get("/").content.decode()

    assert 'action="/connexion/"' in html
    assert '<label class="fr-label" for="id_username">Identifiant* :</label>' in html
    assert (
        '<p class="fr-hint-text fr-mb-1w" id="id_username-hint">Ne pas saisir d&#x27;adresse de messagerie</p>' in html
    )
    assert 'aria-describedby="id_username-hint"' in html
    assert '<label class="fr-label" for="id_password">Mot de passe* :</label>' in html
    assert 'type="password" name="password"' in html and 'id="id_password"' in html
    # The notice of the required fields comes before them.
    assert html.index("Les champs marqués d'un * sont obligatoires.") < html.index('id="id_username"')
    assert 'type="reset"' in html  # Annuler clears the form
    assert "csrfmiddlewaretoken" in html


def test_home_shows_the_published_information_banner_and_hides_the_others(client):
    now = timezone.now()
    Announcement.objects.create(body="Un incident technique s'est produit sur l'extranet activité partielle hier.")
    Announcement.objects.create(body="Bandeau dépublié", is_active=False)
    Announcement.objects.create(body="Bandeau à venir", starts_at=now + datetime.timedelta(days=1))
    Announcement.objects.create(
        body="Bandeau terminé", starts_at=now - datetime.timedelta(days=2), ends_at=now - datetime.timedelta(days=1)
    )

    html = client.get("/").content.decode()

    assert "Un incident technique s&#x27;est produit sur l&#x27;extranet activité partielle hier." in html
    assert "Information" in html
    for hidden in ["Bandeau dépublié", "Bandeau à venir", "Bandeau terminé"]:
        assert hidden not in html


@pytest.mark.parametrize(
    ("url", "heading", "content"),
    [
        ("/mentions-legales/", "Mentions légales", "Données personnelles"),
        ("/conditions-generales-d-utilisation/", "Conditions générales d'utilisation", "Habilitations"),
        ("/contrat-de-prestation/", "Contrat de prestation", "EXPERT-COMPTABLE"),
    ],
)
def test_legal_pages_have_real_content(client, url, heading, content):
    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert content.lower() in html.lower()
    assert len(html) > 4000


def test_every_link_of_the_home_page_leads_to_a_page(client):
    html = client.get("/").content.decode()

    links = set(re.findall(r'href="(/[^"#]*)"', html)) - {"/"}
    links = {link for link in links if not link.startswith("/static/")}
    assert {"/creer-mon-espace/", "/contrat-de-prestation/", "/identifiant-oublie/", "/mot-de-passe-oublie/"} <= links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_a_refused_login_comes_back_to_the_home_page_with_its_message(client):
    response = client.post(reverse("espace:login"), {"username": "gerard.menuca", "password": "x"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Identifiant ou mot de passe incorrect." in html
    assert "Ma première connexion" in html
    assert 'value="gerard.menuca"' in html


def test_unknown_page_is_a_french_404_page(client, settings):
    settings.DEBUG = False

    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert "Retourner à l'accueil" in html


def test_server_error_page_is_french(client, settings):
    from apart.errors import server_error

    response = server_error(None)

    assert response.status_code == 500
    assert "Erreur inattendue" in response.content.decode()
    assert settings.SUPPORT_EMAIL in response.content.decode()


def test_pages_send_a_content_security_policy_without_inline_script(client):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()


def test_health_check_reports_the_database(client):
    response = client.get("/sante/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"].startswith("non configuré")


def test_health_check_reports_an_unreachable_broker(client, settings):
    from apart.celery import app

    previous = app.conf.broker_url  # read first: Celery loads its configuration from the settings lazily
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/sante/")
    finally:
        app.conf.broker_url = previous

    assert response.status_code == 503
    assert response.json()["broker"].startswith("erreur")


def test_favicon_is_the_dsfr_marianne(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response.url.endswith("/dsfr/dist/favicon/favicon.ico")


def test_anonymous_pages_have_the_dsfr_header_with_its_mobile_menu(client):
    html = html_module.unescape(client.get("/").content.decode())

    # Without these three the DSFR script throws (HeaderLinks.init) and the mobile menu has no tools.
    assert 'class="fr-header__tools-links"' in html
    assert 'aria-controls="menu-modal"' in html and 'id="menu-modal"' in html
    assert 'class="fr-header__menu-links"' in html
    assert html.count("BESOIN D'AIDE ?") == 2  # the header's link and the home page's tile, once each
    assert "DECONNEXION" not in html


def test_a_logged_in_user_has_the_space_menu_and_the_account_buttons_in_the_header(client):
    from tests.factories import HabilitationFactory

    habilitation = HabilitationFactory(user__identifiant="gerard.menuca")
    client.force_login(habilitation.user)

    html = html_module.unescape(client.get("/espace/").content.decode())

    header = html[html.index('<header role="banner"') : html.index("</header>")]
    for text in [
        "BONJOUR,",
        "gerard.menuca",
        "DEMANDE CRÉATION DE COMPTE",
        "Mon compte",
        "BESOIN D'AIDE ?",
        "DECONNEXION",
    ]:
        assert text in header, text
    assert 'aria-label="Menu de mon espace"' in header
    assert html.count("BESOIN D'AIDE ?") == 1


def test_every_dsfr_icon_a_template_uses_has_its_rule():
    """The pages load the DSFR without its 1 000-icon utility stylesheet: static/css/icons.css has the icons used."""
    from pathlib import Path

    from django.contrib.staticfiles import finders

    root = Path(__file__).resolve().parents[2]
    used = {
        icon
        for template in (root / "templates").rglob("*.html")
        for icon in re.findall(r"\bfr-icon-[a-z0-9-]+", template.read_text())
    }
    icons_css = (root / "static" / "css" / "icons.css").read_text()

    assert used
    for icon in sorted(used):
        assert f".{icon}::before" in icons_css, icon
    for path in re.findall(r'url\("\.\./(dsfr/dist/icons/[^"]+)"\)', icons_css):
        assert finders.find(path), path
