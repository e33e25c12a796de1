from django.contrib import admin, messages

from .models import OutboxEmail, OutboxStatus
from .services import outbox_email_send


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutboxEmail._meta.fields]
    actions = ["send_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Envoyer maintenant les courriels en attente sélectionnés", permissions=["change"])
    def send_now(self, request, queryset):
        sent = sum(
            outbox_email_send(email_id=pk)
            for pk in queryset.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True)
        )
        self.message_user(request, f"{sent} courriel(s) envoyé(s).", messages.SUCCESS)
