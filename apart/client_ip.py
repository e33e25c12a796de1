"""The client's IP address, for every limit and log: django-axes calls it (AXES_CLIENT_IP_CALLABLE), and the rest
of the code asks axes (`axes.helpers.get_client_ip_address(request)`), never REMOTE_ADDR or X-Forwarded-For."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, unless BEHIND_PROXY: then the address the outermost of the PROXY_COUNT proxies saw.

    Each proxy appends to X-Forwarded-For the address it received the request from, and the nearest one is
    REMOTE_ADDR: with N proxies the client is the N-th entry from the right. Entries further left were written by
    the client itself and prove nothing, so they are never used (a forged header cannot choose its address)."""
    remote = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    count = settings.PROXY_COUNT
    if count < 1 or len(forwarded) < count:
        return remote  # not through the expected proxies: what the socket says is all we know
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
