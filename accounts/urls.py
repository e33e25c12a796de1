from django.urls import path

from . import views

app_name = "accounts"


urlpatterns = [
    path("deconnexion/", views.logout_view, name="logout"),
    path("premiere-connexion/mot-de-passe/", views.first_login_password, name="first_login_password"),
    path("espace/mon-compte/", views.my_account, name="my_account"),
    path("espace/mon-compte/rappels/", views.reminder_preferences, name="reminder_preferences"),
    path("espace/mon-compte/courriel/", views.courriel_change, name="courriel_change"),
    path("mon-compte/courriel/confirmer/", views.courriel_confirm_form, name="courriel_confirm_form"),
    path("mon-compte/courriel/confirmer/<str:token>/", views.courriel_confirm, name="courriel_confirm"),
    path("espace/mon-compte/question-secrete/", views.secret_question_change, name="secret_question_change"),
    path("espace/mon-compte/mot-de-passe/", views.password_change, name="password_change"),
    path("connexion/verification/", views.two_factor_verify, name="two_factor_verify"),
    path("espace/mon-compte/double-authentification/", views.two_factor, name="two_factor"),
    path("espace/mon-compte/double-authentification/activer/", views.two_factor_enrol, name="two_factor_enrol"),
    path("espace/mon-compte/double-authentification/plus-tard/", views.two_factor_later, name="two_factor_later"),
    path(
        "espace/mon-compte/double-authentification/desactiver/",
        views.two_factor_disable_view,
        name="two_factor_disable",
    ),
    path("mot-de-passe-oublie/", views.forgotten_password, name="forgotten_password"),
    path("mot-de-passe-oublie/question/", views.forgotten_password_question, name="forgotten_password_question"),
    path("mot-de-passe-oublie/envoye/", views.forgotten_password_sent, name="forgotten_password_sent"),
    path("mot-de-passe/reinitialiser/", views.password_reset_form, name="password_reset_form"),
    path("mot-de-passe/reinitialiser/<str:token>/", views.password_reset, name="password_reset"),
    path("identifiant-oublie/", views.forgotten_identifiant, name="forgotten_identifiant"),
    path("identifiant-oublie/question/", views.forgotten_identifiant_question, name="forgotten_identifiant_question"),
    path("identifiant-oublie/envoye/", views.forgotten_identifiant_sent, name="forgotten_identifiant_sent"),
]
