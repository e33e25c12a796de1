"""Counters in the cache (Redis when configured) for the abuse limits: per IP, per address, per ticket…

A limit is a key, a number of hits and a window. `limit_hit` counts a hit (atomically: `add` then `incr`, so
concurrent workers never lose one) and says whether the limit is now exceeded; `limit_reached` only looks, for
the limits that count accepted requests only (look first, count after the request is accepted).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


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
    counts = cache.get_many([limit.key for limit in limits])
    return any(counts.get(limit.key, 0) >= limit.limit for limit in limits)


def limit_hit(*limits: Limit) -> bool:
    """Count one hit on each of `limits`; True when any of them is now over its limit."""
    exceeded = False
    for limit in limits:
        cache.add(limit.key, 0, timeout=limit.window_seconds)
        try:
            count = cache.incr(limit.key)
        except ValueError:  # expired between add and incr
            cache.set(limit.key, 1, timeout=limit.window_seconds)
            count = 1
        exceeded = exceeded or count > limit.limit
    return exceeded
