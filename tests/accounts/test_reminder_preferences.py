"""Mon compte > Rappels par courriel: the two reminders the user may turn off, the digest explained."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:my_account")
FORM = reverse("accounts:reminder_preferences")


@pytest.fixture
def employer_client(client):
    user = UserFactory()
    HabilitationFactory(user=user)
    client.force_login(user)
    client.user = user
    return client


def test_both_reminders_are_on_by_default_with_their_labels_tied_to_their_boxes(employer_client):
    html = employer_client.get(PAGE).content.decode()
    assert 'id="rappels">Rappels par courriel</h2>' in html
    assert f'action="{FORM}"' in html
    for name, label in (
        ("remind_habilitation_end", "Fin d&#x27;habilitation (30 et 7 jours avant)"),
        ("remind_di_to_file", "Demandes d&#x27;indemnisation à déposer (15 jours avant la date limite)"),
    ):
        assert f'name="rappels-{name}" aria-describedby="id_rappels-{name}-hint" id="id_rappels-{name}" checked' in html
        assert f'<label class="fr-label" for="id_rappels-{name}">{label}' in html
    assert "Recevoir un récapitulatif quotidien</strong> : automatique si vous êtes habilité sur plus de 10" in html


def test_unticking_a_box_turns_the_reminder_off_and_ticking_it_turns_it_on_again(employer_client):
    response = employer_client.post(FORM, {"rappels-remind_di_to_file": "on"}, follow=True)
    assert response.redirect_chain == [(f"{PAGE}#rappels", 302)]
    assert "Vos préférences de rappels par courriel ont été enregistrées." in response.content.decode()
    user = employer_client.user
    user.refresh_from_db()
    assert (user.remind_habilitation_end, user.remind_di_to_file) == (False, True)
    html = response.content.decode()
    assert 'id="id_rappels-remind_habilitation_end">' in html  # unticked
    assert 'id="id_rappels-remind_di_to_file" checked' in html

    employer_client.post(FORM, {"rappels-remind_habilitation_end": "on"})
    user.refresh_from_db()
    assert (user.remind_habilitation_end, user.remind_di_to_file) == (True, False)


def test_the_form_is_posted_only_and_only_by_a_logged_in_user(employer_client):
    assert employer_client.get(FORM).status_code == 405
    response = Client().post(FORM, {})
    assert response.status_code == 302 and "/espace/mon-compte/" not in response["Location"].split("?")[0]
    employer_client.user.refresh_from_db()
    assert employer_client.user.remind_habilitation_end is True
