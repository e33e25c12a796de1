"""Reads that cross relations, for views, services and commands."""

from .enums import ExtranetCode, indice_repetition_label, type_voie_label
from .models import (
    COMPLEMENT_ADRESSE_MAX_LENGTH,
    LIBELLE_VOIE_MAX_LENGTH,
    Establishment,
    Habilitation,
    SireneEtablissement,
)
from .text import truncate_at_word
from .validators import clean_siret


def sirene_etablissement_get(*, siret: str) -> SireneEtablissement | None:
    return SireneEtablissement.objects.filter(pk=clean_siret(siret)).first()


def establishment_fields_from_sirene(etablissement: SireneEtablissement) -> dict:
    """The fiche établissement as INSEE knows it, cut to the account form's limits."""
    return {
        "siret": etablissement.siret,
        "denomination": etablissement.denomination or etablissement.enseigne,
        "numero_voie": etablissement.numero_voie,
        "extension_voie": indice_repetition_label(etablissement.indice_repetition),
        "type_voie": type_voie_label(etablissement.type_voie),
        "libelle_voie": truncate_at_word(etablissement.libelle_voie, LIBELLE_VOIE_MAX_LENGTH),
        "complement_adresse": truncate_at_word(etablissement.complement_adresse, COMPLEMENT_ADRESSE_MAX_LENGTH),
        "code_postal": etablissement.code_postal,
        "ville": etablissement.libelle_commune,
    }


def establishments_for_user(*, user, extranet_code: str = ExtranetCode.APART, query: str = ""):
    """The establishments a user holds an active habilitation on, for one extranet."""
    habilitations = Habilitation.objects.active().for_extranet(extranet_code).filter(user=user)
    establishments = Establishment.objects.filter(pk__in=habilitations.values("establishment"))
    if query:
        establishments = establishments.filter(siret__startswith=clean_siret(query)) | establishments.filter(
            denomination__icontains=query
        )
    return establishments.order_by("denomination", "siret")
