from django.apps import AppConfig


class ApartConfig(AppConfig):
    """The project's shared pieces: forms, captchas, template tags, the admin dashboard, the outbox."""

    name = "apart"
    verbose_name = "Activité Partielle"
