"""The barème as dated rows: one value, its date d'effet, the text it comes from. A row is never edited once
written (a DI may have used it): a change is a new row with a later date d'effet."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .enums import DispositifChoix, NomValeur


class ValeurBareme(models.Model):
    nom = models.CharField("valeur", max_length=32, choices=NomValeur.choices)
    dispositif = models.CharField(
        "dispositif", max_length=32, choices=DispositifChoix.choices, blank=True, default=DispositifChoix.TOUS
    )
    date_effet = models.DateField(
        "date d'effet", help_text="Un mois prend les valeurs en vigueur le 1er du mois (1er juillet : dès juillet)."
    )
    valeur = models.DecimalField("montant ou taux", max_digits=12, decimal_places=4)
    source_reference = models.CharField(
        "texte source", max_length=300, help_text="Par exemple : Décret n° 2026-35 du 29 janvier 2026."
    )
    source_url = models.URLField("adresse du texte (Légifrance)", max_length=500, blank=True)
    commentaire = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField("ajoutée le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ajoutée par",
        help_text="Vide pour une valeur chargée depuis bareme/data/bareme.toml.",
    )

    class Meta:
        verbose_name = "valeur du barème"
        verbose_name_plural = "valeurs du barème"
        ordering = ["nom", "dispositif", "date_effet"]
        constraints = [
            models.UniqueConstraint(fields=["nom", "dispositif", "date_effet"], name="valeurbareme_unique_date"),
            models.CheckConstraint(condition=~Q(source_reference=""), name="valeurbareme_source_required"),
            models.CheckConstraint(condition=Q(valeur__gte=0), name="valeurbareme_valeur_positive"),
            models.CheckConstraint(condition=Q(nom__in=NomValeur.values), name="valeurbareme_nom_known"),
            models.CheckConstraint(
                condition=Q(dispositif__in=DispositifChoix.values), name="valeurbareme_dispositif_known"
            ),
        ]

    def __str__(self):
        dispositif = self.get_dispositif_display() if self.dispositif else "tous dispositifs"
        return f"{self.get_nom_display()} — {dispositif} — {self.date_effet:%d/%m/%Y} : {self.valeur}"
