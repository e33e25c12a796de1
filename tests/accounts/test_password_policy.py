"""One password policy for the whole service: each rule refused alone, with its own message."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.password_validation import SPECIAL_CHARACTERS_EXAMPLES
from accounts.recovery import recovery_answer, recovery_start
from apart.outbox.models import OutboxEmail
from tests.factories import HabilitationFactory, UserFactory, delivered_text

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


# --- The sentence above the list -----------------------------------------------------------------

# How the intro sentence of the password pages says each rule, from the validator as configured (so a changed
# minimum shows too). A validator added to AUTH_PASSWORD_VALIDATORS without its words here fails the test below:
# add them here AND to the sentence (templates/accounts/_password_policy.html).
SENTENCE_MENTIONS = {
    "MinimumLengthValidator": lambda validator: [f"{validator.min_length} caractères minimum"],
    "LowercaseValidator": lambda validator: [f"{validator.minimum} minuscule"],
    "UppercaseValidator": lambda validator: [f"{validator.minimum} majuscule"],
    "DigitValidator": lambda validator: [f"{validator.minimum} chiffre"],
    "SpecialCharacterValidator": lambda validator: [
        f"{validator.minimum} caractère spécial",
        f"(exemples : {SPECIAL_CHARACTERS_EXAMPLES})",
    ],
    "NoAccentValidator": lambda validator: ["Les caractères accentués ne sont pas autorisés"],
    "DifferentFromIdentifiantValidator": lambda validator: ["différent de l'identifiant"],
    "DifferentFromOldPasswordValidator": lambda validator: ["de l'ancien mot de passe"],
    "CommonPasswordValidator": lambda validator: ["ne pas figurer parmi les mots de passe les plus courants"],
}


def _first_connection_page(client):
    user = UserFactory(identifiant="ilmen.foplus", temporary_password=True)
    client.force_login(user)
    return client.get(reverse("accounts:first_login_password"))


def _reset_page(client):
    user = UserFactory(identifiant="gerard.menuca1")
    assert recovery_answer(
        challenge=recovery_start(flow="password", typed=user.identifiant, ip_address="127.0.0.1"),
        answer="Rex",
        ip_address="127.0.0.1",
    )
    body = delivered_text(OutboxEmail.objects.get(kind="reinitialisation_mot_de_passe"))
    return client.get(urlsplit(re.search(r"http://\S+", body).group(0)).path, follow=True)


def _my_account_page(client):
    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user)
    client.force_login(user)
    return client.get(reverse("accounts:password_change"))


PAGES = {
    "première connexion": _first_connection_page,
    "réinitialisation": _reset_page,
    "mon compte": _my_account_page,
}


def _policy_block(response) -> str:
    block = re.search(
        r'<div class="fr-callout[^"]*" id="regles-mot-de-passe">(.*?)</div>', response.content.decode(), re.S
    )
    assert block, "the password rules are not on the page"
    return block.group(1)


@pytest.mark.parametrize("page", PAGES)
def test_the_intro_sentence_names_every_rule_the_list_names(client, page):
    response = PAGES[page](client)
    assert response.status_code == 200
    block = _policy_block(response)
    sentence = html.unescape(re.search(r'<p class="fr-callout__text[^"]*">(.*?)</p>', block, re.S).group(1))
    listed = [html.unescape(rule) for rule in re.findall(r"<li>(.*?)</li>", block, re.S)]

    assert listed == password_validation.password_validators_help_texts()
    for validator in password_validation.get_default_password_validators():
        name = type(validator).__name__
        if name not in SENTENCE_MENTIONS:
            pytest.fail(f"{name} is listed on the page but the sentence above the list does not say it")
        for words in SENTENCE_MENTIONS[name](validator):
            assert words in sentence, f"{name}: « {words} » missing from « {sentence} »"
