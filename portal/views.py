from django.templatetags.static import static
from django.views.generic import RedirectView, TemplateView

from accounts.forms import LoginForm


class HomeView(TemplateView):
    """The APART home page: MA PREMIÈRE CONNEXION, MON ESPACE PERSONNEL, the simulator, the help."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        # The login form posts to espace:login, which shows its errors on this same template.
        return {"login_form": LoginForm(), **super().get_context_data(**kwargs)}


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on their own: the DSFR's Marianne."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("dsfr/dist/favicon/favicon.ico")
