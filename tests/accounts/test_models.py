import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import user_create

pytestmark = pytest.mark.django_db


def _user(**overrides):
    fields = {
        "identifiant": "gerard.menuca1",
        "courriel": "gerard.menuca@example.fr",
        "nom": "Menuça",
        "prenom": "Gérard",
        "password": "Apart-Demo-2026;",
    }
    return user_create(**{**fields, **overrides})


@pytest.mark.argon2
def test_a_user_logs_in_with_the_identifiant_and_the_password_is_hashed_with_argon2(rf):
    user = _user(secret_question="Quelle est la cylindrée de votre première moto ?", secret_answer="Cylindrée")

    assert user.password.startswith("argon2$")
    assert user.secret_answer_hash.startswith("argon2$")  # the secret answer is kept as a password is
    request = rf.post("/connexion/")
    assert authenticate(request, username="gerard.menuca1", password="Apart-Demo-2026;") == user
    assert authenticate(request, username="gerard.menuca1", password="mauvais") is None


def test_identifiant_is_unique():
    _user()

    with pytest.raises(ValidationError) as error:
        _user(courriel="autre@example.fr")

    assert "Cet identifiant est déjà utilisé." in error.value.messages


def test_courriel_is_unique_whatever_its_case_in_the_database():
    _user()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(identifiant="autre", courriel="GERARD.Menuca@Example.fr", nom="A", prenom="B")


def test_courriel_is_lower_cased_and_its_accents_replaced():
    user = _user(courriel="Gérard.Menuça@Exemple.FR")

    assert user.courriel == "gerard.menuca@exemple.fr"


@pytest.mark.parametrize("typed", ["Cylindrée", "cylindree", "  CYLINDRÉE ", "cylindrée"])
def test_secret_answer_is_stored_hashed_and_compared_without_accents_or_case(typed):
    user = _user(secret_question="Quelle est la cylindrée de votre première moto ?", secret_answer="Cylindrée")

    assert "ylindr" not in user.secret_answer_hash
    assert user.check_secret_answer(typed)
    assert not user.check_secret_answer("cylindre")


def test_no_secret_answer_never_matches():
    user = _user()

    assert not user.check_secret_answer("")


def test_superuser_creation_from_the_manager():
    admin = User.objects.create_superuser("admin.asp", "Admin@ASP.fr", "x-Strong-Pass-1", nom="ASP", prenom="Agent")

    assert admin.is_staff and admin.is_superuser
    assert admin.courriel == "admin@asp.fr"
    assert admin.get_full_name() == "Agent ASP"
