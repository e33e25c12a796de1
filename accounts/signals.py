from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import session_login_at_mark


@receiver(user_logged_in, dispatch_uid="accounts.session_login_at")
def _session_login_at(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_login_at_mark(request)  # each login restarts the clock, even the same user's in the same session
