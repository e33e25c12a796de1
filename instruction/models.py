"""The UD agents: accounts of the « Agent UD » group, each with the départements whose DAP they instruct."""

from django.conf import settings
from django.db import models

from referentiels.departements import DEPARTEMENT_CHOICES, DEPARTEMENTS


class AgentUD(models.Model):
    """The profile that makes an account a UD agent (with the group « Agent UD »): never ASP staff (`is_staff`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agent_ud", verbose_name="compte"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "agent d'UD (DDETS)"
        verbose_name_plural = "agents d'UD (DDETS)"
        ordering = ["user__identifiant"]

    def __str__(self):
        return f"{self.user.prenom} {self.user.nom} ({self.user.identifiant})"

    @property
    def departement_codes(self) -> list[str]:
        order = list(DEPARTEMENTS)
        return sorted((row.code for row in self.departements.all()), key=order.index)


class AgentDepartement(models.Model):
    """One département an agent instructs (a row each: SQLite has no array, and a département is a query filter)."""

    agent = models.ForeignKey(AgentUD, on_delete=models.CASCADE, related_name="departements", verbose_name="agent")
    code = models.CharField("département", max_length=3, choices=DEPARTEMENT_CHOICES, db_index=True)

    class Meta:
        verbose_name = "département instruit"
        verbose_name_plural = "départements instruits"
        constraints = [
            models.UniqueConstraint(fields=["agent", "code"], name="agent_departement_unique"),
            models.CheckConstraint(
                condition=models.Q(code__in=list(DEPARTEMENTS)), name="agent_departement_code_known"
            ),
        ]

    def __str__(self):
        return DEPARTEMENTS.get(self.code, self.code)
