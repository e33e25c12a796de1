"""The contrat de prestation: an expert-comptable's firm declares it for an establishment, the ASP validates it,
and the firm's user becomes the establishment's « personne à contacter » until the contract ends."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from referentiels.validators import SIRET_REGEX, validate_siret

from .enums import CONTRAT_STATUTS_ACTIFS, ContratStatut, ExtranetCode
from .models import Establishment, Habilitation

CONTRAT_MAX_BYTES = 5 * 1024 * 1024  # 5 Mo
# The fiche's « personne à contacter », which the firm's user takes over while the contract is validated.
CONTACT_FIELDS = ("contact_nom", "contact_prenom", "contact_telephone", "contact_courriel")


def _contrat_path(instance, filename: str) -> str:
    # A random name: the firm's file name is kept in `fichier_nom`, never in a path.
    return f"contrats/{instance.establishment.siret}/{uuid.uuid4().hex}.pdf"


class ContratPrestationQuerySet(models.QuerySet):
    def active(self):
        """En attente de validation or validé: the one that holds the establishment."""
        return self.filter(statut__in=CONTRAT_STATUTS_ACTIFS)

    def for_user(self, user):
        """The contracts a user may see in his space: those he declared (the firm's user), and those of the
        establishments he holds an active APART habilitation on (the employer's side)."""
        habilitations = Habilitation.objects.active().for_extranet(ExtranetCode.APART).filter(user=user)
        return self.filter(Q(declared_by=user) | Q(establishment__in=habilitations.values("establishment")))


class ContratPrestation(models.Model):
    """A contrat de prestation between an establishment and an expert-comptable's firm (tiers déclarant)."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="contrats_prestation", verbose_name="établissement"
    )
    siret_cabinet = models.CharField("N° de Siret du cabinet", max_length=14, validators=[validate_siret])
    nom_cabinet = models.CharField("nom du cabinet", max_length=255)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contrats_prestation",
        verbose_name="déclaré par (utilisateur du cabinet)",
    )
    declared_at = models.DateTimeField("déclaré le", auto_now_add=True)
    fichier = models.FileField("contrat signé", upload_to=_contrat_path, max_length=200)
    fichier_nom = models.CharField("nom du fichier", max_length=255)
    fichier_taille = models.PositiveIntegerField("taille (octets)")
    statut = models.CharField(
        "état", max_length=16, choices=ContratStatut.choices, default=ContratStatut.EN_ATTENTE, db_index=True
    )
    processed_at = models.DateTimeField("validé ou refusé le", null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validé ou refusé par",
    )
    motif_refus = models.TextField("motif du refus", blank=True)
    ended_at = models.DateTimeField("terminé le", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="terminé par",
    )
    # The fiche's contact person before the validation (restored at the end), and the one the validation wrote
    # (the end restores only when the fiche still holds it): {contact_nom, contact_prenom, contact_telephone,
    # contact_courriel}.
    contact_precedent = models.JSONField("personne à contacter avant le contrat", null=True, blank=True)
    contact_designe = models.JSONField("personne à contacter désignée par le contrat", null=True, blank=True)
    contact_restaure = models.BooleanField("personne à contacter précédente rétablie", null=True, blank=True)

    objects = ContratPrestationQuerySet.as_manager()

    class Meta:
        verbose_name = "contrat de prestation"
        verbose_name_plural = "contrats de prestation"
        ordering = ["-declared_at", "-id"]
        permissions = [
            ("validate_contratprestation", "Peut valider ou refuser un contrat de prestation"),
            ("end_contratprestation", "Peut mettre fin à un contrat de prestation"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(siret_cabinet__regex=SIRET_REGEX), name="contratprestation_siret_cabinet_14_digits"
            ),
            models.UniqueConstraint(
                fields=["establishment"],
                condition=Q(statut__in=CONTRAT_STATUTS_ACTIFS),
                name="contratprestation_one_active_per_establishment",
                violation_error_message=(
                    "Un contrat de prestation est déjà en attente de validation ou validé pour cet établissement."
                ),
            ),
            models.CheckConstraint(
                condition=Q(fichier_taille__gt=0) & Q(fichier_taille__lte=CONTRAT_MAX_BYTES),
                name="contratprestation_at_most_5_mo",
            ),
            models.CheckConstraint(
                condition=~Q(statut=ContratStatut.REFUSE) | (~Q(motif_refus="") & Q(processed_at__isnull=False)),
                name="contratprestation_refused_has_motif",
            ),
            models.CheckConstraint(
                condition=~Q(statut=ContratStatut.VALIDE)
                | (Q(processed_at__isnull=False) & Q(contact_precedent__isnull=False)),
                name="contratprestation_validated_has_contact",
            ),
            models.CheckConstraint(
                condition=~Q(statut=ContratStatut.TERMINE) | Q(ended_at__isnull=False),
                name="contratprestation_ended_has_date",
            ),
        ]

    def __str__(self):
        return f"Contrat de prestation {self.establishment.siret} — {self.nom_cabinet} ({self.get_statut_display()})"

    @property
    def is_active(self) -> bool:
        return self.statut in CONTRAT_STATUTS_ACTIFS
