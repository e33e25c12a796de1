from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.views.generic import RedirectView, TemplateView

from accounts.forms import LoginForm
from apart.pdf import pdf_from_html
from habilitations.contrats import ContratPrestation
from habilitations.selectors import establishments_for_user
from referentiels.validators import clean_siret

from . import home_cache


class HomeView(TemplateView):
    """The APART home page: MA PREMIÈRE CONNEXION, MON ESPACE PERSONNEL, the simulator, the help."""

    template_name = "portal/home.html"

    def get(self, request, *args, **kwargs):
        if not home_cache.is_cacheable(request):
            return super().get(request, *args, **kwargs)
        lookup = home_cache.cached_page(request)
        if lookup.page is not None:
            return HttpResponse(lookup.page)
        # One token for the whole render (as the csrf context processor gives), so that the cache finds it.
        csrf_token = get_token(request)
        response = self.render_to_response(self.get_context_data(csrf_token=csrf_token, **kwargs))
        response.render()
        home_cache.keep_page(request, html=response.content.decode(), csrf_token=csrf_token, version=lookup.version)
        return response

    def get_context_data(self, **kwargs):
        # The login form posts to espace:login, which shows its errors on this same template.
        return {"login_form": LoginForm(), **super().get_context_data(**kwargs)}


class ContratDePrestationView(TemplateView):
    """The contrat de prestation explained, its steps, and the model contract to download."""

    template_name = "portal/contrat_de_prestation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.is_authenticated:
            context["establishments"] = establishments_for_user(user=self.request.user).only(
                "siret", "denomination", "enseigne"
            )
            context["current"] = self.request.current_establishment or None
        return context


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on their own: the DSFR's Marianne."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("dsfr/dist/favicon/favicon.ico")


def contrat_modele_pdf(request):
    """« Télécharger le modèle de contrat (PDF) »: blank for a visitor; for a logged-in user, filled from the current
    establishment (or the one of `?siret=`, among his own: another is a 404) and from his account and his last
    declared contract's firm."""
    establishment = person = None
    cabinet = {}
    if request.user.is_authenticated:
        person = request.user
        siret = clean_siret(request.GET.get("siret", ""))
        if siret:
            establishment = get_object_or_404(establishments_for_user(user=request.user), siret=siret)
        else:
            establishment = request.current_establishment or None
        last = ContratPrestation.objects.filter(declared_by=request.user).order_by("-declared_at", "-id").first()
        if last is not None:
            cabinet = {"nom": last.nom_cabinet, "siret": last.siret_cabinet}
    html = render_to_string(
        "portal/pdf/contrat_prestation.html",
        {
            "establishment": establishment,
            "person": person,
            "cabinet": cabinet,
            "site_url": settings.SITE_URL,
            "support_email": settings.SUPPORT_EMAIL,
            "printed_on": timezone.now(),
        },
    )
    filename = f"contrat-de-prestation-{establishment.siret}.pdf" if establishment else "contrat-de-prestation.pdf"
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
