"""The staff desk: information banner, knowledge base, assistance requests and the audit log of the desk."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import User
from apart.dashboard import elapsed
from audit.models import StaffAction
from habilitations.enums import ExtranetCode, HabilitationEndOutcome
from habilitations.models import Establishment, Habilitation
from habilitations.services import Person, habilitation_already_extended_message, user_for_courriel
from referentiels.validators import clean_siret

from .enums import TicketMotif
from .forms import TicketAdminForm, TransferForm
from .models import Article, Ticket
from .selectors import outbox_emails_for, ticket_habilitations, ticket_requester_account, ticket_users
from .services import (
    TicketActionRefused,
    ticket_account_emails_resend,
    ticket_habilitation_end,
    ticket_habilitation_extend,
    ticket_habilitation_transfer,
    ticket_reply,
    ticket_secret_question_reset,
    ticket_update,
)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "order", "is_published", "updated_at"]
    list_editable = ["order", "is_published"]
    list_filter = ["category", "is_published"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "category", "order", "is_published", "body"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 24, "cols": 110})}}


# --- Assistance requests ---------------------------------------------------------------------------


class TicketAgeFilter(admin.SimpleListFilter):
    title = "ancienneté"
    parameter_name = "anciennete"

    def lookups(self, request, model_admin):
        return [("moins48h", "Moins de 48 h"), ("plus48h", "Plus de 48 h"), ("plus7j", "Plus de 7 jours")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "moins48h":
            return queryset.filter(created_at__gte=now - datetime.timedelta(hours=48))
        if self.value() == "plus48h":
            return queryset.filter(created_at__lt=now - datetime.timedelta(hours=48))
        if self.value() == "plus7j":
            return queryset.filter(created_at__lt=now - datetime.timedelta(days=7))
        return queryset


class TicketOpenFilter(admin.SimpleListFilter):
    title = "à traiter"
    parameter_name = "a_traiter"

    def lookups(self, request, model_admin):
        return [("ouvertes", "Demandes ouvertes"), ("miennes", "Mes demandes ouvertes"), ("libres", "Non attribuées")]

    def queryset(self, request, queryset):
        if self.value() == "ouvertes":
            return queryset.open()
        if self.value() == "miennes":
            return queryset.open().filter(assignee=request.user)
        if self.value() == "libres":
            return queryset.open().filter(assignee__isnull=True)
        return queryset


# The desk's actions on one habilitation: URL part → (service, title of the confirmation page, button).
# Each needs, besides the right to handle tickets, the right the same action needs elsewhere in the admin.
HABILITATION_ACTION_PERMISSIONS = {
    "renvoyer-courriels": ["habilitations.resend_account_emails"],
    "prolonger": ["habilitations.change_habilitation"],
    "terminer": ["habilitations.change_habilitation"],
}
TRANSFER_PERMISSIONS = ["habilitations.add_habilitation", "habilitations.change_habilitation"]
SECRET_QUESTION_PERMISSIONS = ["accounts.change_user"]

HABILITATION_ACTIONS = {
    "renvoyer-courriels": (
        ticket_account_emails_resend,
        "Renvoyer les courriels du compte (Cas n°3)",
        "Un nouveau mot de passe provisoire est créé si la personne ne s'est jamais connectée (l'ancien ne "
        "fonctionne plus) ; sinon seul le courriel d'habilitation est renvoyé.",
    ),
    "prolonger": (
        ticket_habilitation_extend,
        "Prolonger l'habilitation d'un an",
        "L'habilitation vaudra jusqu'à dans un an, à compter d'aujourd'hui ; une date de fin déjà plus lointaine "
        "est gardée (rien ne change). La personne est prévenue par courriel quand la date change.",
    ),
    "terminer": (
        ticket_habilitation_end,
        "Mettre fin à l'habilitation",
        "L'habilitation cesse aujourd'hui, sur cet établissement seulement. La personne est prévenue par courriel.",
    ),
}


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    list_display = ["reference", "age", "status", "motif", "establishment_column", "courriel", "assignee"]
    list_filter = [
        TicketOpenFilter,
        "status",
        "motif",
        TicketAgeFilter,
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["=reference", "siret", "courriel", "denomination", "nom_prenom"]
    list_select_related = ["assignee"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "reference",
        "created_at",
        "age",
        "motif",
        "siret",
        "denomination",
        "nom_prenom",
        "telephone",
        "courriel",
        "user",
        "establishment",
        "description_text",
        "history",
    ]
    fieldsets = [
        ("Demande", {"fields": [("reference", "created_at", "age"), "motif", ("status", "assignee")]}),
        (
            "Demandeur",
            {"fields": [("siret", "denomination"), "nom_prenom", ("telephone", "courriel"), ("user", "establishment")]},
        ),
        ("Description de la demande", {"fields": ["description_text"]}),
        ("Historique des échanges", {"fields": ["history", "reply"]}),
    ]
    change_form_template = "admin/support/ticket/change_form.html"

    class Media:
        css = {"all": ["support/desk.css"]}

    def has_add_permission(self, request):
        return False  # requests come from the form of the site

    def has_delete_permission(self, request, obj=None):
        return False  # a request and its audit log are kept

    def get_search_results(self, request, queryset, search_term):
        compact = clean_siret(search_term)
        if compact.isdigit() and len(compact) >= 9:  # a SIRET typed with spaces: 732 829 320 00074
            search_term = compact
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="établissement", ordering="siret")
    def establishment_column(self, obj):
        return format_html("{}<small>{}</small>", obj.siret, obj.denomination)

    @admin.display(description="ancienneté", ordering="created_at")
    def age(self, obj):
        return elapsed(obj.created_at)

    @admin.display(description="description")
    def description_text(self, obj):
        return linebreaksbr(obj.description)

    @admin.display(description="échanges")
    def history(self, obj):
        return render_to_string("admin/support/ticket/_history.html", {"ticket": obj, "messages": obj.messages.all()})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Below the fields: the desk's actions (habilitation tickets), the e-mails sent and the audit log."""
        ticket = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if ticket is not None:
            users = ticket_users(ticket=ticket)
            addresses = [ticket.courriel] + [user.courriel for user in users]
            extra_context.update(
                desk=ticket.motif == TicketMotif.HABILITATION,
                desk_habilitations=ticket_habilitations(ticket=ticket),
                desk_users=users,
                requester_account=ticket_requester_account(ticket=ticket),
                today=timezone.localdate(),
                outbox_emails=outbox_emails_for(addresses=addresses),
                staff_actions=StaffAction.objects.about(ticket).select_related("actor").order_by("created_at", "id"),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Saving: status, assignee and the reply go through the services (audited) -----------------

    def save_model(self, request, obj, form, change):
        reply = (form.cleaned_data.get("reply") or "").strip()
        status_changed = "status" in form.changed_data
        stored = Ticket.objects.get(pk=obj.pk)
        ticket_update(
            ticket=obj,
            by=request.user,
            status=obj.status if (status_changed and not reply) else stored.status,
            assignee=form.cleaned_data.get("assignee"),
        )
        if reply:
            ticket_reply(ticket=obj, by=request.user, body=reply, status=obj.status if status_changed else None)
            messages.success(request, f"Réponse envoyée par courriel à {obj.courriel}.")
        obj.refresh_from_db()

    # --- The desk's actions on habilitations -------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/transfert/", view(self.transfer_view), name="support_ticket_transfer"),
            path(
                "<int:pk>/question-secrete/<int:user_pk>/",
                view(self.secret_question_view),
                name="support_ticket_secret_question",
            ),
            path(
                "<int:pk>/habilitation/<int:habilitation_pk>/<slug:action>/",
                view(self.habilitation_action_view),
                name="support_ticket_habilitation_action",
            ),
            *super().get_urls(),
        ]

    def _desk_ticket(self, request, pk, *, permissions) -> Ticket:
        ticket = get_object_or_404(Ticket, pk=pk)
        if not (self.has_change_permission(request, ticket) and request.user.has_perms(permissions)):
            raise PermissionDenied
        if ticket.motif != TicketMotif.HABILITATION:
            raise Http404("Ces actions ne concernent que les demandes « Habilitation à l'extranet ».")
        return ticket

    def _change_url(self, ticket) -> str:
        return reverse("admin:support_ticket_change", args=[ticket.pk])

    def _page(self, request, ticket, template, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "ticket": ticket,
            "change_url": self._change_url(ticket),
            **context,
        }
        return TemplateResponse(request, f"admin/support/ticket/{template}", context)

    def habilitation_action_view(self, request, pk, habilitation_pk, action):
        if action not in HABILITATION_ACTIONS:
            raise Http404
        ticket = self._desk_ticket(request, pk, permissions=HABILITATION_ACTION_PERMISSIONS[action])
        service, title, explanation = HABILITATION_ACTIONS[action]
        habilitation = ticket_habilitations(ticket=ticket).filter(pk=habilitation_pk).first()
        if habilitation is None:
            raise Http404("Cette habilitation ne concerne pas cette demande.")
        if request.method == "POST":
            try:
                result = service(ticket=ticket, by=request.user, habilitation=habilitation)
            except TicketActionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, self._done_message(action, habilitation, result))
            return redirect(self._change_url(ticket))
        return self._page(
            request,
            ticket,
            "action_confirm.html",
            title=title,
            explanation=explanation,
            habilitation=habilitation,
            target_user=habilitation.user,
        )

    @staticmethod
    def _done_message(action, habilitation, result) -> str:
        who = f"{habilitation.user.identifiant} sur {habilitation.establishment.siret}"
        if action == "renvoyer-courriels":
            subjects = ", ".join(f"« {email.subject} »" for email in result.emails)
            return (
                f"{len(result.emails)} courriel(s) mis dans la file d'envoi pour {habilitation.user.courriel} : "
                f"{subjects}. Leur état (envoyé, en attente, erreur) figure dans « Courriels envoyés »."
            )
        if action == "prolonger":
            if not result.extended:
                return habilitation_already_extended_message(result)
            return f"Habilitation de {who} prolongée jusqu'au {result.valid_until:%d/%m/%Y}."
        return {
            HabilitationEndOutcome.ENDED: f"Habilitation de {who} terminée (dernier jour : hier).",
            HabilitationEndOutcome.DELETED: (
                f"Habilitation de {who} supprimée : elle ne commençait qu'aujourd'hui ou plus tard."
            ),
            HabilitationEndOutcome.ALREADY_ENDED: f"L'habilitation de {who} était déjà terminée.",
        }[result.outcome]

    def secret_question_view(self, request, pk, user_pk):
        ticket = self._desk_ticket(request, pk, permissions=SECRET_QUESTION_PERMISSIONS)
        user = next((user for user in ticket_users(ticket=ticket) if user.pk == user_pk), None)
        if user is None:
            raise Http404("Ce compte ne concerne pas cette demande.")
        if request.method == "POST":
            try:
                ticket_secret_question_reset(ticket=ticket, by=request.user, user=user)
            except TicketActionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request,
                    f"Question secrète de {user.identifiant} réinitialisée : une nouvelle question lui sera demandée "
                    "à sa prochaine connexion. Un courriel l'en informe.",
                )
            return redirect(self._change_url(ticket))
        return self._page(
            request,
            ticket,
            "action_confirm.html",
            title="Réinitialiser la question secrète",
            explanation=(
                "La question et la réponse actuelles ne fonctionnent plus ; la personne en choisit de nouvelles à sa "
                "prochaine connexion (identifiant et mot de passe inchangés). Vérifiez son identité avant."
            ),
            target_user=user,
        )

    def transfer_view(self, request, pk):
        """Cas 2.1 in two steps: the agent fills the form, then confirms what will be done."""
        ticket = self._desk_ticket(request, pk, permissions=TRANSFER_PERMISSIONS)
        establishment = Establishment.objects.filter(siret=ticket.siret).first()
        holders = User.objects.filter(
            pk__in=Habilitation.objects.for_extranet(ExtranetCode.APART)
            .filter(establishment__siret=ticket.siret, valid_until__gte=timezone.localdate())
            .values("user")
        ).order_by("identifiant")
        known = user_for_courriel(ticket.courriel)  # the only source that tells a nom from a prénom
        initial = {
            "nom": known.nom if known else "",
            "prenom": known.prenom if known else "",
            "courriel": ticket.courriel,
            "telephone": ticket.telephone,
            "end_users": [str(user.pk) for user in holders],
        }
        form = TransferForm(request.POST or None, initial=initial, holders=holders)
        context = {
            "title": "Transférer l'habilitation de l'établissement (Cas 2.1)",
            "form": form,
            "establishment": establishment,
            "closed": ticket.is_closed,
            "known": known,
        }
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if not data["confirmed"]:
                return self._page(request, ticket, "transfer.html", confirm=True, **context)
            try:
                result = ticket_habilitation_transfer(
                    ticket=ticket,
                    by=request.user,
                    person=Person(
                        nom=data["nom"], prenom=data["prenom"], courriel=data["courriel"], telephone=data["telephone"]
                    ),
                    end_users=data["end_users"],
                )
            except TicketActionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                ended = ", ".join(item.identifiant for item in result.ended) or "aucune"
                messages.success(
                    request,
                    f"Habilitation transférée à {result.user.identifiant} "
                    f"({'compte créé, 3 courriels' if result.account_created else 'compte existant, courriel d’habilitation'}) ; "
                    f"habilitation(s) terminée(s) : {ended}.",
                )
                return redirect(self._change_url(ticket))
        return self._page(request, ticket, "transfer.html", confirm=False, **context)
