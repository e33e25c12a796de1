"""A banner saved or deleted, from the admin or anywhere: the cached home page is renewed (portal.home_cache)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import home_cache
from .models import Announcement


@receiver(post_save, sender=Announcement, dispatch_uid="portal_home_page_on_announcement_save")
@receiver(post_delete, sender=Announcement, dispatch_uid="portal_home_page_on_announcement_delete")
def renew_home_page(sender, **kwargs):
    # At once, for the next page of this transaction; again at its commit, for a page another request rendered
    # in between from the rows not yet committed.
    home_cache.forget_page()
    transaction.on_commit(home_cache.forget_page)
