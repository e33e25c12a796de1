from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "apart.outbox"
    label = "outbox"
    verbose_name = "Courriels envoyés"

    def ready(self):
        from . import dashboard  # noqa: F401  (registers its panel of the admin's home page)
