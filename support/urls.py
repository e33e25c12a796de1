from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("besoin-d-aide/", views.help_home, name="help"),
    path("besoin-d-aide/articles/<slug:slug>/", views.article_detail, name="article"),
    path("besoin-d-aide/assistance/", views.assistance, name="assistance"),
    path("besoin-d-aide/assistance/demande-envoyee/", views.assistance_done, name="assistance_done"),
    path("besoin-d-aide/assistance/repondre/", views.ticket_reply_form, name="ticket_reply_form"),
    path("besoin-d-aide/assistance/repondre/<str:token>/", views.ticket_reply, name="ticket_reply"),
]
