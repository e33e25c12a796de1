from django.apps import AppConfig


class ReferentielsConfig(AppConfig):
    """The reference data: INSEE's SIRENE directory (local copy and API) and La Poste's codes postaux."""

    name = "referentiels"
    verbose_name = "Référentiels (SIRENE, codes postaux)"
