from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public shell: the home page and its information banner, the legal pages, the CGU."""

    name = "portal"
    verbose_name = "Pages publiques"

    def ready(self):
        from . import signals  # noqa: F401
