import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse


class MustChangePasswordMiddleware:
    """The one gate of the first connection: with a temporary password, the space (or the UD agents' back office)
    leads to its change."""

    GATED_PREFIXES = ("/espace/", "/instruction/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.path.startswith(self.GATED_PREFIXES):
            if user.must_change_password:
                return redirect(reverse("accounts:first_login_password"))
            secret_question_url = reverse("accounts:secret_question_change")
            if user.must_set_secret_question and request.path != secret_question_url:
                return redirect(secret_question_url)
        return self.get_response(request)


# When the session's login happened (epoch seconds), set on every login (accounts/signals.py).
SESSION_LOGIN_AT = "apart_login_at"
SESSION_EXPIRED_MESSAGE = (
    "Votre session a expiré : pour votre sécurité, une session dure au plus {hours} heures. Reconnectez-vous."
)


def session_login_at_mark(request) -> None:
    request.session[SESSION_LOGIN_AT] = int(time.time())


class SessionAbsoluteLifetimeMiddleware:
    """Beside the idle timeout (SESSION_COOKIE_AGE, renewed at each request), a session ends
    SESSION_ABSOLUTE_LIFETIME_HOURS after its login however active it is: a stolen session cookie stops working."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            login_at = request.session.get(SESSION_LOGIN_AT)
            hours = settings.SESSION_ABSOLUTE_LIFETIME_HOURS
            if login_at is None:
                session_login_at_mark(request)  # a session opened before this rule: its clock starts now
            elif time.time() - login_at > hours * 3600:
                logout(request)  # the page then answers as to anyone logged out (login page, admin's login…)
                messages.warning(request, SESSION_EXPIRED_MESSAGE.format(hours=hours), fail_silently=True)
        return self.get_response(request)


class TwoFactorMiddleware:
    """The one gate of the double authentification: a logged-in session that gave no code goes to the code step
    (account with a device) or to the enrolment (staff and « Agent UD » without one), from every page but these.

    An account required it by a rule (more than 50 establishments: accounts.two_factor.grace_rule_register) is led
    to the enrolment too, from the first login where the rule holds (the grace period then starts, and an e-mail
    says so); during the grace period « Plus tard » lets the session go on; after it, only these pages are open."""

    OPEN_URLS = (
        "accounts:two_factor_verify",
        "accounts:two_factor_enrol",
        "accounts:two_factor_later",
        "accounts:logout",
        # The first connection's own gate (MustChangePasswordMiddleware) leads there: no loop between the two.
        "accounts:first_login_password",
        "accounts:secret_question_change",
    )
    # « Besoin d'aide » (support): the FAQ and the assistance's form stay open to whoever is held at the enrolment.
    OPEN_PREFIXES = ("/static/", "/captcha/", "/sante/", "/dev/courriels/", "/besoin-d-aide/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            from .two_factor import confirmed_device, enrolment_pending

            has_device = confirmed_device(user) is not None
            # Read by apart.context_processors: the header then offers no page of the space, each would lead back.
            request.two_factor_enrolment_pending = not has_device and enrolment_pending(request, user)
            if not self._open(request.path):
                if has_device:
                    return redirect(reverse("accounts:two_factor_verify"))
                if request.two_factor_enrolment_pending:
                    return redirect(reverse("accounts:two_factor_enrol"))
        return self.get_response(request)

    def _open(self, path: str) -> bool:
        return path.startswith(self.OPEN_PREFIXES) or path in {reverse(name) for name in self.OPEN_URLS}
