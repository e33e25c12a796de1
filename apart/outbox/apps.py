from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "apart.outbox"
    label = "outbox"
    verbose_name = "Courriels envoyés"
