from django.contrib import admin

from .models import Announcement


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "body_excerpt", "is_active", "starts_at", "ends_at", "updated_at"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    search_fields = ["title", "body"]

    @admin.display(description="message")
    def body_excerpt(self, obj):
        return obj.body[:80]
