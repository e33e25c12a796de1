from django.db import models

from .enums import EtatAdministratif, indice_repetition_label, type_voie_label


class SireneUniteLegale(models.Model):
    """INSEE's unité légale (StockUniteLegale), kept to name the establishments."""

    siren = models.CharField("Siren", max_length=9, primary_key=True)
    denomination = models.CharField("dénomination", max_length=255, blank=True)
    sigle = models.CharField("sigle", max_length=50, blank=True)
    prenom = models.CharField("prénom", max_length=100, blank=True)
    nom = models.CharField("nom", max_length=100, blank=True)
    etat_administratif = models.CharField(
        "état administratif", max_length=1, blank=True, choices=EtatAdministratif.choices
    )

    class Meta:
        verbose_name = "unité légale SIRENE"
        verbose_name_plural = "unités légales SIRENE"

    def __str__(self):
        return f"{self.siren} {self.display_name}"

    @property
    def display_name(self) -> str:
        """The denomination, or prénom + nom for an individual entrepreneur."""
        return self.denomination or " ".join(part for part in (self.prenom, self.nom) if part)


class SireneEtablissement(models.Model):
    """The local copy of INSEE's SIRENE directory (StockEtablissement), keyed by SIRET."""

    siret = models.CharField("Siret", max_length=14, primary_key=True)
    siren = models.CharField("Siren", max_length=9)
    denomination = models.CharField("dénomination", max_length=255, blank=True)
    enseigne = models.CharField("enseigne", max_length=100, blank=True)
    numero_voie = models.CharField("numéro de voie", max_length=10, blank=True)
    indice_repetition = models.CharField("indice de répétition", max_length=10, blank=True)
    type_voie = models.CharField("type de voie", max_length=10, blank=True)
    libelle_voie = models.CharField("libellé de la voie", max_length=255, blank=True)
    complement_adresse = models.CharField("complément d'adresse", max_length=255, blank=True)
    code_postal = models.CharField("code postal", max_length=10, blank=True)
    libelle_commune = models.CharField("commune", max_length=100, blank=True)
    code_commune = models.CharField("code commune", max_length=5, blank=True)
    etat_administratif = models.CharField(
        "état administratif", max_length=1, blank=True, choices=EtatAdministratif.choices
    )

    class Meta:
        verbose_name = "établissement SIRENE"
        verbose_name_plural = "établissements SIRENE"
        # A plain index: `db_index=True` would add a varchar_pattern_ops copy on PostgreSQL (for LIKE, never
        # used here), doubling the cost of indexing the 42 million rows of the directory at each import.
        indexes = [models.Index(fields=["siren"], name="sirene_etab_siren_idx")]

    def __str__(self):
        return f"{self.siret} {self.denomination}"

    @property
    def is_active(self) -> bool:
        return self.etat_administratif != EtatAdministratif.FERME

    @property
    def type_voie_label(self) -> str:
        return type_voie_label(self.type_voie)

    @property
    def indice_repetition_label(self) -> str:
        return indice_repetition_label(self.indice_repetition)


class CodePostalCommune(models.Model):
    """La Poste's postal codes and the communes they serve (Base Adresse Nationale)."""

    code_postal = models.CharField("code postal", max_length=5, db_index=True)
    code_commune = models.CharField("code commune INSEE", max_length=5)
    nom_commune = models.CharField("nom de la commune", max_length=100)
    libelle_acheminement = models.CharField("libellé d'acheminement", max_length=100)

    class Meta:
        verbose_name = "code postal"
        verbose_name_plural = "codes postaux"
        ordering = ["code_postal", "nom_commune"]
        constraints = [
            models.UniqueConstraint(
                fields=["code_postal", "code_commune", "libelle_acheminement"],
                name="codepostalcommune_unique",
            ),
        ]

    def __str__(self):
        return f"{self.code_postal} {self.nom_commune}"
