from django.conf import settings
from django.db import models
from django.db.models import F, Q

from habilitations.models import Establishment

from .enums import STATUTS_ACCEPTES, STATUTS_EN_COURS, ModeDecision, Motif, SousMotif, Statut, TypeActivite

CIRCONSTANCES_MAX_LENGTH = 2000
PIECE_JOINTE_MAX_BYTES = 5 * 1024 * 1024  # 5 Mo each
# The code DI: typed by the employer from the décision, so its alphabet has no 0/O, 1/I/L, U (codes.py).
CODE_DI_REGEX = r"\A[2-9A-HJKMNP-TV-Z]{10}\Z"


class Compteur(models.Model):
    """A named counter for the human-readable numbers (DAP-2026-000001…), incremented under a row lock."""

    nom = models.CharField("nom", max_length=32, unique=True)
    valeur = models.PositiveIntegerField("dernière valeur", default=0)

    class Meta:
        verbose_name = "compteur de numérotation"
        verbose_name_plural = "compteurs de numérotation"

    def __str__(self):
        return f"{self.nom} : {self.valeur}"


class DemandeQuerySet(models.QuerySet):
    def en_cours(self):
        return self.filter(statut__in=STATUTS_EN_COURS)

    def acceptees(self):
        return self.filter(statut__in=STATUTS_ACCEPTES)

    def en_cours_ou_acceptees(self):
        return self.filter(statut__in=(*STATUTS_EN_COURS, *STATUTS_ACCEPTES))


class DemandeAutorisation(models.Model):
    """A demande d'autorisation préalable (DAP) of an establishment, or an avenant to an accepted one (`parent`)."""

    numero = models.CharField("numéro", max_length=32, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="demandes_autorisation", verbose_name="établissement"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="avenants",
        verbose_name="demande initiale (avenant)",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="créée par"
    )
    motif = models.CharField("motif de recours", max_length=32, choices=Motif.choices)
    sous_motif = models.CharField("sous-motif", max_length=32, choices=SousMotif.choices, blank=True)
    circonstances = models.TextField("circonstances détaillées", max_length=CIRCONSTANCES_MAX_LENGTH)
    date_debut = models.DateField("date de début")
    date_fin = models.DateField("date de fin")
    nb_salaries = models.PositiveIntegerField("nombre de salariés concernés")
    heures_previsionnelles = models.DecimalField(
        "nombre d'heures chômées prévisionnelles", max_digits=9, decimal_places=2
    )
    type_activite = models.CharField("type d'activité partielle", max_length=16, choices=TypeActivite.choices)
    date_consultation_cse = models.DateField("date de consultation du CSE", null=True, blank=True)
    engagements = models.TextField("engagements", blank=True)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    titulaire = models.CharField("titulaire du compte", max_length=100)
    statut = models.CharField("statut", max_length=32, choices=Statut.choices, default=Statut.PROVISOIRE)
    # The accusé de réception (R5122-26): its number, the date and time, and the implicit-acceptance date.
    accuse_numero = models.CharField("n° d'accusé de réception", max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="envoyée par",
    )
    # The UD that instructs it: the département of the establishment's code postal when the DAP is sent (kept, so
    # that the agents' queue is one indexed column; "" before sending, or for a code postal outside the départements).
    departement = models.CharField("département", max_length=3, blank=True, editable=False)
    # The last day the UD has to decide; the day after, the DAP is "Acceptée implicitement". Empty while a
    # complément is awaited (the 15 days start again from the employer's answer).
    implicit_acceptance_on = models.DateField("date d'acceptation implicite", null=True, blank=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )
    motif_refus = models.TextField("motif du refus", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = DemandeQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'autorisation préalable"
        verbose_name_plural = "demandes d'autorisation préalable"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["establishment", "-created_at"], name="dap_establishment_created"),
            models.Index(fields=["establishment", "statut", "date_debut"], name="dap_establishment_statut"),
            models.Index(
                fields=["implicit_acceptance_on"], condition=Q(statut=Statut.ENVOYEE), name="dap_implicit_due"
            ),
            models.Index(fields=["departement", "statut", "implicit_acceptance_on"], name="dap_departement_queue"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(date_fin__gte=F("date_debut")), name="dap_fin_after_debut"),
            models.CheckConstraint(condition=Q(nb_salaries__gte=1), name="dap_at_least_one_salarie"),
            models.CheckConstraint(condition=Q(heures_previsionnelles__gt=0), name="dap_heures_positive"),
            models.CheckConstraint(
                condition=Q(sous_motif="") | Q(motif=Motif.AUTRE), name="dap_sous_motif_only_under_autre"
            ),
            models.CheckConstraint(
                condition=~Q(motif=Motif.AUTRE) | ~Q(sous_motif=""), name="dap_autre_has_sous_motif"
            ),
            models.CheckConstraint(
                condition=Q(statut=Statut.PROVISOIRE)
                | (Q(sent_at__isnull=False) & Q(sent_by__isnull=False) & ~Q(accuse_numero="")),
                name="dap_sent_has_accuse",
            ),
            models.CheckConstraint(
                condition=~Q(statut=Statut.ENVOYEE) | Q(implicit_acceptance_on__isnull=False),
                name="dap_envoyee_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(statut__in=(*STATUTS_ACCEPTES, Statut.REFUSEE)) | Q(decided_at__isnull=False),
                name="dap_decided_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(statut=Statut.REFUSEE) | ~Q(motif_refus=""), name="dap_refusee_has_motif"
            ),
            models.UniqueConstraint(fields=["accuse_numero"], condition=~Q(accuse_numero=""), name="dap_accuse_unique"),
        ]

    def __str__(self):
        return f"{self.numero} — {self.establishment.siret} — {self.get_statut_display()}"

    @property
    def is_avenant(self) -> bool:
        return self.parent_id is not None

    @property
    def is_editable(self) -> bool:
        """Only a Provisoire DAP is changed or deleted by the employer."""
        return self.statut == Statut.PROVISOIRE


class DemandeHistorique(models.Model):
    """One line per status change of a DAP: from, to, by whom (empty: the service itself), when, why."""

    demande = models.ForeignKey(
        DemandeAutorisation, on_delete=models.CASCADE, related_name="historique", verbose_name="demande"
    )
    from_statut = models.CharField("statut précédent", max_length=32, choices=Statut.choices, blank=True)
    to_statut = models.CharField("nouveau statut", max_length=32, choices=Statut.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="par"
    )
    at = models.DateTimeField("le")
    comment = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "historique d'une demande"
        verbose_name_plural = "historique des demandes"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.demande.numero} : {self.from_statut or '—'} → {self.to_statut}"


def _piece_jointe_path(instance, filename: str) -> str:
    # A random name: the employer's file name is kept in `nom`, never in a path.
    import uuid

    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(instance.content_type, "bin")
    return f"dap/{instance.demande.establishment.siret}/{uuid.uuid4().hex}.{extension}"


class PieceJointe(models.Model):
    """A document of a DAP, stored through Django's storage API (local disk, or S3-compatible when configured)."""

    demande = models.ForeignKey(
        DemandeAutorisation, on_delete=models.CASCADE, related_name="pieces_jointes", verbose_name="demande"
    )
    fichier = models.FileField("fichier", upload_to=_piece_jointe_path, max_length=200)
    nom = models.CharField("nom du fichier", max_length=255)
    content_type = models.CharField("type", max_length=32)
    taille = models.PositiveIntegerField("taille (octets)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="déposée par"
    )
    uploaded_at = models.DateTimeField("déposée le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=("application/pdf", "image/jpeg", "image/png")),
                name="piecejointe_pdf_jpeg_png",
            ),
            models.CheckConstraint(
                condition=Q(taille__gt=0) & Q(taille__lte=PIECE_JOINTE_MAX_BYTES), name="piecejointe_at_most_5_mo"
            ),
        ]

    def __str__(self):
        return f"{self.demande.numero} — {self.nom}"


class DecisionQuerySet(models.QuerySet):
    pass


class Decision(models.Model):
    """The décision d'autorisation of an accepted DAP (expressly or implicitly), with its code DI."""

    numero = models.CharField("numéro", max_length=32, unique=True, editable=False)
    demande = models.OneToOneField(
        DemandeAutorisation, on_delete=models.PROTECT, related_name="decision", verbose_name="demande"
    )
    date_debut = models.DateField("début de la période autorisée")
    date_fin = models.DateField("fin de la période autorisée")
    heures_autorisees = models.DecimalField("heures autorisées", max_digits=9, decimal_places=2)
    nb_salaries = models.PositiveIntegerField("nombre de salariés autorisés")
    code_di = models.CharField("code DI", max_length=10, unique=True, editable=False)
    mode = models.CharField("mode", max_length=16, choices=ModeDecision.choices)
    issued_at = models.DateTimeField("émise le")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="émise par",
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "décision d'autorisation"
        verbose_name_plural = "décisions d'autorisation"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(date_fin__gte=F("date_debut")), name="decision_fin_after_debut"),
            models.CheckConstraint(condition=Q(heures_autorisees__gt=0), name="decision_heures_positive"),
            models.CheckConstraint(condition=Q(nb_salaries__gte=1), name="decision_at_least_one_salarie"),
            models.CheckConstraint(condition=Q(code_di__regex=CODE_DI_REGEX), name="decision_code_di_shape"),
            models.CheckConstraint(
                condition=Q(mode=ModeDecision.IMPLICITE) | Q(issued_by__isnull=False),
                name="decision_expresse_has_author",
            ),
        ]

    def __str__(self):
        return f"{self.numero} ({self.demande.numero})"

    @property
    def code_di_affiche(self) -> str:
        """The code DI in two groups of five, easier to read aloud and to type."""
        return f"{self.code_di[:5]} {self.code_di[5:]}"
