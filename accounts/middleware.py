from django.shortcuts import redirect
from django.urls import reverse


class MustChangePasswordMiddleware:
    """The one gate of the first connection: with a temporary password, the space leads to its change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and request.path.startswith("/espace/")
        ):
            return redirect(reverse("accounts:first_login_password"))
        return self.get_response(request)
