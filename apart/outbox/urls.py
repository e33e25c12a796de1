from django.urls import path

from . import views

app_name = "outbox"

urlpatterns = [
    path("", views.email_list, name="list"),
    path("<int:pk>/", views.email_detail, name="detail"),
    path("<int:pk>/html/", views.email_html, name="html"),
]
