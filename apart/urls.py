from django.contrib import admin
from django.urls import include, path

from . import health

admin.site.site_header = "Activité Partielle — administration ASP"
admin.site.site_title = "Administration APART"
admin.site.index_title = "Bureau des agents de l'ASP"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sante/", health.health, name="health"),
    path("captcha/", include("captcha.urls")),
    path("dev/courriels/", include("apart.outbox.urls")),
    path("", include("accounts.urls")),
    path("", include("habilitations.urls")),
    path("", include("support.urls")),
]

handler404 = "apart.errors.page_not_found"
handler500 = "apart.errors.server_error"
handler403 = "apart.errors.permission_denied"
handler400 = "apart.errors.bad_request"
