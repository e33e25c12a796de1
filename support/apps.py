from django.apps import AppConfig


class SupportConfig(AppConfig):
    """BESOIN D'AIDE ? : the knowledge base, the assistance form, and the tickets that staff settle."""

    name = "support"
    verbose_name = "Besoin d'aide ? (assistance)"

    def ready(self):
        from . import dashboard  # noqa: F401  (registers its panel of the admin's home page)
