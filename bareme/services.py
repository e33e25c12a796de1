"""Writes of the barème: loading the data file, adding a dated value. A value is never changed in place."""

from __future__ import annotations

import datetime
import tomllib
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .models import ValeurBareme

DATA_FILE = Path(__file__).resolve().parent / "data" / "bareme.toml"


def lire_fichier_bareme(chemin: Path = DATA_FILE) -> list[dict]:
    """The rows of the data file, as the model's fields."""
    with open(chemin, "rb") as fichier:
        donnees = tomllib.load(fichier)
    lignes = []
    for ligne in donnees["valeur"]:
        if not isinstance(ligne["date_effet"], datetime.date):
            raise ValueError(f"{chemin} : date_effet doit être une date ({ligne!r}).")
        lignes.append(
            {
                "nom": ligne["nom"],
                "dispositif": ligne.get("dispositif", ""),
                "date_effet": ligne["date_effet"],
                "valeur": Decimal(str(ligne["valeur"])),
                "source_reference": ligne["source"],
                "source_url": ligne.get("url", ""),
                "commentaire": ligne.get("commentaire", ""),
            }
        )
    return lignes


@transaction.atomic
def bareme_charger(*, chemin: Path = DATA_FILE, using: str = "default") -> int:
    """Loads the data file's rows that the database does not hold yet; returns how many were added. A row
    already in the database (same nom, dispositif and date d'effet) is left as it is, even if the file differs:
    a value a DI may have used is never changed in place."""
    lignes = lire_fichier_bareme(chemin)
    existantes = set(ValeurBareme.objects.using(using).values_list("nom", "dispositif", "date_effet"))
    nouvelles = [
        ValeurBareme(**ligne)
        for ligne in lignes
        if (ligne["nom"], ligne["dispositif"], ligne["date_effet"]) not in existantes
    ]
    if nouvelles:
        ValeurBareme.objects.using(using).bulk_create(nouvelles, ignore_conflicts=True)
        from .selectors import bareme_modifie

        bareme_modifie()
    return len(nouvelles)


@transaction.atomic
def valeur_bareme_ajouter(
    *,
    nom: str,
    dispositif: str,
    date_effet: datetime.date,
    valeur: Decimal,
    source_reference: str,
    source_url: str = "",
    commentaire: str = "",
    by,
) -> ValeurBareme:
    """A new dated value added by ASP staff (the next SMIC revaluation…), with its source. The engine uses it for
    the months from its date d'effet on (post_save tells every process to reload the barème)."""
    return ValeurBareme.objects.create(
        nom=nom,
        dispositif=dispositif,
        date_effet=date_effet,
        valeur=valeur,
        source_reference=source_reference,
        source_url=source_url,
        commentaire=commentaire,
        created_by=by,
    )
