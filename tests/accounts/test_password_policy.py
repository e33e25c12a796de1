"""One password policy for the whole service: each rule refused alone, with its own message."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1;xyz", "Votre mot de passe est trop court"),
        ("ABCDEF1;", "Votre mot de passe n'a pas assez de minuscules"),
        ("abcdef1;", "Votre mot de passe n'a pas assez de majuscules"),
        ("Abcdefg;", "Votre mot de passe n'a pas assez de chiffres"),
        ("Zorglub42x", "Votre mot de passe n'a pas assez de caractères spéciaux"),
        ("Abcdéfg1;", "Votre mot de passe contient des caractères interdits"),
        ("Gerard.Menuca1", "Votre mot de passe est identique à votre identifiant"),
        ("Ancien;Passe1", "Votre nouveau mot de passe est identique à l'ancien"),
        ("Password1!", "Votre mot de passe est trop courant"),
    ],
)
def test_each_rule_is_refused_alone_with_its_message(password, message):
    user = UserFactory(identifiant="gerard.menuca1", password="Ancien;Passe1")

    with pytest.raises(ValidationError) as error:
        password_validation.validate_password(password, user)

    assert error.value.messages == [message]


def test_a_password_following_every_rule_is_accepted():
    user = UserFactory(identifiant="gerard.menuca1", password="Ancien;Passe1")

    password_validation.validate_password("Nouveau;Passe2026", user)


def test_the_rules_are_listed_as_on_the_seeds_screen():
    rules = password_validation.password_validators_help_texts()

    assert rules[:4] == [
        "Nombre minimum de caractères : 8",
        "Nombre minimum de minuscules : 1",
        "Nombre minimum de majuscules : 1",
        "Nombre minimum de chiffres : 1",
    ]
    assert rules[4].startswith("Nombre minimum de caractères spéciaux")
    assert "Votre nouveau mot de passe ne doit pas être identique à votre identifiant" in rules
