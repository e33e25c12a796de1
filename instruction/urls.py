from django.urls import path

from . import views

app_name = "instruction"

urlpatterns = [
    path("instruction/", views.home, name="home"),
]
