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
