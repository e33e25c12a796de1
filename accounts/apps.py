from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes utilisateurs ASP"

    def ready(self):
        # Imported for what they register: a panel of the admin's home page, the login time of a session.
        from . import dashboard, signals  # noqa: F401
