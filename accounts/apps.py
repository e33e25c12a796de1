from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes utilisateurs ASP"

    def ready(self):
        from . import dashboard  # noqa: F401  (registers its panel of the admin's home page)
