"""An intermediate page for admin actions that must be confirmed (or need a motif), as Django's own deletion."""

from django.contrib.admin import helpers
from django.template.response import TemplateResponse

CONFIRMED = "apply"


def is_confirmed(request) -> bool:
    return CONFIRMED in request.POST


def action_confirm_page(modeladmin, request, queryset, *, action: str, title: str, items, intro: str, form=None):
    """The page that lists what the action will touch (`items`: (label, [details…]) pairs) and posts it again,
    confirmed."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "items": items,
        "form": form,
        "queryset": queryset,
        "action": action,
        "confirm_name": CONFIRMED,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
        "changelist_url": request.get_full_path(),
    }
    return TemplateResponse(request, "admin/apart/action_confirm.html", context)


class ReadOnlyMixin:
    """An admin (or inline) that shows rows and never adds, changes or deletes them: the services write them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
