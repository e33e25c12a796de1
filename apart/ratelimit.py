"""Counters in the cache (Redis when configured) for the abuse limits: per IP, per address, per ticket…

A limit is a key, a number of hits and a window. `limit_hit` counts a hit (atomically: `add` then `incr`, so
concurrent workers never lose one) and says whether the limit is now exceeded; `limit_reached` only looks;
`limit_take` counts before the work and gives the hit back if the request is refused or fails (the limits that
count accepted requests only: looking first then counting after would let concurrent requests all pass).

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


def limit_take(*limits: Limit) -> Limit | None:
    """Take one hit on each of `limits` before the work, for the limits that count accepted requests only.

    Returns None when every limit had room (the hits stay: the request goes on), else the first limit that had
    none, after giving back every hit taken here (a refused request counts for nothing). Looking
    (`limit_reached`) then counting once done (`limit_hit`) lets concurrent requests all pass the look; here each
    `incr` is atomic, so at most `limit` requests get through. `limit_give_back` if the work then fails."""
    taken = []
    for limit in limits:
        try:
            count = _count(limit)
        except Exception:
            logger.warning("Cache indisponible : limite %s non comptée.", limit.scope, exc_info=True)
            return None  # fails open, as limit_hit
        taken.append(limit)
        if count > limit.limit:
            limit_give_back(*taken)
            return limit
    return None


def limit_give_back(*limits: Limit) -> None:
    """Undo one hit of `limit_take` on each of `limits` (a key expired meanwhile has nothing to give back)."""
    for limit in limits:
        try:
            cache.decr(limit.key)
        except ValueError:
            pass
        except Exception:
            logger.warning("Cache indisponible : limite %s non décomptée.", limit.scope, exc_info=True)


def _count(limit: Limit) -> int:
    cache.add(limit.key, 0, timeout=limit.window_seconds)
    try:
        return cache.incr(limit.key)
    except ValueError:  # expired between add and incr
        cache.set(limit.key, 1, timeout=limit.window_seconds)
        return 1
