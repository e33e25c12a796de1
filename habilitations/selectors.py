"""Reads that cross relations, for views, services and commands."""

from dataclasses import dataclass, field

from referentiels.codes_postaux import commune_name, communes_for_code_postal
from referentiels.enums import indice_repetition_label, type_voie_label
from referentiels.text import truncate_at_word
from referentiels.validators import clean_siret

from .enums import ExtranetCode
from .models import COMPLEMENT_ADRESSE_MAX_LENGTH, LIBELLE_VOIE_MAX_LENGTH, Establishment, Habilitation

# The fields the seeds limit, and their limits: a longer SIRENE value is cut, and the form says so.
SHORTENED_FIELDS = {"libelle_voie": LIBELLE_VOIE_MAX_LENGTH, "complement_adresse": COMPLEMENT_ADRESSE_MAX_LENGTH}


@dataclass(frozen=True)
class SireneFiche:
    """The fiche établissement as INSEE knows it, cut to the account form's limits."""

    fields: dict
    shortened: dict = field(default_factory=dict)  # field name → the SIRENE value before it was cut


def establishment_fields_from_sirene(etablissement, *, communes=None) -> SireneFiche:
    """`etablissement`: a SireneEtablissement row or a SireneResult (same attribute names); `communes`: those of
    its code postal, when the caller has them already."""
    if communes is None:
        communes = communes_for_code_postal(etablissement.code_postal)
    fields = {
        "siret": etablissement.siret,
        "denomination": etablissement.denomination or etablissement.enseigne,
        "enseigne": etablissement.enseigne,
        "numero_voie": etablissement.numero_voie,
        "extension_voie": indice_repetition_label(etablissement.indice_repetition),
        "type_voie": type_voie_label(etablissement.type_voie),
        "code_postal": etablissement.code_postal,
        "ville": commune_name(communes, code_commune=etablissement.code_commune, name=etablissement.libelle_commune),
        "code_commune": etablissement.code_commune,
    }
    shortened = {}
    for name, max_length in SHORTENED_FIELDS.items():
        value = " ".join((getattr(etablissement, name) or "").split())
        fields[name] = truncate_at_word(value, max_length)
        if fields[name] != value:
            shortened[name] = value
    return SireneFiche(fields=fields, shortened=shortened)


def establishments_for_user(*, user, extranet_code: str = ExtranetCode.APART, query: str = ""):
    """The establishments a user holds an active habilitation on, for one extranet."""
    habilitations = Habilitation.objects.active().for_extranet(extranet_code).filter(user=user)
    establishments = Establishment.objects.filter(pk__in=habilitations.values("establishment"))
    if query:
        establishments = establishments.filter(siret__startswith=clean_siret(query)) | establishments.filter(
            denomination__icontains=query
        )
    return establishments.order_by("denomination", "siret")
