from django.apps import AppConfig


class EspaceConfig(AppConfig):
    """MON ESPACE PERSONNEL: the login of the home page and the employer's pages under /espace/."""

    name = "espace"
    verbose_name = "Espace employeur"
