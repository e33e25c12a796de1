"""Reads of the reference data."""

from .models import SireneEtablissement
from .validators import clean_siret


def sirene_etablissement_get(*, siret: str) -> SireneEtablissement | None:
    """The local copy's row of a SIRET typed with or without spaces; None when unknown."""
    return SireneEtablissement.objects.filter(pk=clean_siret(siret)).first()
