from django.conf import settings
from django.db import models
from django.db.models import F, Q

from bareme.engine import LIBELLES_CONTRAT, LIBELLES_DISPOSITIF, Contrat, Dispositif
from dap.models import Decision
from habilitations.models import Establishment

from .enums import STATUTS_MODIFIABLES, RappelDelivery, RappelKind, Statut, StatutPaiement

DISPOSITIF_CHOICES = [(dispositif.value, LIBELLES_DISPOSITIF[dispositif]) for dispositif in Dispositif]
CONTRAT_CHOICES = [(contrat.value, LIBELLES_CONTRAT[contrat]) for contrat in Contrat]
# A NIR as stored: 13 characters (Corsica: 2A/2B) and its 2-digit key, without spaces (stdnum fr.nir.compact).
NIR_REGEX = r"\A[0-9][0-9]{2}[0-9]{2}([0-9]{2}|2A|2B)[0-9]{8}\Z"


class Paiement(models.Model):
    """One run of the ASP's payment: the validated DIs of the day in one SEPA credit transfer file (pain.001)."""

    numero = models.CharField("numéro", max_length=32, unique=True, editable=False)
    statut = models.CharField("statut", max_length=16, choices=StatutPaiement.choices, default=StatutPaiement.PREPARE)
    nb_demandes = models.PositiveIntegerField("nombre de demandes")
    montant_total = models.DecimalField("montant total", max_digits=14, decimal_places=2)
    message_id = models.CharField("identifiant du message (MsgId)", max_length=35, unique=True)
    fichier = models.TextField("fichier SEPA (pain.001.001.03)")
    created_at = models.DateTimeField("préparé le")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="préparé par",
    )
    executed_at = models.DateTimeField("exécuté le", null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="exécuté par",
    )

    class Meta:
        verbose_name = "paiement (fichier de virements)"
        verbose_name_plural = "paiements (fichiers de virements)"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(nb_demandes__gte=1), name="paiement_at_least_one_demande"),
            models.CheckConstraint(condition=Q(montant_total__gt=0), name="paiement_montant_positive"),
            models.CheckConstraint(
                condition=Q(statut=StatutPaiement.PREPARE) | Q(executed_at__isnull=False),
                name="paiement_execute_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.numero} — {self.nb_demandes} demande(s)"


class DemandeIndemnisation(models.Model):
    """The demande d'indemnisation (DI) of one month of a décision d'autorisation, one row per employee."""

    numero = models.CharField("numéro", max_length=32, unique=True, editable=False)
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="demandes_indemnisation", verbose_name="décision"
    )
    # The décision's establishment, kept on the row: the employer's lists and the quota read one indexed column.
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="demandes_indemnisation",
        verbose_name="établissement",
    )
    mois = models.DateField("mois")  # its first day
    dispositif = models.CharField(
        "dispositif", max_length=32, choices=DISPOSITIF_CHOICES, default=Dispositif.DROIT_COMMUN
    )
    statut = models.CharField("statut", max_length=32, choices=Statut.choices, default=Statut.PROVISOIRE)
    # The totals of the rows, written by CALCULER and frozen when sent (the rows' amounts too).
    nb_salaries = models.PositiveIntegerField("nombre de salariés", default=0)
    total_heures = models.DecimalField("heures chômées", max_digits=11, decimal_places=2, default=0)
    total_indemnite = models.DecimalField("indemnité versée aux salariés", max_digits=14, decimal_places=2, default=0)
    total_allocation = models.DecimalField("allocation demandée", max_digits=14, decimal_places=2, default=0)
    total_reste_a_charge = models.DecimalField("reste à charge", max_digits=14, decimal_places=2, default=0)
    calculated_at = models.DateTimeField("calculée le", null=True, blank=True)
    bareme_mention = models.CharField("barème appliqué", max_length=300, blank=True)
    # The control lines flagged for the UD when sent (enums.Controle values, with a French detail each).
    controles = models.JSONField("contrôles", default=list, blank=True)
    departement = models.CharField("département", max_length=3, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="créée par"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="envoyée par",
    )
    decided_at = models.DateTimeField("instruite le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="instruite par",
    )
    motif_invalidation = models.TextField("motif de l'invalidation", blank=True)
    paiement = models.ForeignKey(
        Paiement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demandes",
        verbose_name="paiement",
    )
    paid_at = models.DateTimeField("payée le", null=True, blank=True)

    class Meta:
        verbose_name = "demande d'indemnisation"
        verbose_name_plural = "demandes d'indemnisation"
        ordering = ["-mois", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["establishment", "-mois"], name="di_establishment_mois"),
            models.Index(fields=["departement", "statut", "sent_at"], name="di_departement_queue"),
            models.Index(fields=["statut"], condition=Q(statut=Statut.VALIDEE), name="di_a_payer"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["decision", "mois"], name="di_one_per_decision_and_month"),
            models.CheckConstraint(condition=Q(mois__day=1), name="di_mois_first_day"),
            models.CheckConstraint(
                condition=Q(statut__in=STATUTS_MODIFIABLES) | Q(sent_at__isnull=False, sent_by__isnull=False),
                name="di_sent_has_sender",
            ),
            models.CheckConstraint(
                condition=~Q(statut=Statut.INVALIDEE) | ~Q(motif_invalidation=""), name="di_invalidee_has_motif"
            ),
            models.CheckConstraint(
                condition=~Q(statut__in=(Statut.MISE_EN_PAIEMENT, Statut.PAYEE)) | Q(paiement__isnull=False),
                name="di_en_paiement_has_paiement",
            ),
            # Not "reste = indemnité − allocation": SQLite (make run's database) subtracts in floating point.
            models.CheckConstraint(
                condition=Q(total_allocation__lte=F("total_indemnite")), name="di_allocation_at_most_indemnite"
            ),
        ]

    def __str__(self):
        return f"{self.numero} — {self.establishment.siret} — {self.get_statut_display()}"

    @property
    def is_editable(self) -> bool:
        return self.statut in STATUTS_MODIFIABLES

    @property
    def is_deletable(self) -> bool:
        return self.statut == Statut.PROVISOIRE


class SalarieIndemnise(models.Model):
    """One employee's row of a DI: who, the contract, the hours chômées, and the amounts the barème gives."""

    demande = models.ForeignKey(
        DemandeIndemnisation, on_delete=models.CASCADE, related_name="salaries", verbose_name="demande"
    )
    position = models.PositiveIntegerField("ligne")
    nom = models.CharField("nom", max_length=100)
    prenom = models.CharField("prénom", max_length=100)
    nir = models.CharField("NIR", max_length=15)
    contrat = models.CharField("type de contrat", max_length=32, choices=CONTRAT_CHOICES, default=Contrat.STANDARD)
    duree_hebdomadaire = models.DecimalField("durée hebdomadaire de travail", max_digits=5, decimal_places=2)
    salaire_brut_mensuel = models.DecimalField("salaire brut mensuel de référence", max_digits=10, decimal_places=2)
    heures_chomees = models.DecimalField("heures chômées", max_digits=6, decimal_places=2)
    # Written by CALCULER with the barème of the month; frozen when the DI is sent.
    taux_horaire = models.DecimalField("taux horaire de référence", max_digits=8, decimal_places=2, null=True)
    indemnite = models.DecimalField("indemnité versée au salarié", max_digits=10, decimal_places=2, null=True)
    allocation = models.DecimalField("allocation demandée", max_digits=10, decimal_places=2, null=True)
    reste_a_charge = models.DecimalField("reste à charge", max_digits=10, decimal_places=2, null=True)

    class Meta:
        verbose_name = "salarié d'une demande d'indemnisation"
        verbose_name_plural = "salariés d'une demande d'indemnisation"
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["nir"], name="di_salarie_nir")]
        constraints = [
            models.UniqueConstraint(fields=["demande", "nir"], name="di_salarie_nir_unique"),
            models.UniqueConstraint(fields=["demande", "position"], name="di_salarie_position_unique"),
            models.CheckConstraint(condition=Q(nir__regex=NIR_REGEX), name="di_salarie_nir_shape"),
            models.CheckConstraint(condition=Q(heures_chomees__gte=0), name="di_salarie_heures_positive"),
            models.CheckConstraint(condition=Q(salaire_brut_mensuel__gt=0), name="di_salarie_salaire_positive"),
            models.CheckConstraint(condition=Q(duree_hebdomadaire__gt=0), name="di_salarie_duree_positive"),
        ]

    def __str__(self):
        return f"{self.nom} {self.prenom} ({self.demande.numero})"


class DemandeIndemnisationHistorique(models.Model):
    """One line per status change of a DI: from, to, by whom (empty: the service itself), when, why."""

    demande = models.ForeignKey(
        DemandeIndemnisation, on_delete=models.CASCADE, related_name="historique", verbose_name="demande"
    )
    from_statut = models.CharField("statut précédent", max_length=32, choices=Statut.choices, blank=True)
    to_statut = models.CharField("nouveau statut", max_length=32, choices=Statut.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="par"
    )
    at = models.DateTimeField("le")
    comment = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "historique d'une demande d'indemnisation"
        verbose_name_plural = "historique des demandes d'indemnisation"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.demande.numero} : {self.from_statut or '—'} → {self.to_statut}"


class Rappel(models.Model):
    """One reminder sent to one address (indemnisation.rappels): written in the transaction that queues its e-mail,
    under a unique key, so that a reminder goes out once whatever the number of runs or of processes."""

    kind = models.CharField("rappel", max_length=32, choices=RappelKind.choices)
    # The habilitation (fin d'habilitation) or the décision (DI à déposer) it is about, and the date that makes it
    # a new reminder: the habilitation's end (prolonged, it is reminded again) or the DI's month.
    subject_id = models.PositiveBigIntegerField("objet (habilitation ou décision)")
    subject_date = models.DateField("fin de l'habilitation ou mois de la DI")
    recipient = models.CharField("destinataire", max_length=254)  # lower case
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="utilisateur",
    )
    establishment = models.ForeignKey(
        Establishment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="établissement"
    )
    summary = models.CharField("objet du rappel", max_length=300)
    delivery = models.CharField("envoi", max_length=16, choices=RappelDelivery.choices)
    email = models.ForeignKey(
        "outbox.OutboxEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="courriel",
    )
    run_date = models.DateField("jour du rappel")
    created_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "rappel envoyé"
        verbose_name_plural = "rappels envoyés"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_id", "subject_date", "recipient"], name="rappel_once_per_recipient"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.summary} — {self.recipient}"
