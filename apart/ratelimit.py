"""Counters in the cache (Redis when configured) for the abuse limits: per IP, per address, per ticket…

A limit is a key, a number of hits and a window. `limit_hit` counts a hit (atomically: `add` then `incr`, so
concurrent workers never lose one) and says whether the limit is now exceeded; `limit_reached` only looks, for
the limits that count accepted requests only (look first, count after the request is accepted).

A cache that fails or hangs (Redis down; 2 s socket timeouts in settings) fails open: the request goes through,
uncounted, and the failure is logged. A limit is a brake on abuse, not a lock: refusing every user while Redis
is away would be worse.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str  # what is counted, e.g. "assistance:ip"
    subject: str  # whom: an IP address, a normalised courriel, a ticket reference…
    limit: int
    window_seconds: int

    @property
    def key(self) -> str:
        # Hashed: keys stay short and no courriel sits in clear in the cache.
        return f"ratelimit:{self.scope}:{hashlib.sha256(self.subject.encode()).hexdigest()}"


def limit_reached(*limits: Limit) -> bool:
    """Whether any of `limits` has already used all its hits (nothing is counted)."""
    try:
        counts = cache.get_many([limit.key for limit in limits])
    except Exception:
        logger.warning(
            "Cache indisponible : limites %s non vérifiées.", ", ".join(lm.scope for lm in limits), exc_info=True
        )
        return False
    return any(counts.get(limit.key, 0) >= limit.limit for limit in limits)


def limit_hit(*limits: Limit) -> bool:
    """Count one hit on each of `limits`; True when any of them is now over its limit."""
    exceeded = False
    for limit in limits:
        try:
            count = _count(limit)
        except Exception:
            logger.warning("Cache indisponible : limite %s non comptée.", limit.scope, exc_info=True)
            return exceeded  # the cache is away: the other limits would wait as long
        exceeded = exceeded or count > limit.limit
    return exceeded


def _count(limit: Limit) -> int:
    cache.add(limit.key, 0, timeout=limit.window_seconds)
    try:
        return cache.incr(limit.key)
    except ValueError:  # expired between add and incr
        cache.set(limit.key, 1, timeout=limit.window_seconds)
        return 1
