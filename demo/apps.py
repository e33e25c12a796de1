from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of `make run` (seed_demo): it reaches into every app, so it sits above them all."""

    name = "demo"
    verbose_name = "Données de démonstration"
