from django.urls import path

from support.views import coming_soon

from . import views

app_name = "accounts"


def _soon(route, name, title, description=""):
    return path(route, coming_soon, {"title": title, "description": description}, name=name)


urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("premiere-connexion/mot-de-passe/", views.first_login_password, name="first_login_password"),
    path("espace/mon-compte/", views.my_account, name="my_account"),
    path("espace/mon-compte/courriel/", views.courriel_change, name="courriel_change"),
    path("mon-compte/courriel/confirmer/<str:token>/", views.courriel_confirm, name="courriel_confirm"),
    path("espace/mon-compte/question-secrete/", views.secret_question_change, name="secret_question_change"),
    path("espace/mon-compte/mot-de-passe/", views.password_change, name="password_change"),
    # Credential recovery comes with its own issue; until then each URL says so plainly.
    _soon("identifiant-oublie/", "forgotten_identifiant", "J'ai oublié mon identifiant"),
    _soon("mot-de-passe-oublie/", "forgotten_password", "J'ai oublié mon mot de passe"),
]
