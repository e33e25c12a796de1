"""The site's URLs, each in the namespace of the app whose code answers it (README, « Organisation du code »)."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from . import health

admin.site.site_header = "Activité Partielle — administration ASP"
admin.site.site_title = "Administration APART"
admin.site.index_title = "Bureau des agents de l'ASP"
admin.site.index_template = "admin/apart_index.html"
# The apps are on the home page (its dashboard and list): the lists keep the width of the screen for their columns.
admin.site.enable_nav_sidebar = False

# Admin pages of models that changed app keep answering at their old address.
MOVED_ADMIN_MODELS = {
    "habilitations/sireneunitelegale": "referentiels/sireneunitelegale",
    "habilitations/sireneetablissement": "referentiels/sireneetablissement",
    "habilitations/codepostalcommune": "referentiels/codepostalcommune",
    "support/announcement": "portal/announcement",
    "support/staffaction": "audit/staffaction",
    # django-otp's page, replaced by the French one of the same devices (a proxy: the same ids).
    "otp_totp/totpdevice": "accounts/twofactordevice",
}


class _MovedAdminPage(RedirectView):
    permanent = True

    def get_redirect_url(self, *args, old, rest, **kwargs):
        query = self.request.META.get("QUERY_STRING", "")
        return f"/admin/{MOVED_ADMIN_MODELS[old]}/{rest}" + (f"?{query}" if query else "")


urlpatterns = [
    *(re_path(rf"^admin/(?P<old>{old})/(?P<rest>.*)$", _MovedAdminPage.as_view()) for old in MOVED_ADMIN_MODELS),
    path("admin/", admin.site.urls),
    path("sante/", health.health, name="health"),
    path("captcha/", include("captcha.urls")),
    path("dev/courriels/", include("apart.outbox.urls")),
    path("", include("portal.urls")),
    path("", include("accounts.urls")),
    path("", include("espace.urls")),
    path("", include("habilitations.urls")),
    path("", include("bareme.urls")),
    path("", include("dap.urls")),
    path("", include("indemnisation.urls")),
    path("", include("instruction.urls")),
    path("", include("support.urls")),
]

handler404 = "apart.errors.page_not_found"
handler500 = "apart.errors.server_error"
handler403 = "apart.errors.permission_denied"
handler400 = "apart.errors.bad_request"
