from django.urls import path

from . import views

app_name = "instruction"

urlpatterns = [
    path("instruction/", views.home, name="home"),
    path("instruction/dap/<str:numero>/", views.demande_detail, name="demande"),
    path("instruction/dap/<str:numero>/accorder/", views.demande_accorder, name="accorder"),
    path("instruction/dap/<str:numero>/refuser/", views.demande_refuser, name="refuser"),
    path("instruction/dap/<str:numero>/complement/", views.demande_complement, name="complement"),
    path("instruction/dap/<str:numero>/pieces-jointes/<int:pk>/", views.piece_jointe, name="piece_jointe"),
    path("instruction/di/", views.di_queue, name="di_queue"),
    path("instruction/di/<str:numero>/", views.di_detail, name="di"),
    path("instruction/di/<str:numero>/valider/", views.di_valider, name="di_valider"),
    path("instruction/di/<str:numero>/invalider/", views.di_invalider, name="di_invalider"),
]
