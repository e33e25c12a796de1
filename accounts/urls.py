from django.urls import path

from support.views import coming_soon

app_name = "accounts"


def _soon(route, name, title, description=""):
    return path(route, coming_soon, {"title": title, "description": description}, name=name)


# The login and recovery flows come with their own issues; until then each URL says so plainly.
urlpatterns = [
    _soon("connexion/", "login", "Mon espace personnel", "La connexion à votre espace personnel arrive bientôt."),
    _soon("identifiant-oublie/", "forgotten_identifiant", "J'ai oublié mon identifiant"),
    _soon("mot-de-passe-oublie/", "forgotten_password", "J'ai oublié mon mot de passe"),
]
