from django.apps import AppConfig


class HabilitationsConfig(AppConfig):
    """Establishments, habilitations and the account requests of CRÉER MON ESPACE."""

    name = "habilitations"
    verbose_name = "Établissements et habilitations"

    def ready(self):
        from . import dashboard  # noqa: F401  (registers its panel of the admin's home page)
