from django.contrib import admin, messages
from django.utils.html import format_html

from .models import OutboxEmail, OutboxStatus
from .placeholders import secrets_mask
from .services import outbox_email_send, outbox_failed_requeue


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    # The bodies as stored, every secret masked; the sealed secrets themselves are never shown.
    fields = [
        "kind",
        "to",
        "from_email",
        "subject",
        "texte",
        "html",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "last_attempt_at",
        "claimed_until",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["send_now", "resend"]

    def has_add_permission(self, request):
        return False

    # A class of admin.css, not a style attribute: the Content-Security-Policy (style-src 'self') refuses those.
    @admin.display(description="texte")
    def texte(self, email):
        return format_html('<pre class="apart-mail-source">{}</pre>', secrets_mask(email.body_text))

    @admin.display(description="HTML (source)")
    def html(self, email):
        if not email.body_html:
            return "—"
        return format_html('<pre class="apart-mail-source">{}</pre>', secrets_mask(email.body_html))

    @admin.action(description="Envoyer maintenant les courriels en attente sélectionnés", permissions=["change"])
    def send_now(self, request, queryset):
        sent = sum(
            outbox_email_send(email_id=pk)
            for pk in queryset.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True)
        )
        self.message_user(request, f"{sent} courriel(s) envoyé(s).", messages.SUCCESS)

    @admin.action(description="Renvoyer", permissions=["change"])
    def resend(self, request, queryset):
        # The selection is read once: the list's filter (« Échec définitif ») also applies to `queryset`, which
        # no longer holds the requeued rows afterwards.
        selected = list(queryset.values_list("pk", flat=True))
        requeued = outbox_failed_requeue(email_ids=selected)
        for email in OutboxEmail.objects.filter(pk__in=requeued):
            self.log_change(request, email, "Courriel en échec remis en file d'envoi.")
        skipped = len(selected) - len(requeued)
        self.message_user(
            request,
            f"{len(requeued)} courriel(s) en échec remis en file d'envoi."
            + (f" {skipped} autre(s) sélectionné(s), pas en échec : inchangé(s)." if skipped else ""),
            messages.SUCCESS,
        )
