from django.apps import AppConfig


class BaremeConfig(AppConfig):
    """The barème of activité partielle (dated values, the calculation engine) and the public simulator."""

    name = "bareme"
    verbose_name = "Barème et simulateur"
