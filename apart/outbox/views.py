"""/dev/courriels/: the mail the application sent, for a developer (DEBUG only), like Mailpit."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import OutboxEmail
from .placeholders import secrets_mask


def _require_debug():
    if not settings.DEBUG:
        raise Http404


def email_list(request):
    _require_debug()
    emails = OutboxEmail.objects.all()[:200]
    return render(request, "outbox/email_list.html", {"emails": emails})


def email_detail(request, pk):
    _require_debug()
    email = get_object_or_404(OutboxEmail, pk=pk)
    # Secrets are masked here as in the admin: they are read in the e-mail itself (the console, Mailpit).
    return render(request, "outbox/email_detail.html", {"email": email, "body_text": secrets_mask(email.body_text)})


def email_html(request, pk):
    _require_debug()
    email = get_object_or_404(OutboxEmail, pk=pk)
    response = HttpResponse(secrets_mask(email.body_html) or "<p>(pas de version HTML)</p>")
    # The e-mail's own HTML runs nothing: no script at all in this response.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response
