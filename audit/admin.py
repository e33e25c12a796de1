from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from .models import StaffAction


@admin.register(StaffAction)
class StaffActionAdmin(admin.ModelAdmin):
    """The journal, read-only: nobody edits or removes a line of it."""

    list_display = ["created_at", "actor_display", "action", "subject_link", "target_user", "siret", "summary"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "subject_type", "created_at"]
    search_fields = ["=siret", "target_user__identifiant", "target_user__courriel", "actor__identifiant", "summary"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "target_user", "subject_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="agent", ordering="actor__identifiant")
    def actor_display(self, obj):
        return obj.actor or "Traitement automatique"

    @admin.display(description="objet")
    def subject_link(self, obj):
        if obj.subject_type_id is None:
            return "—"
        subject = obj.subject
        if subject is None:
            return f"{obj.subject_type.name} n°{obj.subject_id} (n'existe plus)"
        try:
            url = reverse(f"admin:{obj.subject_type.app_label}_{obj.subject_type.model}_change", args=[obj.subject_id])
        except NoReverseMatch:
            return str(subject)
        return format_html('<a href="{}">{}</a>', url, getattr(subject, "reference", None) or subject)
