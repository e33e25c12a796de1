from django.urls import path

from support.views import coming_soon

app_name = "habilitations"

urlpatterns = [
    path(
        "creer-mon-espace/",
        coming_soon,
        {
            "title": "Créer mon espace",
            "description": "Munissez-vous au préalable du numéro de SIRET de l'établissement que vous représentez.",
        },
        name="create_space",
    ),
]
