from django.apps import AppConfig


class IndemnisationConfig(AppConfig):
    """The monthly demandes d'indemnisation (DI) and the ASP's payments."""

    name = "indemnisation"
    verbose_name = "Demandes d'indemnisation"
