"""French formats for the simulator's figures (the engine's helpers): « 1 234,56 € », « 60 % », « 151,67 h »."""

from django import template

from bareme.engine import format_de_mois, format_euros, format_heures, format_nombre, format_taux

register = template.Library()

ESPACE = "\u00a0"


@register.filter
def euros(value) -> str:
    return "" if value is None else format_euros(value)


@register.filter
def heures(value) -> str:
    return "" if value is None else format_heures(value)


@register.filter
def pourcentage(value) -> str:
    """0.60 → « 60 % », 0.725 → « 72,5 % »."""
    return "" if value is None else format_taux(value)


@register.filter
def nombre(value) -> str:
    return "" if value is None else format_nombre(value)


LIBELLES_VALEUR = {
    "smic_horaire": "SMIC horaire brut",
    "taux_indemnite": "Taux de l'indemnité versée au salarié",
    "taux_allocation": "Taux de l'allocation remboursée à l'employeur",
    "plancher_indemnite": "Plancher horaire de l'indemnité",
    "plancher_allocation": "Plancher horaire de l'allocation",
    "plafond_smic": "Plafond du taux horaire de référence (en SMIC)",
    "quota_annuel_heures": "Contingent annuel d'heures indemnisables par salarié",
}


@register.filter
def libelle_valeur(nom: str) -> str:
    return LIBELLES_VALEUR.get(nom, nom)


@register.filter
def valeur_datee(valeur) -> str:
    """A ValeurDatee's amount in its unit."""
    if valeur.nom.startswith("taux_"):
        return pourcentage(valeur.valeur)
    if valeur.nom == "plafond_smic":
        return f"{format_nombre(valeur.valeur, 1)}{ESPACE}×{ESPACE}SMIC horaire"
    if valeur.nom == "quota_annuel_heures":
        return f"{format_nombre(valeur.valeur, 0)}{ESPACE}h"
    return format_euros(valeur.valeur)


@register.filter
def de_mois(value) -> str:
    """« de mars 2026 », « d'octobre 2026 »."""
    return format_de_mois(value)
