"""The anonymous home page kept rendered in the cache: the page a surge's visitors ask for first (issue 15).

Rendering it (base, DSFR header and footer, the login form's fields) and reading its banners cost about ten times
the middleware stack. For a visitor who is not logged in, with no query string and no message waiting, the page
is the same for everyone but for the values of each request: the CSRF token of the login form, and django-csp's
nonce if a template reads it (none does today: the policy allows no inline script, the DSFR's are files). The
first such request renders the page as usual; its HTML, with those values replaced by markers, is kept in the
cache; the next ones put their own token (and nonce) back into it, the CSRF cookie set as by the render.

The page is kept with the banners' version read before it was rendered, a version changed whenever a banner is
saved or deleted (portal.signals): a banner published or ended in the admin shows at the next request of the
process that saved it, and within HOME_PAGE_RECHECK_SECONDS (1 s) in the others, which keep a copy of the page
that long rather than ask Redis at every request. Its lifetime ends before the next start or end date of a banner.
A cache that fails is never an error for the visitor: the page is rendered as before, the failure is logged, and
the cache is left alone for a while (a Redis that hangs would otherwise cost each visitor its timeout).
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import Min, Q
from django.middleware.csrf import get_token
from django.utils import timezone

from .models import Announcement

logger = logging.getLogger(__name__)

VERSION_KEY = "portal:home:version"
PAGE_KEY = "portal:home:page"
CSRF_MARKER = "\x00apart-csrf\x00"
NONCE_MARKER = "\x00apart-nonce\x00"
# After a failure of the cache, this process renders without it for this long.
PAUSE_AFTER_FAILURE_SECONDS = 30
_paused_until = 0.0
# This process's copy of the page (with its markers) and the moment it must be read from the cache again: a round
# trip to Redis at each request cost the page about 0.7 ms of CPU, 40 % of it (bench/bench_home.py).
_local: tuple[str, float] | None = None


def is_cacheable(request) -> bool:
    """A visitor's plain GET: not logged in, no query string, no message waiting to be shown."""
    return (
        getattr(settings, "HOME_PAGE_CACHE_SECONDS", 0) > 0
        and request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and not request.user.is_authenticated
        # len() reads the messages without marking them as shown.
        and not len(get_messages(request))
        and time.monotonic() >= _paused_until
    )


@dataclass(frozen=True)
class Lookup:
    page: str | None  # the cached page with this request's values, or None
    version: str | None  # the banners' version read before rendering, to keep the render under; None: cache away


def cached_page(request) -> Lookup:
    """The cached page with this request's CSRF token (and nonce), if the cache has it for the banners' version."""
    global _local
    if _local is not None and time.monotonic() < _local[1]:
        return Lookup(page=_with_values(request, _local[0]), version=None)
    try:
        # One round trip: the version and the page (kept with the version it was rendered under).
        found = cache.get_many([VERSION_KEY, PAGE_KEY])
        version = found.get(VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(VERSION_KEY, version, timeout=None):
                version = cache.get(VERSION_KEY)
    except Exception:
        _failed("lue")
        return Lookup(page=None, version=None)
    kept = found.get(PAGE_KEY)
    if not kept or kept[0] != version:
        return Lookup(page=None, version=version)
    _keep_local(kept[1], settings.HOME_PAGE_CACHE_SECONDS)
    return Lookup(page=_with_values(request, kept[1]), version=version)


def _with_values(request, page: str) -> str:
    page = page.replace(CSRF_MARKER, get_token(request))
    if NONCE_MARKER in page:
        # Read only when the page has one, as the template does: django-csp then puts it in its header too.
        page = page.replace(NONCE_MARKER, str(request.csp_nonce))
    return page


def _keep_local(page: str, seconds: float) -> None:
    global _local
    seconds = min(seconds, getattr(settings, "HOME_PAGE_RECHECK_SECONDS", 0))
    _local = (page, time.monotonic() + seconds) if seconds > 0 else None


def keep_page(request, *, html: str, csrf_token: str, version: str | None) -> None:
    """Keep `html`, rendered for `request` with `csrf_token` after `version` was read, until a banner changes (a
    new version) or the next date of a banner comes."""
    if not version:
        return
    # django-csp's nonce is made when a template first reads it (its lazy object is true once made).
    nonce = str(request.csp_nonce) if getattr(request, "csp_nonce", None) else ""
    # Random values of 16 bytes or more: found in the page, they are the token and the nonce, nothing else.
    if csrf_token not in html or (nonce and nonce not in html) or CSRF_MARKER in html or NONCE_MARKER in html:
        return
    seconds = _seconds_to_keep()
    if seconds < 1:
        return
    page = html.replace(csrf_token, CSRF_MARKER)
    if nonce:
        page = page.replace(nonce, NONCE_MARKER)
    try:
        cache.set(PAGE_KEY, (version, page), timeout=seconds)
    except Exception:
        _failed("écrite")
    else:
        _keep_local(page, seconds)


def forget_page() -> None:
    """A banner changed: a new version, so that no request reads the page rendered before (the other processes
    within HOME_PAGE_RECHECK_SECONDS, when they read the cache again)."""
    global _local
    _local = None
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # Without the cache no request reads the old page from it; it ends with its lifetime if it comes back.
        logger.warning("Cache indisponible : page d'accueil en cache non renouvelée.", exc_info=True)


def _seconds_to_keep() -> int:
    """HOME_PAGE_CACHE_SECONDS, or fewer when a published banner ends or a coming one starts before."""
    now = timezone.now()
    dates = Announcement.objects.filter(is_active=True).aggregate(
        start=Min("starts_at", filter=Q(starts_at__gt=now)), end=Min("ends_at", filter=Q(ends_at__gt=now))
    )
    seconds = settings.HOME_PAGE_CACHE_SECONDS
    for date in dates.values():
        if date is not None:
            seconds = min(seconds, math.floor((date - now).total_seconds()))
    return seconds


def _failed(what: str) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
    logger.warning(
        "Cache indisponible : page d'accueil non %s, rendue sans le cache pendant %s s.",
        what,
        PAUSE_AFTER_FAILURE_SECONDS,
        exc_info=True,
    )
