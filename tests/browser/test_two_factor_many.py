"""The double authentification asked of an account holding more than 50 establishments, in a real browser: the
enrolment page during and after the grace period passes axe-core and fits 320 px; « Plus tard » leads to the space."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.test_accessibility import _audit
from tests.factories import HabilitationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-2026;"
ENROL = "/espace/mon-compte/double-authentification/activer/"


def log_in(page, live_server, user):
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill(user.identifiant)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()


def test_the_enrolment_asked_of_a_holder_of_51_establishments(live_server, page, axe):
    user = UserFactory(identifiant="cabinet.lambert", password=PASSWORD)
    HabilitationFactory.create_batch(51, user=user)

    log_in(page, live_server, user)

    assert page.url == live_server.url + ENROL
    expect(page.get_by_text("Il vous reste 7 jours pour activer la double authentification")).to_be_visible()
    assert _audit(page, live_server.url, [ENROL], axe) == {}
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        page.get_by_role("button", name="Plus tard").click()
    assert page.url == live_server.url + "/espace/"
    expect(page.get_by_text("Il vous reste 7 jours pour activer la double authentification")).to_be_visible()

    page.get_by_role("button", name="DECONNEXION").first.click()
    page.wait_for_load_state()
    User.objects.filter(pk=user.pk).update(two_factor_grace_started_at=timezone.now() - datetime.timedelta(days=8))
    log_in(page, live_server, user)

    assert page.url == live_server.url + ENROL
    expect(page.get_by_text("Le délai pour activer la double authentification est écoulé")).to_be_visible()
    expect(page.get_by_role("button", name="Plus tard")).to_have_count(0)
    assert _audit(page, live_server.url, [ENROL], axe) == {}
