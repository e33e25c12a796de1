"""The secret questions: a fixed list, chosen in a select « Question secrète ».

A question typed freely would prove the account exists (the recovery's decoys are drawn from a list): every
account's question, and every decoy, comes from this one list. A question is stored as its text, so that the
accounts stay readable; an account whose question is not (any longer) listed chooses one at its next connection.
"""

from django import forms

from apart.forms import REQUIRED

# Keep the texts: they are what the accounts store (a data migration flags the accounts whose question is not here).
SECRET_QUESTIONS = (
    "Quelle est votre ville de naissance ?",
    "Quel est le nom de votre premier animal de compagnie ?",
    "Quel est le prénom de votre grand-mère maternelle ?",
    "Quelle est la ville de naissance de votre mère ?",
    "Quel était le nom de votre école primaire ?",
    "Quel est le prénom de votre meilleur ami d'enfance ?",
    "Quelle était la marque de votre première voiture ?",
    "Quel est votre plat préféré ?",
    "Dans quelle rue avez-vous grandi ?",
    "Quel métier rêviez-vous de faire enfant ?",
)
NOT_LISTED = "Choisissez une des questions de la liste."


def is_listed(question: str) -> bool:
    return question in SECRET_QUESTIONS


def secret_question_field(**kwargs) -> forms.ChoiceField:
    """The select « Question secrète »: the listed questions only, each stored as its text."""
    return forms.ChoiceField(
        label="Question secrète",
        choices=[("", "Sélectionnez une question")] + [(question, question) for question in SECRET_QUESTIONS],
        error_messages={"required": REQUIRED, "invalid_choice": NOT_LISTED},
        widget=forms.Select(attrs={"class": "fr-select"}),
        **kwargs,
    )
