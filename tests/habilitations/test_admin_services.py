"""The admin pages of habilitations, establishments and accounts write only through the services: no raw form or
inline creates, extends or ends a habilitation, edits a SIRET or changes a secret question; every change sends
its e-mail and writes its line in the journal."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.forms import EstablishmentFicheForm
from habilitations.models import Establishment, Habilitation, one_year_after
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory, load_communes, two_factor_login

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
HABILITATIONS = reverse("admin:habilitations_habilitation_changelist")
USERS = reverse("admin:accounts_user_changelist")


def subjects_to(address):
    return [email.subject for email in OutboxEmail.objects.filter(to=address).order_by("pk")]


def days(n):
    return TODAY() + datetime.timedelta(days=n)


# --- HabilitationAdmin: the add form --------------------------------------------------------------------------


def test_the_add_form_asks_for_the_user_the_establishment_and_the_start(staff_client):
    form = staff_client.get(reverse("admin:habilitations_habilitation_add")).context["adminform"].form

    assert list(form.fields) == ["user", "establishment", "valid_from"]
    assert form.initial["valid_from"] == TODAY()


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        (datetime.date(2027, 3, 18), datetime.date(2028, 3, 18)),
        (datetime.date(2028, 2, 29), datetime.date(2029, 2, 28)),
    ],
)
def test_the_add_form_creates_the_habilitation_through_the_service(staff_client, agent, valid_from, valid_until):
    user = UserFactory(courriel="claire@example.fr")
    establishment = EstablishmentFactory()

    response = staff_client.post(
        reverse("admin:habilitations_habilitation_add"),
        {"user": user.pk, "establishment": establishment.pk, "valid_from": valid_from.isoformat()},
    )

    assert response.status_code == 302
    habilitation = Habilitation.objects.get(user=user, establishment=establishment)
    assert habilitation.extranet.code == "APART"
    assert (habilitation.valid_from, habilitation.valid_until) == (valid_from, valid_until)
    assert subjects_to("claire@example.fr") == ["Habilitation à l'activité partielle"]
    [entry] = StaffAction.objects.filter(action=StaffActionKind.HABILITATION_CREATE)
    assert entry.actor == agent and entry.subject == habilitation and entry.target_user == user
    assert entry.siret == establishment.siret


def test_adding_a_habilitation_that_exists_renews_it_instead_of_a_duplicate(staff_client):
    expired = HabilitationFactory(expired=True)

    staff_client.post(
        reverse("admin:habilitations_habilitation_add"),
        {"user": expired.user.pk, "establishment": expired.establishment.pk, "valid_from": TODAY().isoformat()},
    )

    [habilitation] = Habilitation.objects.all()
    assert habilitation.pk == expired.pk
    assert (habilitation.valid_from, habilitation.valid_until) == (TODAY(), one_year_after(TODAY()))


def test_adding_a_habilitation_that_is_running_is_refused_on_the_form(staff_client):
    """Nothing to create: the agent is told to extend it; no e-mail, no line in the journal."""
    running = HabilitationFactory(valid_from=days(-10))

    response = staff_client.post(
        reverse("admin:habilitations_habilitation_add"),
        {"user": running.user.pk, "establishment": running.establishment.pk, "valid_from": TODAY().isoformat()},
    )

    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert error == (
        f"Ce compte est déjà habilité sur cet établissement, du {days(-10):%d/%m/%Y} au "
        f"{running.valid_until:%d/%m/%Y} : prolongez cette habilitation plutôt que d'en créer une."
    )
    assert Habilitation.objects.count() == 1
    assert subjects_to(running.user.courriel) == []
    assert not StaffAction.objects.exists()


# --- HabilitationAdmin: the object page is read-only ----------------------------------------------------------


def test_a_habilitation_page_is_read_only(staff_client):
    habilitation = HabilitationFactory()
    url = reverse("admin:habilitations_habilitation_change", args=[habilitation.pk])

    page = staff_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and habilitation.user.identifiant in html
    assert 'name="valid_until"' not in html and 'name="valid_from"' not in html

    response = staff_client.post(
        url,
        {
            "user": habilitation.user.pk,
            "establishment": habilitation.establishment.pk,
            "extranet": habilitation.extranet.pk,
            "valid_from": habilitation.valid_from.isoformat(),
            "valid_until": "2099-12-31",
        },
    )

    assert response.status_code == 403
    assert Habilitation.objects.get(pk=habilitation.pk).valid_until == habilitation.valid_until
    assert StaffAction.objects.count() == 0


# --- HabilitationAdmin: the actions ---------------------------------------------------------------------------


def test_extend_selected_goes_through_the_service(staff_client, agent):
    habilitation = HabilitationFactory(valid_from=days(-30), user__courriel="claire@example.fr")
    previous = habilitation.valid_until

    response = staff_client.post(
        HABILITATIONS, {"action": "extend_selected", "_selected_action": [habilitation.pk]}, follow=True
    )

    assert "1 habilitation(s) prolongée(s)" in response.content.decode()
    habilitation.refresh_from_db()
    assert habilitation.valid_until == one_year_after(timezone.localdate()) > previous
    assert subjects_to("claire@example.fr") == ["Prolongation de votre habilitation à l'activité partielle"]
    [entry] = StaffAction.objects.filter(action=StaffActionKind.HABILITATION_EXTEND)
    assert entry.actor == agent and entry.subject == habilitation
    assert entry.details["previous_valid_until"] == previous.isoformat()


def test_extend_selected_replayed_extends_once_and_says_so(staff_client, agent):
    habilitation = HabilitationFactory(valid_from=days(-30), user__courriel="claire@example.fr")
    data = {"action": "extend_selected", "_selected_action": [habilitation.pk]}
    staff_client.post(HABILITATIONS, data, follow=True)  # its message read

    page = staff_client.post(HABILITATIONS, data, follow=True).content.decode()

    habilitation.refresh_from_db()
    assert habilitation.valid_until == one_year_after(timezone.localdate())
    assert "prolongée(s)" not in page
    assert f"est déjà prolongée jusqu&#x27;au {habilitation.valid_until:%d/%m/%Y}" in page
    assert subjects_to("claire@example.fr") == ["Prolongation de votre habilitation à l'activité partielle"]
    assert StaffAction.objects.filter(action=StaffActionKind.HABILITATION_EXTEND).count() == 1


def test_end_selected_asks_for_a_confirmation_then_goes_through_the_service(staff_client, agent):
    habilitation = HabilitationFactory(valid_from=days(-30), user__courriel="claire@example.fr")
    data = {"action": "end_selected", "_selected_action": [habilitation.pk]}

    confirmation = staff_client.post(HABILITATIONS, data)

    html = confirmation.content.decode()
    assert "Mettre fin aux habilitations" in html
    assert f"{habilitation.user.identifiant} sur {habilitation.establishment.denomination}" in html
    assert f"du {habilitation.valid_from:%d/%m/%Y} au {habilitation.valid_until:%d/%m/%Y}" in html
    assert Habilitation.objects.get(pk=habilitation.pk).is_active()
    assert OutboxEmail.objects.count() == 0 and StaffAction.objects.count() == 0

    response = staff_client.post(HABILITATIONS, {**data, "apply": "1"}, follow=True)

    assert "1 habilitation(s) terminée(s)" in response.content.decode()
    habilitation.refresh_from_db()
    assert habilitation.valid_until == days(-1) and not habilitation.is_active()
    assert subjects_to("claire@example.fr") == ["Fin de votre habilitation à l'activité partielle"]
    [entry] = StaffAction.objects.filter(action=StaffActionKind.HABILITATION_END)
    assert entry.actor == agent and entry.subject == habilitation and entry.details["result"] == "ended"


def test_staff_who_may_only_view_habilitations_cannot_extend_or_end_them(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_habilitation"))
    two_factor_login(client, viewer)
    habilitation = HabilitationFactory(valid_from=days(-30))

    html = client.get(HABILITATIONS).content.decode()
    for action in ("extend_selected", "end_selected", "resend_account_emails"):
        assert f'value="{action}"' not in html
        client.post(HABILITATIONS, {"action": action, "_selected_action": [habilitation.pk], "apply": "1"})

    assert Habilitation.objects.get(pk=habilitation.pk).valid_until == habilitation.valid_until
    assert OutboxEmail.objects.count() == 0 and StaffAction.objects.count() == 0


# --- EstablishmentAdmin -----------------------------------------------------------------------------------------


def fiche_data(establishment, **changes):
    names = EstablishmentFicheForm._meta.fields
    data = {name: getattr(establishment, name) if getattr(establishment, name) is not None else "" for name in names}
    return {**data, **changes}


def establishment_url(establishment):
    return reverse("admin:habilitations_establishment_change", args=[establishment.pk])


def test_establishments_are_not_added_in_the_admin(staff_client):
    assert staff_client.get(reverse("admin:habilitations_establishment_add")).status_code == 403


def test_the_siret_cannot_be_changed(staff_client):
    establishment = EstablishmentFactory(complete=True)
    siret = establishment.siret

    html = staff_client.get(establishment_url(establishment)).content.decode()
    assert 'name="siret"' not in html and siret in html

    response = staff_client.post(establishment_url(establishment), fiche_data(establishment, siret="73282932000074"))

    assert response.status_code == 302
    assert Establishment.objects.get(pk=establishment.pk).siret == siret
    assert not Establishment.objects.filter(siret="73282932000074").exists()


def test_a_fiche_edit_goes_through_the_service_and_is_journalled(staff_client, agent):
    establishment = EstablishmentFactory(complete=True, code_naf="")
    assert Establishment.objects.get(pk=establishment.pk).fiche_complete is False

    response = staff_client.post(
        establishment_url(establishment), fiche_data(establishment, code_naf="1071c", effectif="15")
    )

    assert response.status_code == 302
    saved = Establishment.objects.get(pk=establishment.pk)
    assert (saved.code_naf, saved.effectif) == ("10.71C", 15)  # as the fiche form writes it
    assert saved.fiche_complete is True
    [entry] = StaffAction.objects.filter(action=StaffActionKind.FICHE_UPDATE)
    assert entry.actor == agent and entry.subject == saved and entry.siret == saved.siret
    assert entry.details["fields"] == ["code_naf", "effectif"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_telephone", "12345", "Veuillez saisir un numéro valide."),
        ("telephone", "01 02", "Veuillez saisir un numéro valide."),
        ("contact_courriel", "contact@", "L'adresse électronique est invalide."),
        ("code_naf", "10710", "Le code APE / NAF s'écrit comme 10.71C."),
    ],
)
def test_a_fiche_edit_has_the_checks_of_the_space(staff_client, field, value, message):
    establishment = EstablishmentFactory(complete=True)
    before = getattr(establishment, field)

    response = staff_client.post(establishment_url(establishment), fiche_data(establishment, **{field: value}))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert getattr(Establishment.objects.get(pk=establishment.pk), field) == before
    assert StaffAction.objects.count() == 0


def test_a_fiche_edit_chooses_the_ville_among_the_communes_of_its_code_postal(staff_client):
    load_communes("67100", "75011")
    establishment = EstablishmentFactory(complete=True, code_postal="75011", ville="Paris 11e Arrondissement")

    refused = staff_client.post(
        establishment_url(establishment), fiche_data(establishment, code_postal="67100", ville="Paris")
    )
    accepted = staff_client.post(
        establishment_url(establishment), fiche_data(establishment, code_postal="67100", ville="STRASBOURG")
    )

    assert refused.context["adminform"].form.errors["ville"] == [
        "Veuillez choisir la ville correspondant au code postal."
    ]
    assert accepted.status_code == 302
    saved = Establishment.objects.get(pk=establishment.pk)
    assert (saved.code_postal, saved.ville, saved.code_commune) == ("67100", "Strasbourg", "67482")


def test_the_establishment_list_shows_the_fiche_as_an_icon_not_true_or_false(staff_client):
    EstablishmentFactory(complete=True)
    EstablishmentFactory()

    html = staff_client.get(reverse("admin:habilitations_establishment_changelist")).content.decode()
    complete = staff_client.get(reverse("admin:habilitations_establishment_changelist"), {"fiche": "complete"})

    assert 'alt="True"' in html and 'alt="False"' in html  # Django's yes / no icons
    assert ">True<" not in html and ">False<" not in html
    assert complete.context["cl"].result_count == 1


def test_the_establishment_page_lists_its_habilitations_read_only(staff_client):
    habilitation = HabilitationFactory()

    html = staff_client.get(establishment_url(habilitation.establishment)).content.decode()

    assert reverse("admin:habilitations_habilitation_change", args=[habilitation.pk]) in html
    assert f"{habilitation.valid_until:%d/%m/%Y}" in html
    assert "habilitations-TOTAL_FORMS" not in html


# --- UserAdmin --------------------------------------------------------------------------------------------------


def user_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def user_data(user, **changes):
    data = {
        "identifiant": user.identifiant,
        "nom": user.nom,
        "prenom": user.prenom,
        "telephone": user.telephone,
        "courriel": user.courriel,
        "is_active": "on",
    }
    return {**data, **changes}


def test_no_inline_writes_habilitations_on_the_user_page(staff_client):
    habilitation = HabilitationFactory()
    user = habilitation.user
    other = EstablishmentFactory()

    html = staff_client.get(user_url(user)).content.decode()
    assert "habilitations-TOTAL_FORMS" not in html
    assert habilitation.establishment.siret in html  # listed, read-only

    response = staff_client.post(
        user_url(user),
        user_data(
            user,
            **{
                "habilitations-TOTAL_FORMS": "1",
                "habilitations-INITIAL_FORMS": "0",
                "habilitations-0-establishment": other.pk,
                "habilitations-0-extranet": habilitation.extranet.pk,
                "habilitations-0-valid_from": TODAY().isoformat(),
                "habilitations-0-valid_until": "2099-12-31",
            },
        ),
    )

    assert response.status_code == 302
    assert list(Habilitation.objects.all()) == [habilitation]


def test_the_secret_question_is_read_only_on_the_user_page(staff_client):
    user = UserFactory()
    question = user.secret_question

    response = staff_client.post(user_url(user), user_data(user, nom="Menuça-Dupré", secret_question="Autre ?"))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.nom == "Menuça-Dupré"  # the page saved…
    assert user.secret_question == question and user.check_secret_answer("Rex")  # … but not the question


def test_the_secret_question_is_reset_by_the_action_through_the_service(staff_client, agent):
    user = UserFactory(courriel="claire@example.fr")

    response = staff_client.post(USERS, {"action": "reset_secret_question", "_selected_action": [user.pk]}, follow=True)

    assert "1 question(s) secrète(s) réinitialisée(s)" in response.content.decode()
    user.refresh_from_db()
    assert user.must_set_secret_question and user.secret_question == "" and not user.check_secret_answer("Rex")
    assert subjects_to("claire@example.fr") == ["Réinitialisation de votre question secrète"]
    [entry] = StaffAction.objects.filter(action=StaffActionKind.SECRET_QUESTION_RESET)
    assert entry.actor == agent and entry.target_user == user
