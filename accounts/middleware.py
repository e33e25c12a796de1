from django.shortcuts import redirect
from django.urls import reverse


class MustChangePasswordMiddleware:
    """The one gate of the first connection: with a temporary password, the space leads to its change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.path.startswith("/espace/"):
            if user.must_change_password:
                return redirect(reverse("accounts:first_login_password"))
            secret_question_url = reverse("accounts:secret_question_change")
            if user.must_set_secret_question and request.path != secret_question_url:
                return redirect(secret_question_url)
        return self.get_response(request)


class TwoFactorMiddleware:
    """The one gate of the double authentification: a logged-in session that gave no code goes to the code step
    (account with a device) or to the enrolment (staff and « Agent UD » without one), from every page but these."""

    OPEN_URLS = (
        "accounts:two_factor_verify",
        "accounts:two_factor_enrol",
        "accounts:logout",
        # The first connection's own gate (MustChangePasswordMiddleware) leads there: no loop between the two.
        "accounts:first_login_password",
        "accounts:secret_question_change",
    )
    OPEN_PREFIXES = ("/static/", "/captcha/", "/sante/", "/dev/courriels/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified() and not self._open(request.path):
            from .two_factor import confirmed_device, two_factor_required

            if confirmed_device(user) is not None:
                return redirect(reverse("accounts:two_factor_verify"))
            if two_factor_required(user):
                return redirect(reverse("accounts:two_factor_enrol"))
        return self.get_response(request)

    def _open(self, path: str) -> bool:
        return path.startswith(self.OPEN_PREFIXES) or path in {reverse(name) for name in self.OPEN_URLS}
