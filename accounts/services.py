"""Writes on ASP user accounts."""

from django.db import transaction

from .models import User
from .normalization import normalize_courriel


@transaction.atomic
def user_create(
    *,
    identifiant: str,
    courriel: str,
    nom: str,
    prenom: str,
    password: str | None = None,
    telephone: str = "",
    secret_question: str = "",
    secret_answer: str = "",
    must_change_password: bool = False,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    user = User(
        identifiant=identifiant,
        courriel=normalize_courriel(courriel),
        nom=nom,
        prenom=prenom,
        telephone=telephone,
        secret_question=secret_question,
        must_change_password=must_change_password,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    if secret_answer:
        user.set_secret_answer(secret_answer)
    user.full_clean(exclude=["password"])
    user.save()
    return user
