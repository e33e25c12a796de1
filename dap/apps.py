from django.apps import AppConfig


class DapConfig(AppConfig):
    """The demandes d'autorisation préalable (DAP) and the décisions d'autorisation."""

    name = "dap"
    verbose_name = "Demandes d'autorisation préalable"
