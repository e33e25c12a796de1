from django.apps import AppConfig


class AuditConfig(AppConfig):
    """One journal of what staff and agents do (and of what the service does on its own in their place)."""

    name = "audit"
    verbose_name = "Journal des actions"
